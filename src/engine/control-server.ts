/**
 * The local HTTP API of a running `devloop up` on 127.0.0.1 (a free port, recorded in
 * `.devloop/control.json` next to the config so `devloop trigger` and `devloop get` find it).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { isDevloopError } from '../model/errors.js';
import type { Engine } from './engine.js';

export interface ControlInfo { port: number; pid: number; configFile: string }

export function controlFile(configDir: string): string {
  return join(configDir, '.devloop', 'control.json');
}

export async function startControlServer(engine: Engine, configFile: string, configDir: string, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/api/resources') {
      send(200, {
        configFile, configError: engine.configError?.message,
        resources: [...engine.status.values()].map((s) => ({ name: s.name, type: s.type, phase: s.phase, reason: s.reason, triggerMode: s.triggerMode, pendingFiles: s.pendingFiles, updates: s.updates })),
      });
      return;
    }
    const m = /^\/api\/trigger\/(.+)$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      try {
        engine.trigger(decodeURIComponent(m[1]));
        send(200, { ok: true });
      } catch (e) {
        send(404, { error: isDevloopError(e) ? e.message : String(e), hint: isDevloopError(e) ? e.hint : undefined });
      }
      return;
    }
    send(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const actual = (server.address() as { port: number }).port;
  const file = controlFile(configDir);
  mkdirSync(join(configDir, '.devloop'), { recursive: true });
  writeFileSync(file, JSON.stringify({ port: actual, pid: process.pid, configFile } satisfies ControlInfo));
  return {
    port: actual,
    close: () => new Promise<void>((ok) => {
      rmSync(file, { force: true });
      server.close(() => ok());
      server.closeAllConnections?.();
    }),
  };
}

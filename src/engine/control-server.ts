/**
 * The local HTTP API of a running `devloop up` on 127.0.0.1 (a free port, recorded in
 * `<tmpdir>/devloop-<project>/control.json`, so `devloop trigger` and `devloop get` find it).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectId } from './labels.js';
import { isDevloopError } from '../model/errors.js';
import type { Engine } from './engine.js';

export interface ControlInfo { port: number; pid: number; configFile: string }

/** Outside the project (a file in it would land in build contexts and change image tags). */
export function controlDir(configFile: string): string {
  return join(tmpdir(), `devloop-${projectId(configFile)}`);
}

export function controlFile(configFile: string): string {
  return join(controlDir(configFile), 'control.json');
}

export async function startControlServer(engine: Engine, configFile: string, port = 0): Promise<{ port: number; close(): Promise<void> }> {
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
  const file = controlFile(configFile);
  mkdirSync(controlDir(configFile), { recursive: true });
  writeFileSync(file, JSON.stringify({ port: actual, pid: process.pid, configFile } satisfies ControlInfo));
  return {
    port: actual,
    close: () => new Promise<void>((ok) => {
      rmSync(controlDir(configFile), { recursive: true, force: true });
      server.close(() => ok());
      server.closeAllConnections?.();
    }),
  };
}

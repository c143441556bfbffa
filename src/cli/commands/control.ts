/** `devloop trigger RESOURCE`, and how every CLI view reaches the running `devloop up`: its local HTTP API (control-server.ts). */
import { findConfig } from '../../config/find.js';
import { controlFile, readControlFile, type ControlInfo } from '../../engine/control-file.js';
import { DevloopError } from '../../model/errors.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';

export function controlInfo(opts: CommonOptions): ControlInfo & { token: string } {
  const configFile = findConfig(process.cwd(), opts.file);
  const info = readControlFile(controlFile(configFile));
  if (!info) throw new DevloopError('not-running', `devloop up is not running for ${configFile}`, { hint: 'start it with `devloop up` in that directory' });
  if (!info.port || !info.token) throw new DevloopError('not-running', `devloop up (pid ${info.pid}) is still starting`, { hint: 'try again in a moment' });
  return info as ControlInfo & { token: string };
}

export async function call(info: ControlInfo & { token: string }, method: string, path: string): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}${path}`, { method, headers: { authorization: `Bearer ${info.token}` } });
    return { status: res.status, body: await res.json() };
  } catch (e) {
    throw new DevloopError('not-running', `devloop up (pid ${info.pid}) does not answer on 127.0.0.1:${info.port}`, {
      hint: 'it may have stopped; start it again with `devloop up`',
      cause: e,
    });
  }
}

export function refused(r: { status: number; body: any }, info: ControlInfo): void {
  if (r.status === 401 || r.status === 403 || r.status === 421) {
    throw new DevloopError('control-refused', `devloop up (pid ${info.pid}) refused the request: ${r.body.error}`, {
      hint: 'the control file may belong to an earlier session; restart devloop up',
    });
  }
}

export async function triggerCommand(opts: CommonOptions, o: Output, args: string[]): Promise<number> {
  const info = controlInfo(opts);
  const name = args[0];
  const r = await call(info, 'POST', `/api/trigger/${encodeURIComponent(name)}`);
  refused(r, info);
  if (r.status !== 200) throw new DevloopError('unknown-resource', r.body.error, { hint: r.body.hint });
  o.err(`Triggered ${name}.`);
  return 0;
}

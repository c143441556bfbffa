/**
 * What devloop.ts itself prints (console.log/info/debug/warn/error, Tilt's print) goes to the config's log
 * (Plan.logs, shown under the config's name), never to devloop's stdout, where `ci --dry-run` writes manifests.
 */
import { basename } from 'node:path';
import { formatWithOptions } from 'node:util';
import { DevloopError } from '../model/errors.js';
import type { Recorder } from './recorder.js';

const METHODS = { log: '', info: '', debug: '', trace: '', warn: 'warning: ', error: 'error: ' } as const;

/** Sends console output to the recorder's log until the returned function is called. */
export function captureConsole(r: Recorder): () => void {
  const name = basename(r.plan.configFile);
  const saved = new Map<string, unknown>();
  const target = console as unknown as Record<string, unknown>;
  for (const [m, prefix] of Object.entries(METHODS)) {
    saved.set(m, target[m]);
    target[m] = (...args: unknown[]) => {
      const text = formatWithOptions({ colors: false }, ...args);
      for (const line of text.split('\n')) r.plan.logs.push(`${name} │ ${prefix}${line}`);
    };
  }
  return () => {
    for (const [m, f] of saved) target[m] = f;
  };
}

/** A failed evaluation keeps what the config printed before it failed: the last lines go under the error. */
export function withConfigOutput(e: DevloopError, r: Recorder, max = 10): DevloopError {
  const lines = r.plan.logs.filter((l) => l.startsWith(`${basename(r.plan.configFile)} │ `));
  if (lines.length === 0) return e;
  const shown = lines.slice(-max);
  const details = [...(e.details ?? []), `${lines.length > max ? `last ${max} lines ` : ''}printed before the error:`, ...shown.map((l) => `  ${l}`)];
  return new DevloopError(e.code, e.message, { location: e.location, hint: e.hint, object: e.object, details, cause: e.cause });
}

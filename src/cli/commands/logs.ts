/** `devloop logs [RESOURCE...] [-f] [--since 5m] [--source build|runtime] [--level warn]`: lines of the running `up`. */
import { DevloopError } from '../../model/errors.js';
import { atLeast } from '../../engine/log-level.js';
import type { LogLevel } from '../../engine/events.js';
import { parseDuration } from '../duration.js';
import { fullPrefix } from '../log-printer.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { call, controlInfo, refused } from './control.js';
import { follow, history, type WireEvent } from './events-client.js';
import type { ResourcesBody } from '../../engine/control-views.js';

export interface LogsOptions extends CommonOptions {
  follow?: boolean;
  since?: string;
  source?: 'build' | 'runtime' | 'system';
  level?: LogLevel;
}

export async function logsCommand(opts: LogsOptions, o: Output, args: string[]): Promise<number> {
  const info = controlInfo(opts);
  if (args.length) {
    const r = await call(info, 'GET', '/api/resources');
    refused(r, info);
    const known = (r.body as ResourcesBody).resources.map((x) => x.name);
    const unknown = args.filter((a) => !known.includes(a));
    if (unknown.length)
      throw new DevloopError('unknown-resource', `no resource named ${unknown.map((n) => `'${n}'`).join(', ')}`, { hint: `resources: ${known.join(', ')}` });
  }
  const after = opts.since ? Date.now() - parseDuration(opts.since) : 0;
  const names = new Set(args);
  const keep = (e: Extract<WireEvent, { type: 'log' }>): boolean => {
    if (names.size && !names.has(e.source)) return false;
    if (opts.source && (e.stream ?? (e.source ? 'build' : 'system')) !== opts.source) return false;
    if (opts.level && !atLeast(e.level, opts.level)) return false;
    return e.at >= after;
  };
  const print = (e: WireEvent) => {
    if (e.type === 'dropped') o.err(`devloop logs: ${e.count} event(s) were dropped (this reader was too slow, or they are older than what up keeps)`);
    else if (e.type === 'log' && keep(e)) o.out(`${names.size === 1 ? '' : fullPrefix(e.source)}${e.text}\n`);
  };
  if (!opts.follow) {
    const h = await history(info);
    for (const e of h.events) print(e);
    return 0;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const how = await follow(info, 0, print, abort.signal);
    if (how === 'ended') o.err('devloop up stopped');
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

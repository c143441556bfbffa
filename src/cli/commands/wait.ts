/**
 * `devloop wait [RESOURCE...] --for ready|updated --timeout 2m`, for scripts. Exit codes:
 *   0  the condition holds for every resource named (all enabled resources when none is named)
 *   1  an error: devloop up is not running, an unknown resource, or (--for updated) an update failed
 *   2  bad usage
 *   3  timed out; the resources still not there are listed with their status
 * `ready`: each resource is ready (a failed one is waited for: a save can fix it). `updated`: each resource
 * finished an update that started after `wait` began, and it deployed (a failed update ends the wait with 1).
 */
import { DevloopError } from '../../model/errors.js';
import { parseDuration } from '../duration.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { call, controlInfo, refused } from './control.js';
import type { ResourceRow, ResourcesBody } from '../../engine/control-views.js';

export interface WaitOptions extends CommonOptions {
  for?: string;
  timeout?: string;
}

export const WAIT_TIMED_OUT = 3;
const POLL_MS = 250;

export async function waitCommand(opts: WaitOptions, o: Output, args: string[]): Promise<number> {
  const info = controlInfo(opts);
  const cond = opts.for ?? 'ready';
  const limit = parseDuration(opts.timeout ?? '2m');
  const started = Date.now();
  const get = async () => {
    const r = await call(info, 'GET', '/api/resources');
    refused(r, info);
    return (r.body as ResourcesBody).resources;
  };
  const first = await get();
  const unknown = args.filter((a) => !first.some((x) => x.name === a));
  if (unknown.length)
    throw new DevloopError('unknown-resource', `no resource named ${unknown.map((n) => `'${n}'`).join(', ')}`, {
      hint: `resources: ${first.map((x) => x.name).join(', ')}`,
    });
  const names = args.length ? args : first.filter((x) => x.phase !== 'disabled').map((x) => x.name as string);
  const base = new Map(first.map((x) => [x.name, x.updates as number]));
  let rows = first;
  for (;;) {
    const mine = rows.filter((x) => names.includes(x.name));
    if (cond === 'ready') {
      if (mine.every((x) => x.phase === 'ready')) {
        o.err(`ready: ${names.join(', ')}`);
        return 0;
      }
    } else {
      // An update started since wait began (its count went up) and it is over: deployed, or failed.
      const over = (x: ResourceRow) => x.updates > (base.get(x.name) ?? 0) && !['pending', 'waiting', 'building', 'deploying'].includes(x.phase);
      const failed = mine.find((x) => over(x) && x.phase === 'failed');
      if (failed) {
        o.err(`${failed.name}: update failed: ${failed.reason}`);
        return 1;
      }
      if (mine.every(over)) {
        o.err(`updated: ${names.join(', ')}`);
        return 0;
      }
    }
    if (limit && Date.now() - started >= limit) {
      const left = mine.filter((x) => (cond === 'ready' ? x.phase !== 'ready' : true));
      o.err(`timed out after ${opts.timeout ?? '2m'} waiting for ${cond}: ${left.map((x) => `${x.name} is ${x.phase} (${x.reason})`).join('; ')}`);
      return WAIT_TIMED_OUT;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    rows = await get();
  }
}

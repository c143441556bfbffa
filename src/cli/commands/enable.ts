/** `devloop enable|disable RESOURCE... | -l LABEL`: on the running `up`, stop updating resources, or resume. */
import { DevloopError } from '../../model/errors.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { call, controlInfo, refused } from './control.js';

export interface EnableOptions extends CommonOptions {
  label?: string[];
}

export async function setEnabled(on: boolean, opts: EnableOptions, o: Output, args: string[]): Promise<number> {
  const labels = opts.label ?? [];
  const verb = on ? 'enable' : 'disable';
  if (!args.length && !labels.length)
    throw new DevloopError('usage', `devloop ${verb}: name a resource or a label`, { hint: `devloop ${verb} RESOURCE..., or devloop ${verb} -l LABEL` });
  const info = controlInfo(opts);
  const q = new URLSearchParams([...args.map((n) => ['name', n]), ...labels.map((l) => ['label', l])]);
  const r = await call(info, 'POST', `/api/${verb}?${q}`);
  refused(r, info);
  if (r.status !== 200) throw new DevloopError('unknown-resource', r.body.error, { hint: r.body.hint });
  const same = r.body.selected.filter((n: string) => !r.body.changed.includes(n));
  if (r.body.changed.length) o.err(`${on ? 'Enabled' : 'Disabled'}: ${r.body.changed.join(', ')}`);
  if (same.length) o.err(`Already ${on ? 'enabled' : 'disabled'}: ${same.join(', ')}`);
  return 0;
}

export const enableCommand = (opts: EnableOptions, o: Output, args: string[]) => setEnabled(true, opts, o, args);
export const disableCommand = (opts: EnableOptions, o: Output, args: string[]) => setEnabled(false, opts, o, args);

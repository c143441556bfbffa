/** `devloop ci`: with --dry-run, print the rendered manifests (stdout) and the plan (stderr); otherwise run the loop once. */
import yaml from 'js-yaml';
import { loadProject } from '../../app/load.js';
import { notAvailable, type CommonOptions } from '../main.js';
import { planReport } from '../plan-report.js';
import { duration, type Output } from '../output.js';

export interface CiOptions extends CommonOptions { dryRun?: boolean; output?: 'yaml' | 'json'; timeout?: string }

export async function ciCommand(opts: CiOptions, o: Output): Promise<number> {
  if (!opts.dryRun) return notAvailable('devloop ci without --dry-run');
  const cwd = process.cwd();
  const { resolved, evalMs, resolveMs, configFile } = await loadProject(cwd, opts.file);
  for (const l of resolved.plan.logs) o.err(l);
  o.err(`Loaded ${configFile} in ${duration(evalMs)}, resolved in ${duration(resolveMs)}`);
  for (const l of planReport(resolved, cwd)) o.err(l);
  o.out(renderObjects(resolved.rendered, opts.output ?? 'yaml'));
  return 0;
}

export function renderObjects(objects: object[], format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map((obj) => yaml.dump(obj, { noRefs: true, lineWidth: -1 })).join('---\n');
}

/** `devloop get [RESOURCE] -o table|wide|json|yaml`: the resources of the running `devloop up`. */
import { stringifyYaml } from '../../model/yaml.js';
import { DevloopError } from '../../model/errors.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { call, controlInfo, refused } from './control.js';
import { ago, table } from './view-format.js';
import type { ResourceRow, ResourcesBody } from '../../engine/control-views.js';

export interface GetOptions extends CommonOptions {
  output?: string;
}

export async function getCommand(opts: GetOptions, o: Output, args: string[]): Promise<number> {
  const info = controlInfo(opts);
  const r = await call(info, 'GET', '/api/resources');
  refused(r, info);
  const body = r.body as ResourcesBody;
  const all = body.resources;
  const name = args[0];
  if (name) {
    body.resources = body.resources.filter((x: ResourceRow) => x.name === name);
    if (!body.resources.length) {
      throw new DevloopError('unknown-resource', `no resource named '${name}'`, {
        hint: `resources: ${all.map((x: ResourceRow) => x.name).join(', ') || '(none)'}`,
      });
    }
  }
  const format = opts.output ?? 'table';
  if (format === 'json') {
    o.out(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  if (format === 'yaml') {
    o.out(stringifyYaml(body));
    return 0;
  }
  const now = Date.now();
  const trigger = (x: ResourceRow) => x.triggerMode + (x.pendingFiles.length ? ` (${x.pendingFiles.length} pending)` : '');
  const rows =
    format === 'wide'
      ? [
          ['RESOURCE', 'TYPE', 'STATUS', 'TRIGGER', 'POD', 'RESTARTS', 'CHANGED', 'ENDPOINTS', 'LABELS', 'DETAIL'],
          ...body.resources.map((x: ResourceRow) => [
            x.name,
            x.type,
            x.phase,
            trigger(x),
            x.pod?.name ?? '-',
            String(x.pod?.restarts ?? '-'),
            x.changedAt ? ago(now - x.changedAt) : '-',
            [...x.endpoints, ...x.links].join(',') || '-',
            x.labels.join(',') || '-',
            x.reason,
          ]),
        ]
      : [['RESOURCE', 'TYPE', 'STATUS', 'TRIGGER', 'DETAIL'], ...body.resources.map((x: ResourceRow) => [x.name, x.type, x.phase, trigger(x), x.reason])];
  o.out(table(rows));
  if (body.configError) o.out(`config error: ${body.configError}\n`);
  return 0;
}

/** `devloop describe RESOURCE`: its objects, images with refs, pods, endpoints, recent updates with their timing, and why. */
import { DevloopError } from '../../model/errors.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { call, controlInfo, refused } from './control.js';
import { ago, clock, took } from './view-format.js';
import type { DescribeBody } from '../../engine/control-views.js';

export async function describeCommand(opts: CommonOptions & { output?: string }, o: Output, args: string[]): Promise<number> {
  const info = controlInfo(opts);
  const name = args[0];
  const r = await call(info, 'GET', `/api/describe/${encodeURIComponent(name)}`);
  refused(r, info);
  if (r.status !== 200) throw new DevloopError('unknown-resource', r.body.error, { hint: r.body.hint });
  const d = r.body as DescribeBody;
  if (opts.output === 'json') {
    o.out(`${JSON.stringify(d, null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(14)}${v}`);
  kv('Name', d.name);
  kv('Type', d.type);
  kv('Status', `${d.phase}${d.changedAt ? ` (since ${ago(now - d.changedAt)})` : ''}: ${d.reason}`);
  kv('Trigger', `${d.triggerMode}${d.pendingFiles.length ? `, ${d.pendingFiles.length} changed file(s) pending: ${d.pendingFiles.join(', ')}` : ''}`);
  kv('Labels', d.labels.join(', ') || '-');
  kv('Depends on', d.resourceDeps.join(', ') || '-');
  kv('Endpoints', [...d.endpoints, ...d.links].join(', ') || '-');
  if (d.local)
    kv('Command', [d.local.cmd && `cmd: ${d.local.cmd.join(' ')}`, d.local.serveCmd && `serve_cmd: ${d.local.serveCmd.join(' ')}`].filter(Boolean).join('; '));
  if (d.objects.length) {
    lines.push('Objects:');
    for (const x of d.objects) lines.push(`  ${x.name}${x.namespace ? ` (namespace ${x.namespace})` : ''}  from ${x.from}`);
  }
  if (d.images.length) {
    lines.push('Images:');
    for (const i of d.images) lines.push(`  ${i.id} → ${i.ref}${i.pushedAs ? ` (pushed as ${i.pushedAs})` : ''}  [${i.builder}]`);
  }
  if (d.type === 'k8s') {
    lines.push('Pods:');
    if (!d.pods.length) lines.push('  (none)');
    for (const p of d.pods) {
      lines.push(`  ${p.name}  ${p.status}${p.restarts ? `, ${p.restarts} restart(s)` : ''}  (namespace ${p.namespace})`);
      for (const c of p.containers) lines.push(`    ${c.name}: ${c.image} ${c.state}${c.ready ? ' ready' : ''}`);
    }
  }
  lines.push('Updates (newest last):');
  if (!d.updates.length) lines.push('  (none kept)');
  for (const u of d.updates) {
    const len = u.endedAt ? took(u.endedAt - u.startedAt) : `running for ${took(now - u.startedAt)}`;
    lines.push(`  ${clock(u.startedAt)}  ${u.result ?? 'in progress'}  ${len}`);
    lines.push(`    why: ${u.why}`);
    for (const s of u.steps) lines.push(`    ${s.kind} ${s.image}  ${s.ms !== undefined ? took(s.ms) : 'running'}`);
    for (const i of u.images) if (i.status !== 'built') lines.push(`    ${i.image}: ${i.status}${i.reason ? ` (${i.reason})` : ''}`);
    if (u.applied) lines.push(`    applied: ${u.applied.map((a) => `${a.name}${a.applied ? '' : ' (unchanged)'}`).join(', ')}`);
    for (const l of u.liveUpdates)
      lines.push(`    live update ${l.image}: ${l.files} file(s)${l.runs.length ? `, ran ${l.runs.join('; ')}` : ''}  ${took(l.ms)}${l.ok ? '' : ' FAILED'}`);
  }
  o.out(`${lines.join('\n')}\n`);
  return 0;
}

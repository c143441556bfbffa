/** The short plan printed on stderr: images in build order with refs, deps and FROM rewrites; where each was injected; resources. */
import { relative } from 'node:path';
import type { Resolved } from '../resolve/resolve.js';
import { color } from './output.js';

export function planReport(r: Resolved, cwd: string): string[] {
  const rel = (p: string) => relative(cwd, p) || '.';
  const lines: string[] = [];
  const how = r.registry
    ? `pushed to ${r.registry.host}${r.registry.hostFromCluster ? ` (the cluster pulls from ${r.registry.hostFromCluster})` : ''}`
    : 'no registry: refs keep their names';
  lines.push(color.bold(`Images, in build order (${how}):`));
  if (r.images.length === 0) lines.push('  (none)');
  r.images.forEach((img, i) => {
    const deps = img.deps.length ? `, builds on ${img.deps.join(', ')}` : '';
    const kind = img.spec.type === 'docker' ? `docker_build, context ${rel(img.spec.context)}` : `custom_build, "${img.spec.commandText}"`;
    lines.push(`  ${i + 1}. ${img.id} ⇒ ${img.clusterRef}`);
    lines.push(`     ${kind}${deps}${img.deployed ? '' : ', base image only (not pushed)'}`);
    if (img.localRef !== img.clusterRef) lines.push(`     built and pushed as ${img.localRef}`);
    for (const w of img.rewrites) lines.push(`     ${img.spec.type === 'docker' ? rel(img.spec.dockerfile) : ''}:${w.line}: ${w.from} ⇒ ${w.to}`);
  });
  const inj = r.images.flatMap((img) => img.injections.map((j) => ({ img, j })));
  if (inj.length) {
    lines.push(color.bold('Injected:'));
    for (const { img, j } of inj)
      lines.push(`  ${img.id} ⇒ ${(j as { object?: string }).object ?? ''} ${j.path}${j.from !== img.id ? ` (was ${j.from})` : ''}`);
  }
  lines.push(color.bold('Resources:'));
  for (const res of r.resources) {
    const objs = res.objects.map((i) => `${r.objects[i].object.kind}/${r.objects[i].object.metadata.name}`);
    const extra: string[] = [];
    if (res.type === 'local') extra.push(`local: ${res.local?.cmdText ?? ''}${res.local?.serveCmdText ? ` serve: ${res.local.serveCmdText}` : ''}`);
    for (const pf of res.portForwards) extra.push(`port-forward ${pf.host}:${pf.localPort} → ${pf.containerPort}`);
    if (res.resourceDeps.length) extra.push(`after ${res.resourceDeps.join(', ')}`);
    if (res.triggerMode === 'manual') extra.push('manual trigger');
    if (!res.autoInit) extra.push('auto_init off');
    lines.push(`  ${res.name}: ${[objs.join(', '), ...extra].filter(Boolean).join('; ')}`);
  }
  for (const w of r.warnings) lines.push(color.yellow(`warning: ${w}`));
  return lines;
}

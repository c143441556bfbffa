/** Applies the resource selection (select.ts) and update_settings' suppress_unused_image_warnings to a resolved project. */
import type { Resolved } from './resolve.js';
import { selectResources } from './select.js';

export function keepSelected(r: Resolved): Resolved {
  const suppressed = r.plan.settings?.suppressUnusedImageWarnings ?? [];
  if (suppressed.length) {
    const ids = new Set(r.unused.filter((u) => suppressed.includes(u.id)).map((u) => u.id));
    r.warnings = r.warnings.filter((w) => ![...ids].some((id) => w.startsWith(`image '${id}' (`)));
  }
  const resources = selectResources(r.plan, r.resources);
  if (resources.length === r.resources.length) return r;
  const oldIdx = [...new Set(resources.flatMap((x) => x.objects))].sort((a, b) => a - b);
  const newIdx = new Map(oldIdx.map((o, i) => [o, i]));
  const byId = new Map(r.images.map((i) => [i.id, i]));
  const needed = new Set<string>();
  const need = (id: string): void => {
    const img = byId.get(id);
    if (!img || needed.has(id)) return;
    needed.add(id);
    for (const d of img.deps) need(d);
  };
  for (const res of resources) for (const id of res.images) need(id);
  return {
    ...r,
    objects: oldIdx.map((i) => r.objects[i]),
    rendered: oldIdx.map((i) => r.rendered[i]),
    images: r.images.filter((i) => needed.has(i.id)),
    resources: resources.map((x) => ({ ...x, objects: x.objects.map((i) => newIdx.get(i)!) })),
  };
}

/** The resource an image's lines are shown under: the first resource that deploys it, or one of its dependents. */
import type { Resolved } from './resolve.js';

export function imageSources(r: Resolved): (id: string) => string {
  const map = new Map<string, string>();
  for (const res of r.resources) for (const id of res.images) if (!map.has(id)) map.set(id, res.name);
  const find = (id: string, seen = new Set<string>()): string | undefined => {
    if (map.has(id)) return map.get(id);
    seen.add(id);
    for (const child of r.images.filter((i) => i.deps.includes(id) && !seen.has(i.id))) {
      const s = find(child.id, seen);
      if (s) return s;
    }
    return undefined;
  };
  return (id) => find(id) ?? id;
}

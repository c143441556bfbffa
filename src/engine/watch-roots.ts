/** What `up` watches: the union of build contexts, custom_build deps, local_resource deps and the config's files, each with its ignores. */
import { anyFilter, NOTHING_FILTERED, pathsFilter, rootedFilter } from '../files/filter.js';
import { watchIgnore } from '../files/watch-ignore.js';
import { depsFilter, type Resolved } from '../resolve/resolve.js';
import type { WatchRoot } from '../ports/file-watcher.js';

export function watchRoots(r: Resolved): WatchRoot[] {
  const plan = r.plan;
  const roots: WatchRoot[] = [];
  const dirs = [
    ...r.images.flatMap((i) => (i.spec.type === 'docker' ? [i.spec.context] : i.spec.deps)),
    ...plan.localResources.flatMap((l) => l.deps),
  ];
  const global = watchIgnore({ dir: plan.configDir, roots: dirs });
  // The config's own files are watched by the config root; image roots leave them out (Tilt does the same with Dockerfiles).
  const configFiles = new Set([...plan.filesRead, ...global.files]);
  for (const img of r.images) {
    if (img.spec.type === 'docker') {
      roots.push({
        path: img.spec.context, label: `image:${img.id}`,
        filter: anyFilter([global.filter, img.matcher ? rootedFilter(img.spec.context, img.matcher) : NOTHING_FILTERED, pathsFilter([img.spec.dockerfile])]),
      });
    } else {
      for (const d of img.spec.deps) roots.push({ path: d, label: `image:${img.id}`, filter: anyFilter([global.filter, depsFilter(img.spec.deps, img.spec.ignore)]) });
    }
  }
  for (const l of plan.localResources) {
    for (const d of l.deps) roots.push({ path: d, label: `local:${l.name}`, filter: anyFilter([global.filter, depsFilter(l.deps, l.ignore)]) });
  }
  for (const f of configFiles) roots.push({ path: f, label: 'config', filter: NOTHING_FILTERED });
  return roots;
}

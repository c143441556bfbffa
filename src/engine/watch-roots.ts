/** What `up` watches: the union of build contexts, custom_build deps, local_resource deps and the config's files, each with its ignores. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { anyFilter, NOTHING_FILTERED, pathsFilter, rootedFilter } from '../files/filter.js';
import { rootWatchFilter, watchIgnore } from '../files/watch-ignore.js';
import { depsFilter, type Resolved } from '../resolve/resolve.js';
import type { WatchRoot } from '../ports/file-watcher.js';

export function watchRoots(r: Resolved): WatchRoot[] {
  const plan = r.plan;
  const roots: WatchRoot[] = [];
  const dirs = [...r.images.flatMap((i) => (i.spec.type === 'docker' ? [i.spec.context] : i.spec.deps)), ...plan.localResources.flatMap((l) => l.deps)];
  const global = watchIgnore({ dir: plan.configDir, roots: dirs, ignore: plan.settings?.watchIgnore });
  // The config's own files are watched by the config root; image roots leave them out (Tilt does the same with Dockerfiles).
  const configFiles = new Set([...plan.filesRead, ...global.files]);
  for (const img of r.images) {
    if (img.spec.type === 'docker') {
      roots.push({
        path: img.spec.context,
        label: `image:${img.id}`,
        filter: anyFilter([global.filter, img.matcher ? rootedFilter(img.spec.context, img.matcher) : NOTHING_FILTERED, pathsFilter([img.spec.dockerfile])]),
      });
    } else {
      for (const d of img.spec.deps)
        roots.push({ path: d, label: `image:${img.id}`, filter: anyFilter([global.filter, depsFilter(img.spec.deps, img.spec.ignore)]) });
    }
  }
  for (const l of plan.localResources) {
    for (const d of l.deps) roots.push({ path: d, label: `local:${l.name}`, filter: anyFilter([global.filter, depsFilter(l.deps, l.ignore)]) });
  }
  for (const f of configFiles) roots.push({ path: f, label: 'config', filter: NOTHING_FILTERED });
  return roots;
}

/**
 * Does watching `roots` report a change of the absolute path `abs`? The FileWatcher's rule: `abs` is a file root
 * itself, or lies inside a directory root, in a directory its filter (with the watcher's defaults) does not skip,
 * and is not filtered itself. Used to know which context walks the watcher's reports keep exact (files/walk-cache.ts).
 */
export function reportedBy(roots: readonly WatchRoot[]): (abs: string) => boolean {
  const prepared = roots.map((r) => {
    const root = path.resolve(r.path);
    const isDir = statSync(root, { throwIfNoEntry: false })?.isDirectory() ?? false;
    return { root, isDir, filter: rootWatchFilter(root, r.filter), dirs: new Map<string, boolean>() };
  });
  const dirWatched = (p: (typeof prepared)[number], dir: string): boolean => {
    if (dir === p.root) return true;
    let v = p.dirs.get(dir);
    if (v === undefined) {
      v = dirWatched(p, path.dirname(dir)) && !p.filter.skipsDir(dir);
      p.dirs.set(dir, v);
    }
    return v;
  };
  return (abs) =>
    prepared.some((p) => {
      if (!p.isDir) return abs === p.root;
      if (!abs.startsWith(p.root + path.sep)) return false;
      return dirWatched(p, path.dirname(abs)) && !p.filter.ignores(abs);
    });
}

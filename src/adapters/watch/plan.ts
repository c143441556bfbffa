/**
 * From watch roots to the directories to watch: each root becomes a route, and a directory is watched
 * when some route needs it.
 *
 * - A root that is an existing directory is "recursive": the directory and everything below it that its
 *   filter does not skip (FileFilter.skipsDir; node_modules, .git and .idea below the root always are).
 * - A file, or a path that does not exist yet, is watched through its nearest existing directory (its
 *   anchor), non-recursively: only the target is reported; a directory appearing on the way to a missing
 *   target is watched so that its creation is seen (then the roots are resolved again).
 *
 * Paths here are real (symlinks of the roots resolved, as the kernel reports them); a route maps them back
 * to the spelling of its root.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { relativeInside, type FileFilter } from '../../files/filter.js';
import { rootWatchFilter } from '../../files/watch-ignore.js';
import type { WatchRoot } from '../../ports/file-watcher.js';

export interface Route {
  root: WatchRoot;
  /** The root's absolute path as given (events are reported with this spelling). */
  logical: string;
  /** The same path with the symlinks of its existing part resolved. */
  real: string;
  /** Real directory to watch for it: the root itself, or the nearest existing directory above it. */
  anchor: string;
  /** The root is an existing directory (watched recursively, with its filter pruning). */
  recursive: boolean;
  /** root.filter plus the watcher defaults (node_modules/.git/.idea below the root, editor temp files). */
  filter: FileFilter;
}

/** Is `p` equal to `dir` or inside it? */
export function isWithin(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

export function resolveRoute(root: WatchRoot): Route {
  const logical = path.resolve(root.path);
  let existing = logical;
  const rest: string[] = [];
  let st = stat(existing);
  while (!st) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
    st = stat(existing);
  }
  const realExisting = realpathSync(existing);
  const isDir = st?.isDirectory() ?? false;
  const real = rest.length ? path.join(realExisting, ...rest) : realExisting;
  const recursive = rest.length === 0 && isDir;
  const anchor = isDir ? realExisting : path.dirname(realExisting);
  const filter = rootWatchFilter(logical, root.filter);
  return { root, logical, real, anchor, recursive, filter };
}

/** The path under the route's own spelling, or undefined when `realAbs` is outside the route. */
export function toLogical(r: Route, realAbs: string): string | undefined {
  if (realAbs === r.real) return r.logical;
  const rel = relativeInside(r.real, realAbs);
  return rel === undefined ? undefined : path.join(r.logical, rel);
}

/** Does this route report a change of `realAbs`? Its logical spelling if so. */
export function accepts(r: Route, realAbs: string): string | undefined {
  const logical = toLogical(r, realAbs);
  return logical !== undefined && !r.filter.ignores(logical) ? logical : undefined;
}

/** The directory a route's watching starts from. */
export function topOf(r: Route): string {
  return r.recursive ? r.real : r.anchor;
}

/**
 * Must the real directory `d` be watched? Yes if it is inside a route (the root itself, or below it and
 * not skipped by its filter), or on the way to a target that does not exist yet.
 */
export function needsDir(routes: readonly Route[], d: string): boolean {
  return routes.some((r) => {
    if (!r.recursive && isWithin(d, r.real)) return true;
    return isWithin(r.real, d) && (d === r.real || !r.filter.skipsDir(toLogical(r, d)!));
  });
}

/** stat, undefined when nothing is there: ENOENT, or ENOTDIR (a file where a directory on the way should be). */
function stat(p: string): Stats | undefined {
  try {
    return statSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * From watch roots to native subscriptions: which directory to subscribe to, which routes (roots) each
 * subscription serves, and what @parcel/watcher must leave out so that ignored directories are never watched.
 *
 * - A root that is an existing directory is "recursive". Nested recursive roots merge into the outermost
 *   one: ONE subscription per distinct outer directory ("tree" mode).
 * - A file, or a path that does not exist yet, is watched through its nearest existing directory (its
 *   anchor). Inside a tree subscription it simply joins it; elsewhere anchors are grouped per directory into a
 *   "files" subscription whose ignore is one regular expression matching everything but the targets and
 *   the directories on the way to them, so nothing else in that directory is crawled or watched.
 * - Directories no route needs are found by walking once with the context walker (files/walk.ts) and
 *   the routes' FileFilters, and passed to @parcel/watcher as ignore paths, which it skips during its
 *   crawl (fts FTS_SKIP) and never adds an inotify watch for. node_modules, .git and .idea also go as
 *   globs so that one created later is never watched either.
 *
 * Paths here are real (symlinks of the roots resolved, as inotify reports them); a route maps them back
 * to the spelling of its root.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { anyFilter, relativeInside, type FileFilter } from '../../files/filter.js';
import type { PathMatcher } from '../../files/ignore.js';
import { walkContext } from '../../files/walk.js';
import { defaultWatchFilter, WATCH_IGNORED_DIRS } from '../../files/watch-ignore.js';
import { isDevloopError } from '../../model/errors.js';
import type { WatchRoot } from '../../ports/file-watcher.js';

export interface Route<O> {
  root: WatchRoot;
  owner: O;
  /** The root's absolute path as given (events are reported with this spelling). */
  logical: string;
  /** The same path with the symlinks of its existing part resolved. */
  real: string;
  /** Real directory to subscribe to: the root itself, or the nearest existing directory above it. */
  anchor: string;
  /** The root is an existing directory (watched recursively, with its filter pruning). */
  recursive: boolean;
  /** root.filter plus the watcher defaults (node_modules/.git/.idea below the root, editor temp files). */
  filter: FileFilter;
}

export interface GroupPlan<O> {
  /** Real directory of the native subscription. */
  dir: string;
  mode: 'tree' | 'files';
  routes: Route<O>[];
}

/** Is `p` equal to `dir` or inside it? */
export function isWithin(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

export function resolveRoute<O>(root: WatchRoot, owner: O): Route<O> {
  const logical = path.resolve(root.path);
  let existing = logical;
  const rest: string[] = [];
  let st = statSync(existing, { throwIfNoEntry: false });
  while (!st) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
    st = statSync(existing, { throwIfNoEntry: false });
  }
  const realExisting = realpathSync(existing);
  const isDir = st?.isDirectory() ?? false;
  const real = rest.length ? path.join(realExisting, ...rest) : realExisting;
  const recursive = rest.length === 0 && isDir;
  const anchor = isDir ? realExisting : path.dirname(realExisting);
  const filter = anyFilter([root.filter, defaultWatchFilter([logical])]);
  return { root, owner, logical, real, anchor, recursive, filter };
}

/** The path under the route's own spelling, or undefined when `realAbs` is outside the route. */
export function toLogical(r: Route<unknown>, realAbs: string): string | undefined {
  if (realAbs === r.real) return r.logical;
  const rel = relativeInside(r.real, realAbs);
  return rel === undefined ? undefined : path.join(r.logical, rel);
}

/** Does this route report a change of `realAbs`? */
export function accepts(r: Route<unknown>, realAbs: string): string | undefined {
  const logical = toLogical(r, realAbs);
  return logical !== undefined && !r.filter.ignores(logical) ? logical : undefined;
}

/** One subscription per outermost recursive root; other anchors join one, or share one per directory. */
export function planGroups<O>(routes: readonly Route<O>[]): GroupPlan<O>[] {
  const outers: string[] = [];
  for (const a of [...new Set(routes.filter((r) => r.recursive).map((r) => r.anchor))].sort((x, y) => x.length - y.length)) {
    if (!outers.some((o) => isWithin(o, a))) outers.push(a);
  }
  const groups = new Map<string, GroupPlan<O>>(outers.map((dir) => [dir, { dir, mode: 'tree' as const, routes: [] }]));
  for (const r of routes) {
    const outer = outers.find((o) => isWithin(o, r.anchor));
    const dir = outer ?? r.anchor;
    let g = groups.get(dir);
    if (!g) groups.set(dir, (g = { dir, mode: 'files', routes: [] }));
    g.routes.push(r);
  }
  return [...groups.values()];
}

/** Must the subscription watch the real directory `d`? (On the way to a route, or inside one and not skipped.) */
export function needsDir(g: GroupPlan<unknown>, d: string): boolean {
  if (d === g.dir) return true;
  for (const r of g.routes) {
    if (isWithin(d, r.real)) return true; // d is the route itself or on the way to it
    if (isWithin(r.real, d) && !r.filter.skipsDir(toLogical(r, d)!)) return true;
  }
  return false;
}

/** Signature of an entry, to tell a changed file from an unchanged one across two walks. */
export type Listing = Map<string, string>;

export interface GroupWalk {
  /** With `listing: true`: every entry below the start directory that is not in a skipped directory, by real path. */
  listing: Listing;
  /** Real directories no route needs: never to be watched. */
  skipped: string[];
  /** Directories entered (watched), not counting the start directory. */
  dirs: number;
  /** Those directories. */
  entered: string[];
}

/**
 * Walk `start` (the group dir or a directory inside it) with the context walker, pruning directories no
 * route needs. Without `listing`, files are not even stat'ed (only the directory structure matters for
 * what to watch); with it, every file is listed with its stat signature, unfiltered: the routes' filters
 * apply to the changes found, which are few.
 */
export function walkGroup(g: GroupPlan<unknown>, opts: { start?: string; listing?: boolean } = {}): GroupWalk {
  const start = opts.start ?? g.dir;
  const unreadable = new Set<string>();
  for (;;) {
    const skipped: string[] = [];
    const entered: string[] = [];
    const matcher: PathMatcher = {
      // walkContext never stats an excluded file, and drops an excluded directory left empty.
      excludes: () => !opts.listing,
      skipsDir: (rel) => {
        const abs = path.join(start, rel);
        if (unreadable.has(abs) || !needsDir(g, abs)) {
          skipped.push(abs);
          return true;
        }
        entered.push(abs);
        return false;
      },
    };
    try {
      const listing: Listing = new Map();
      for (const e of walkContext(start, matcher)) {
        listing.set(path.join(start, e.path), `${e.type}:${e.size}:${e.mtimeMs}:${e.ctimeMs}:${e.ino}`);
      }
      return { listing, skipped, dirs: entered.length, entered };
    } catch (e) {
      // An unreadable directory would make the native crawl fail too: leave it out and walk again.
      const dir = isDevloopError(e) && e.code === 'context-unreadable' ? (e.cause as NodeJS.ErrnoException | undefined)?.path : undefined;
      if (dir === undefined || dir === start || unreadable.has(dir)) throw e;
      unreadable.add(dir);
    }
  }
}

export interface NativeOptions {
  ignore: (string | RegExp)[];
}

/** What @parcel/watcher must leave out for this group, given the directories the walk skipped. */
export function nativeOptions(g: GroupPlan<unknown>, skipped: readonly string[]): NativeOptions {
  if (g.mode === 'files') return { ignore: [onlyTargetsRegex(g)] };
  // A default dir name becomes a glob unless some route lies inside such a directory (e.g. `.git/HEAD`).
  const rels = g.routes.map((r) => relativeInside(g.dir, r.real)?.split('/') ?? []);
  const globbed = WATCH_IGNORED_DIRS.filter((n) => !rels.some((segs) => segs.includes(n)));
  const paths = skipped.filter((p) => !globbed.includes(path.basename(p))).sort();
  return { ignore: [...paths, ...globbed.map((n) => `**/${n}`)] };
}

/**
 * A regex (matched by @parcel/watcher on paths relative to the group dir, wrapped as ^.*(?:src).*$) that
 * matches every path except the targets, what is inside them, and the directories on the way to them.
 */
export function onlyTargetsRegex(g: GroupPlan<unknown>): RegExp {
  const exact = new Set<string>();
  const subtree = new Set<string>();
  for (const r of g.routes) {
    const rel = relativeInside(g.dir, r.real);
    if (rel === undefined) continue;
    const segs = rel.split('/');
    for (let i = 1; i < segs.length; i++) exact.add(segs.slice(0, i).join('/'));
    subtree.add(rel);
  }
  const alt = (s: Set<string>) => [...s].sort().map(escapeRegex).join('|');
  const keep = [exact.size ? `(?:${alt(exact)})$` : '', subtree.size ? `(?:${alt(subtree)})(?:/|$)` : ''].filter(Boolean);
  // `^` inside the wrapper's group pins the lookahead to the start of the path.
  return new RegExp(keep.length ? `^(?!${keep.join('|')})` : '^');
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

export function optionsKey(g: GroupPlan<unknown>, o: NativeOptions): string {
  return JSON.stringify([g.mode, o.ignore.map((x) => (x instanceof RegExp ? `re:${x.source}` : x))]);
}

export type SyntheticChange = { path: string; type: 'create' | 'update' | 'delete' };

/** Changes between two walks; with `scope`, only paths inside those directories are compared. */
export function diffListings(before: Listing, after: Listing, scope?: readonly string[]): SyntheticChange[] {
  const inScope = (p: string) => scope === undefined || scope.some((d) => isWithin(d, p));
  const out: SyntheticChange[] = [];
  for (const [p, sig] of after) {
    if (!inScope(p)) continue;
    const old = before.get(p);
    if (old === undefined) out.push({ path: p, type: 'create' });
    else if (old !== sig && !sig.startsWith('dir:')) out.push({ path: p, type: 'update' });
  }
  for (const p of before.keys()) if (!after.has(p) && inScope(p)) out.push({ path: p, type: 'delete' });
  return out;
}

/**
 * What the watcher never looks at, on top of each target's context ignores: `.devloopignore` (gitignore
 * syntax, next to the config) and defaults (node_modules, .git, editor temp files). These never change
 * what goes into an image: a `.devloopignore`d file is still in the build context, it just does not
 * trigger a rebuild or a sync (Tilt's .tiltignore works the same way).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import { DevloopError } from '../model/errors.js';
import { anyFilter, relativeInside, type FileFilter } from './filter.js';

/** Directory names never watched, at any depth below a watched root. */
export const WATCH_IGNORED_DIRS: readonly string[] = ['node_modules', '.git', '.idea'];

/** Editor and tool temp files never watched (Tilt's internal/ignore/ephemeral.go), matched on the file name. */
export const WATCH_IGNORED_FILES: readonly RegExp[] = [
  /___jb_(old|tmp)___$/, // JetBrains safe write
  /^\.#/, // emacs lock
  /^#.*#$/, // emacs auto-save
  /^flymake_.*\./, // emacs flymake
  /^4913$/, // vim probe file
  /~$/, // backups
  /^\..*\.(swp|swx|swo|swn)$/, // vim swap
  /^\..*\.kate-swp$/, // kate swap
  /-go-tmp-umask$/, // go tooling
];

export const DEVLOOPIGNORE = '.devloopignore';
/** Tilt's name for the same file, read too so a ported project keeps its watch ignores. */
export const TILTIGNORE = '.tiltignore';

export interface WatchIgnoreOptions {
  /** Directory of the config file: `.devloopignore` is read from here and its patterns are relative to it. */
  dir: string;
  /** The watched roots (contexts, deps). The default dir names are matched only below the root holding a path. */
  roots?: readonly string[];
  /** More gitignore-syntax patterns relative to `dir` (a config-level watch ignore). */
  ignore?: readonly string[];
}

export interface WatchIgnore {
  filter: FileFilter;
  /** Ignore files looked at, existing or not (watch them: editing `.devloopignore` re-evaluates the config). */
  files: string[];
}

export function watchIgnore(opts: WatchIgnoreOptions): WatchIgnore {
  const files = [DEVLOOPIGNORE, TILTIGNORE].map((f) => path.join(opts.dir, f));
  const filters = [defaultWatchFilter([opts.dir, ...(opts.roots ?? [])])];
  for (const file of files) {
    const patterns = readLines(file);
    if (patterns.length) filters.push(gitignoreFilter(opts.dir, patterns, file));
  }
  if (opts.ignore?.length) filters.push(gitignoreFilter(opts.dir, opts.ignore, 'watch_settings(ignore)'));
  return { filter: anyFilter(filters), files };
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw new DevloopError('devloopignore-unreadable', `cannot read ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
}

/** gitignore-syntax patterns relative to `dir`; paths outside `dir` are never ignored by them. */
export function gitignoreFilter(dir: string, patterns: readonly string[], file = DEVLOOPIGNORE): FileFilter {
  let ig: ReturnType<typeof ignore>;
  try {
    ig = ignore().add([...patterns]);
  } catch (e) {
    throw new DevloopError('devloopignore-invalid', `invalid pattern in ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  return {
    ignores: (abs) => {
      const rel = relativeInside(dir, abs);
      return rel !== undefined && ig.ignores(rel);
    },
    // gitignore cannot re-include anything below an excluded directory, so an excluded dir is skipped whole.
    skipsDir: (abs) => {
      const rel = relativeInside(dir, abs);
      return rel !== undefined && ig.ignores(rel + '/');
    },
  };
}

/**
 * What a watch root is watched with: its own filter plus the watcher's defaults below it (a FileWatcher promise;
 * adapters/watch applies it, engine/watch-roots.ts predicts from it what gets reported).
 */
export function rootWatchFilter(rootPath: string, filter: FileFilter): FileFilter {
  return anyFilter([filter, defaultWatchFilter([rootPath])]);
}

/** node_modules/.git/.idea anywhere below the deepest root holding the path, and editor temp files by name. */
export function defaultWatchFilter(roots: readonly string[]): FileFilter {
  const below = (abs: string): string[] => {
    let best: string | undefined;
    for (const r of roots) {
      const rel = relativeInside(r, abs);
      if (rel !== undefined && (best === undefined || rel.length < best.length)) best = rel;
    }
    return best === undefined ? [path.basename(abs)] : best.split('/');
  };
  const inIgnoredDir = (segs: string[]) => segs.some((s) => WATCH_IGNORED_DIRS.includes(s));
  return {
    ignores: (abs) => {
      const segs = below(abs);
      const name = segs[segs.length - 1]!;
      return inIgnoredDir(segs) || WATCH_IGNORED_FILES.some((re) => re.test(name));
    },
    skipsDir: (abs) => inIgnoredDir(below(abs)),
  };
}

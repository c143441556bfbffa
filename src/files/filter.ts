/**
 * FileFilter: an ignore question asked with ABSOLUTE paths, for the watcher and for custom_build deps,
 * whose paths span several roots. A PathMatcher (context-relative) becomes one with rootedFilter().
 */
import path from 'node:path';
import { NOTHING_IGNORED, type PathMatcher } from './ignore.js';

export interface FileFilter {
  /** Is this absolute path ignored? */
  ignores(abs: string): boolean;
  /** Is this absolute directory ignored with nothing inside it re-included, so it need not be walked or watched? */
  skipsDir(abs: string): boolean;
}

export const NOTHING_FILTERED: FileFilter = { ignores: () => false, skipsDir: () => false };

/** POSIX path of `abs` relative to `root`, or undefined when `abs` is `root` itself or outside it. */
export function relativeInside(root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return undefined;
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

/** Apply a root-relative matcher to absolute paths; paths outside `root` (and `root` itself) are never ignored. */
export function rootedFilter(root: string, matcher: PathMatcher): FileFilter {
  if (matcher === NOTHING_IGNORED) return NOTHING_FILTERED;
  return {
    ignores: (abs) => {
      const rel = relativeInside(root, abs);
      return rel !== undefined && matcher.excludes(rel);
    },
    skipsDir: (abs) => {
      const rel = relativeInside(root, abs);
      return rel !== undefined && matcher.skipsDir(rel);
    },
  };
}

/** Ignored if any filter ignores it. */
export function anyFilter(filters: readonly FileFilter[]): FileFilter {
  const fs = filters.filter((f) => f !== NOTHING_FILTERED);
  if (fs.length === 0) return NOTHING_FILTERED;
  if (fs.length === 1) return fs[0]!;
  return {
    ignores: (abs) => fs.some((f) => f.ignores(abs)),
    skipsDir: (abs) => fs.some((f) => f.skipsDir(abs)),
  };
}

/** Ignores exactly these paths and everything below them (e.g. the Dockerfile, which the config watch owns). */
export function pathsFilter(paths: readonly string[]): FileFilter {
  const set = paths.map((p) => path.resolve(p));
  const hit = (abs: string) => set.some((p) => abs === p || relativeInside(p, abs) !== undefined);
  return { ignores: hit, skipsDir: hit };
}

/** The view of an absolute filter from `root`, as a PathMatcher (to walk a custom_build dep with it). */
export function matcherUnder(root: string, filter: FileFilter): PathMatcher {
  if (filter === NOTHING_FILTERED) return NOTHING_IGNORED;
  return {
    excludes: (rel) => filter.ignores(path.join(root, rel)),
    skipsDir: (rel) => filter.skipsDir(path.join(root, rel)),
  };
}

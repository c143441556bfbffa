/**
 * The context walker: every entry of a build context after the ignore rules, sorted bytewise by path.
 * Synchronous on purpose: readdir withFileTypes + one lstat per kept entry is the fastest way in Node,
 * and ignored directories that nothing can re-include are never entered.
 */
import { lstatSync, readdirSync, readlinkSync, statSync, type Dirent, type Stats } from 'node:fs';
import { DevloopError } from '../model/errors.js';
import { NOTHING_IGNORED, type PathMatcher } from './ignore.js';
import { escapeName, fsPath, nameBytes } from './raw-names.js';
import type { ContextEntry } from './types.js';

/** A ContextEntry plus the stat fields the hash cache keys on (never part of a hash or a tar header). */
export interface WalkEntry extends ContextEntry {
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/**
 * Walk `root` (absolute). Directories are listed (type 'dir'); an excluded directory that is still entered
 * because a `!` pattern starts with its path is listed even when nothing inside it is kept (as Docker 20.10
 * sends it). Symlinks are listed as links, never followed. Sockets, FIFOs and devices are left out.
 */
export function walkContext(root: string, matcher: PathMatcher = NOTHING_IGNORED): WalkEntry[] {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) {
    throw new DevloopError('context-missing', `build context ${root} does not exist`, {
      hint: 'check the context path; relative paths are resolved against the directory of the config file',
    });
  }
  if (!st.isDirectory()) {
    throw new DevloopError('context-not-dir', `build context ${root} is not a directory`, {
      hint: 'the context must be a directory; to build from one file, give its directory and dockerfile=',
    });
  }
  const out: WalkEntry[] = [];
  walkDir(root, '', matcher, out);
  return sortEntries(out);
}

/** The entries below the directory `abs` (whose path in the context is `rel`), appended to `out` unsorted. */
export function walkDir(abs: string | Buffer, rel: string, matcher: PathMatcher, out: WalkEntry[]): void {
  let dirents: { name: string; d: Dirent | Dirent<Buffer> }[];
  try {
    dirents = readdirSync(abs, { withFileTypes: true }).map((d) => ({ name: d.name, d }));
    // A name that is not UTF-8 comes back with U+FFFD: read this directory again as bytes and keep them.
    if (dirents.some((x) => x.name.includes('\uFFFD'))) {
      dirents = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' }).map((d) => ({ name: escapeName(d.name), d }));
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return; // removed while walking
    throw new DevloopError('context-unreadable', `cannot read directory ${abs.toString()}: ${code ?? (e as Error).message}`, {
      hint: 'fix its permissions, or leave it out of the context with .dockerignore or ignore=',
      cause: e,
    });
  }
  for (const { name, d } of dirents) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const a = fsPath(abs, name);
    if (d.isDirectory()) {
      if (matcher.skipsDir(r)) continue;
      const st = lstatSync(a, { throwIfNoEntry: false });
      if (!st) continue;
      out.push(entry(r, 'dir', st, 0));
      walkDir(a, r, matcher, out);
    } else if (d.isFile() || d.isSymbolicLink()) {
      if (matcher.excludes(r)) continue;
      const st = lstatSync(a, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isSymbolicLink()) {
        const e = entry(r, 'symlink', st, 0);
        e.linkTarget = escapeName(readlinkSync(a, { encoding: 'buffer' }));
        out.push(e);
      } else if (st.isFile()) {
        out.push(entry(r, 'file', st, st.size));
      }
    }
  }
}

export function entry(p: string, type: ContextEntry['type'], st: Stats, size: number): WalkEntry {
  return { path: p, type, mode: st.mode & 0o7777, size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/** Sort in place by the UTF-8 bytes of the path (what Go's sort.Strings and tar listings use). */
export function sortEntries<T extends { path: string }>(entries: T[]): T[] {
  // JS compares UTF-16 code units; that agrees with UTF-8 byte order unless a surrogate meets U+E000..U+FFFF.
  const needsBytewise = entries.some((e) => /[\uD800-\uDFFF]/.test(e.path)); // also escaped bytes of non-UTF-8 names
  return entries.sort(needsBytewise ? (a, b) => compareBytewise(a.path, b.path) : (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function compareBytewise(a: string, b: string): number {
  return Buffer.compare(nameBytes(a), nameBytes(b));
}

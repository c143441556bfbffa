/**
 * Content hashing for tags: the same files give the same hex on any machine. Hashed per entry, in
 * bytewise path order: type, path, permission bits, symlink target, sha256 of the content. Never mtimes,
 * owners or the absolute location of the tree.
 *
 * File digests are cached per process by (absolute path, size, mtime, ctime, inode), so the watch loop's
 * re-hash after one change reads only that file. Hash updates are batched: one native call per entry
 * costs more than the hashing.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash, hash as oneShotHash, type Hash } from 'node:crypto';
import path from 'node:path';
import { DevloopError } from '../model/errors.js';
import { NOTHING_FILTERED, matcherUnder, type FileFilter } from './filter.js';
import type { ContextEntry } from './types.js';
import { fsPath, hasEscapes, nameBytes } from './raw-names.js';
import { sortEntries, walkContext, type WalkEntry } from './walk.js';

/** Bumped whenever the hashed layout changes, so old tags never collide with new ones. */
const FORMAT = 'devloop-files-v1\0';

interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}
interface Cached extends StatKey {
  digest: string;
}

const cache = new Map<string, Cached>();
const chunk = Buffer.allocUnsafe(1 << 20);
/** Counts file reads (cache misses); for tests and bench figures. */
export const hashStats = { reads: 0 };

export function clearHashCache(): void {
  cache.clear();
  hashStats.reads = 0;
}

/**
 * sha256 (hex) over `entries` of the tree at `root` (absolute), e.g. the output of walkContext.
 * Sorted here if they are not sorted already.
 */
export function hashEntries(root: string, entries: readonly ContextEntry[]): string {
  const out = new Feed();
  const base = root.endsWith(path.sep) && root.length > 1 ? root.slice(0, -1) : root;
  for (const e of sortEntries([...entries])) addEntry(out, e.path, e, fsPath(base, e.path));
  return out.digest();
}

/**
 * sha256 (hex) over files and directories (recursively) given as paths absolute or relative to `base`,
 * for custom_build deps. Paths are hashed relative to `base`, so the same project elsewhere hashes the
 * same. A missing path is hashed as missing (its creation changes the hash). Top-level symlinks are
 * followed; symlinks found inside directories are hashed as links.
 */
export function hashFiles(base: string, paths: readonly string[], filter: FileFilter = NOTHING_FILTERED): string {
  const items = new Map<string, { abs: string; entry?: ContextEntry }>();
  for (const p of paths) {
    const abs = path.resolve(base, p);
    const rel = toPosix(path.relative(base, abs)) || '.';
    if (filter.ignores(abs)) continue;
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) {
      items.set(rel, { abs });
    } else if (st.isDirectory()) {
      items.set(rel, { abs, entry: { path: rel, type: 'dir', mode: st.mode & 0o7777, size: 0 } });
      for (const e of walkContext(abs, matcherUnder(abs, filter))) {
        const r = rel === '.' ? e.path : `${rel}/${e.path}`;
        items.set(r, { abs: path.join(abs, e.path), entry: { ...e, path: r } });
      }
    } else if (st.isFile()) {
      items.set(rel, { abs, entry: { path: rel, type: 'file', mode: st.mode & 0o7777, size: st.size } });
    }
  }
  const out = new Feed();
  for (const { path: rel, item } of sortEntries([...items].map(([p, item]) => ({ path: p, item })))) {
    if (item.entry) addEntry(out, rel, item.entry, item.abs);
    else out.add(`missing\0${rel}\0`);
  }
  return out.digest();
}

/** The running sha256, fed in large batches (one native call per entry costs more than the hashing). */
class Feed {
  private h: Hash = createHash('sha256').update(FORMAT);
  private buf = '';
  add(s: string): void {
    this.buf += s;
    if (this.buf.length > 1 << 16) {
      this.h.update(this.buf);
      this.buf = '';
    }
  }
  digest(): string {
    return this.h.update(this.buf).digest('hex');
  }
}

function addEntry(out: Feed, rel: string, e: ContextEntry, abs: string | Buffer): void {
  let s = `${e.type}\0${hashable(rel)}\0${e.mode.toString(8)}\0`;
  if (e.type === 'symlink') s += `${hashable(e.linkTarget ?? '')}\0`;
  else if (e.type === 'file') s += fileDigest(abs, e) ?? 'vanished\0'; // removed since the walk; the watcher will ask again
  out.add(s);
}

/**
 * sha256 (hex) of a file's content, from the cache when its stat key is unchanged; undefined if it is gone.
 * `known` is the stat the walk took: ctime is in the key and no tool can set it back, so a key read
 * before the content can never come back for different content; files changed in the last moments
 * ("racily clean", as git calls them) are simply not cached.
 */
export function fileDigest(abs: string | Buffer, known?: Partial<StatKey>): string | undefined {
  const key = hasStatKey(known) ? known : statSync(abs, { throwIfNoEntry: false });
  if (!key) return undefined;
  const cacheKey = typeof abs === 'string' ? abs : `raw:${abs.toString('hex')}`;
  const hit = cache.get(cacheKey);
  if (hit && sameKey(hit, key)) return hit.digest;
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new DevloopError('context-unreadable', `cannot read ${abs.toString()}: ${code ?? (e as Error).message}`, {
      hint: 'fix its permissions, or leave it out with .dockerignore or ignore=',
      cause: e,
    });
  }
  let read: { digest: string; size: number };
  try {
    read = readDigest(fd);
  } finally {
    closeSync(fd);
  }
  hashStats.reads++;
  if (read.size === key.size && !racy(key)) {
    cache.set(cacheKey, { size: key.size, mtimeMs: key.mtimeMs, ctimeMs: key.ctimeMs, ino: key.ino, digest: read.digest });
  }
  return read.digest;
}

function readDigest(fd: number): { digest: string; size: number } {
  let n = readSync(fd, chunk, 0, chunk.length, null);
  if (n < chunk.length) return { digest: oneShotHash('sha256', chunk.subarray(0, n), 'hex'), size: n };
  const h = createHash('sha256');
  let size = 0;
  while (n > 0) {
    h.update(chunk.subarray(0, n));
    size += n;
    n = readSync(fd, chunk, 0, chunk.length, null);
  }
  return { digest: h.digest('hex'), size };
}

/**
 * Changed too recently to trust the key: a write in the same clock tick keeps it. Timestamps in whole
 * seconds may come from a coarse filesystem (2 s on FAT), others from the kernel's coarse clock.
 */
function racy(k: StatKey): boolean {
  const last = Math.max(k.mtimeMs, k.ctimeMs);
  const window = k.mtimeMs % 1000 === 0 ? 2000 : 100;
  return Date.now() - last < window;
}

function hasStatKey(k: Partial<StatKey> | undefined): k is StatKey {
  return k !== undefined && k.mtimeMs !== undefined && k.ctimeMs !== undefined && k.ino !== undefined && k.size !== undefined;
}

function sameKey(a: StatKey, b: StatKey): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/** A path as hashed: non-UTF-8 names (escaped bytes) by their bytes, so two such names never hash alike. */
function hashable(p: string): string {
  return hasEscapes(p) ? `\u0001raw:${nameBytes(p).toString('hex')}` : p;
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

export type { WalkEntry };

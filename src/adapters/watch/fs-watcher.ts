/**
 * FileWatcher over Node's fs.watch: one NON-recursive fs.watch per watched directory (libuv keeps them all
 * on one inotify instance, with one inotify watch per directory however many handles watch it). Never
 * fs.watch(recursive) (Node 20 does that in JavaScript, with a watch on every file), never a watch per file.
 *
 * Each handle has its routes (plan.ts), its watched directories and its own ChangeBatcher (batcher.ts):
 * - A directory is watched BEFORE it is read, so nothing created in between is lost. Its entry names are
 *   kept: fs.watch only says 'rename' or 'change', lstat and the names tell create, update and delete.
 * - A directory that appears is walked: what is in it is reported as created, and watched.
 * - A directory deleted or moved away: its watch and those below it are closed (a watch follows a moved
 *   directory), and its delete is reported.
 * - A root, or the directory a root waits in, that appears or goes: the roots are resolved again.
 * - A watch that cannot be added or that breaks goes to onError and is tried again with backoff; what
 *   changed in between is reported then.
 * Not seen: changes lost to an inotify queue overflow (more than fs.inotify.max_queued_events while the
 * event loop is blocked); libuv drops that notice.
 */
import { lstatSync, readdirSync, watch as fsWatch, type Stats } from 'node:fs';
import path from 'node:path';
import type { DevloopError } from '../../model/errors.js';
import type { ChangeBatch, ChangeType, FileWatcher, WatchHandle, WatchOptions, WatchRoot, WatchStats } from '../../ports/file-watcher.js';
import { ChangeBatcher, DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_WAIT_MS, nowMs } from './batcher.js';
import { watchError } from './errors.js';
import { countInotifyWatches } from './inotify.js';
import { accepts, isWithin, needsDir, resolveRoute, topOf, type Route } from './plan.js';

/** Watch one directory, not recursively; throws when it cannot. `name` is null when the change is unknown. */
export type WatchDir = (dir: string, onEvent: (name: string | null) => void, onError: (err: Error) => void) => { close(): void };

const nodeWatchDir: WatchDir = (dir, onEvent, onError) => {
  const w = fsWatch(dir, (_type, name) => onEvent(name));
  w.on('error', onError);
  return w;
};

export interface FileWatcherOptions extends WatchOptions {
  /** Defaults to fs.watch (a fake can stand in for it in tests). */
  watchDir?: WatchDir;
  /** Delay before the first retry of a failed watch (doubles each time, at most 5 min). Default 1 s. */
  retryMs?: number;
}

const MAX_RETRY_MS = 5 * 60_000;
/** A root that vanishes while it is being watched is resolved again, at most this many times in a row. */
const RESOLVE_TRIES = 3;
/** File times lag the clock (coarse kernel clock, coarse file systems): look back this far after a lost watch. */
const LOST_MARGIN_MS = 1000;

/** Watches of the whole process by directory (for stats()). */
const openWatches = new Map<string, number>();

export function createFileWatcher(opts: FileWatcherOptions = {}): FileWatcher {
  return {
    async watch(roots, onBatch, onError, watchOpts) {
      const h = new Handle(opts.watchDir ?? nodeWatchDir, opts.retryMs ?? 1000, onError, onBatch, {
        debounceMs: watchOpts?.debounceMs ?? opts.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        maxWaitMs: watchOpts?.maxWaitMs ?? opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      });
      try {
        await h.update(roots);
      } catch (e) {
        await h.close();
        throw e;
      }
      return h;
    },
  };
}

/** A watched directory, by real path. */
interface Dir {
  path: string;
  ino: number;
  /** Its entries, true for a directory (a symlink is not one: links are never followed). */
  names: Map<string, boolean>;
  watch?: { close(): void };
  /** When its watch failed or broke (epoch ms): what changed since is reported once it is back. */
  lostAt?: number;
}

class Handle implements WatchHandle {
  private roots: readonly WatchRoot[] = [];
  private routes: Route[] = [];
  private readonly dirs = new Map<string, Dir>();
  /** Directories whose watch failed or broke, waiting for a retry. */
  private readonly unwatched = new Set<Dir>();
  private readonly batcher: ChangeBatcher;
  private closed = false;
  /** The first failure of the current step (watch, update, an event, a retry). */
  private failure: { err: unknown; dir: string } | undefined;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly watchDir: WatchDir,
    private readonly retryMs: number,
    private readonly onError: (err: DevloopError) => void,
    onBatch: (batch: ChangeBatch) => void,
    batchOpts: { debounceMs: number; maxWaitMs: number },
  ) {
    this.batcher = new ChangeBatcher(batchOpts, onBatch);
  }

  async update(roots: readonly WatchRoot[]): Promise<void> {
    if (this.closed) return;
    this.roots = [...roots];
    this.replan();
    const err = this.takeFailure();
    this.scheduleRetry();
    if (err) throw err;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    clearTimeout(this.retryTimer);
    for (const d of [...this.dirs.values()]) this.release(d);
  }

  stats(): WatchStats {
    let subscriptions = 0;
    for (const n of openWatches.values()) subscriptions += n;
    return { roots: this.roots.length, subscriptions, directories: openWatches.size, inotifyWatches: countInotifyWatches() };
  }

  /** Resolve the roots again, watch what they need now and close what they no longer need. */
  private replan(created: readonly string[] = []): void {
    for (let i = 1; ; i++) {
      this.routes = this.roots.flatMap((root) => {
        try {
          return [resolveRoute(root)];
        } catch (e) {
          this.fail(e, root.path);
          return [];
        }
      });
      const keep = new Set<string>();
      const vanished = [...new Set(this.routes.map(topOf))].filter((top) => !this.visit(top, keep, created));
      if (vanished.length === 0 || i === RESOLVE_TRIES) {
        for (const d of [...this.dirs.values()]) if (!keep.has(d.path)) this.release(d);
        return;
      }
    }
  }

  /**
   * Watch `dir` and the directories below it that the routes need (each watched before it is read); in a
   * new one under `created`, report everything as created. False if `dir` is not a directory (any more).
   */
  private visit(dir: string, keep: Set<string>, created: readonly string[]): boolean {
    if (keep.has(dir)) return true;
    let d = this.dirs.get(dir);
    if (!d) {
      const st = lstat(dir);
      if (!st?.isDirectory()) return false;
      d = { path: dir, ino: st.ino, names: new Map() };
      // Not watchable (gone meanwhile, or unreadable): left out.
      if (!this.startWatch(d)) return isDirectory(dir);
      this.dirs.set(dir, d);
      d.names = readNames(dir);
      if (created.some((c) => isWithin(c, dir))) {
        this.report(dir, 'create');
        for (const name of d.names.keys()) this.report(path.join(dir, name), 'create');
      }
    }
    keep.add(dir);
    for (const [name, isDir] of d.names) {
      const child = path.join(dir, name);
      if (isDir && needsDir(this.routes, child)) this.visit(child, keep, created);
    }
    return true;
  }

  /** Add the directory's watch. False when it is to be left out: gone, or not readable. */
  private startWatch(d: Dir): boolean {
    try {
      d.watch = this.watchDir(
        d.path,
        (name) => this.onEvent(d, name),
        (err) => this.onWatchError(d, err),
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return false;
      this.fail(e, d.path);
      d.lostAt ??= Date.now();
      this.unwatched.add(d);
      return true;
    }
    openWatches.set(d.path, (openWatches.get(d.path) ?? 0) + 1);
    this.unwatched.delete(d);
    return true;
  }

  private stopWatch(d: Dir): void {
    if (!d.watch) return;
    d.watch.close();
    d.watch = undefined;
    const n = openWatches.get(d.path)! - 1;
    if (n > 0) openWatches.set(d.path, n);
    else openWatches.delete(d.path);
  }

  private release(d: Dir): void {
    this.stopWatch(d);
    this.unwatched.delete(d);
    if (this.dirs.get(d.path) === d) this.dirs.delete(d.path);
  }

  /** Release `p` and every watched directory below it. */
  private drop(p: string): void {
    const d = this.dirs.get(p);
    if (!d) return;
    for (const [name, isDir] of d.names) if (isDir) this.drop(path.join(p, name));
    this.release(d);
  }

  private onEvent(d: Dir, name: string | null): void {
    if (this.closed || this.dirs.get(d.path) !== d) return; // released meanwhile
    this.step(d, () => {
      if (name === null) this.rescan(d, Infinity);
      // Events of the watched directory itself (deleted, moved away) come with its own name.
      else if (name === path.basename(d.path) && !this.stillThere(d)) this.gone(d);
      else this.entry(d, name, -Infinity);
    });
  }

  private onWatchError(d: Dir, err: Error): void {
    if (this.closed || this.dirs.get(d.path) !== d) return;
    this.step(d, () => {
      this.stopWatch(d);
      if (!this.stillThere(d)) return this.gone(d);
      this.fail(err, d.path);
      d.lostAt = Date.now();
      this.unwatched.add(d);
    });
  }

  /** Run what an event or a retry does; nothing it throws may escape into fs.watch's callback. */
  private step(d: Dir | undefined, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e, d?.path ?? 'files');
    }
    this.settle();
  }

  /**
   * Something happened to `name` in `d`: tell what from lstat and the names known. A file still there is
   * reported as updated if its ctime is not before `updatedSince` (-Infinity: it changed for sure).
   */
  private entry(d: Dir, name: string, updatedSince: number): void {
    const p = path.join(d.path, name);
    const was = d.names.get(name);
    const st = lstat(p);
    if (!st) {
      if (was === undefined) return; // came and went
      d.names.delete(name);
      return this.removed(p);
    }
    const isDir = st.isDirectory();
    d.names.set(name, isDir);
    const sub = this.dirs.get(p);
    const replaced = was !== undefined && (was !== isDir || (sub !== undefined && sub.ino !== st.ino));
    if (replaced) this.removed(p);
    if (was === undefined || replaced) {
      this.report(p, 'create');
      if (isDir) this.appeared(p);
    } else if (!isDir && st.ctimeMs >= updatedSince) {
      this.report(p, 'update');
    }
  }

  /** `p` was deleted, moved away or replaced: report it, and close the watches at and below it. */
  private removed(p: string): void {
    this.report(p, 'delete');
    // A root inside it goes too, unseen if nothing watched is above it.
    for (const r of this.routes) {
      if (r.real !== p && isWithin(p, r.real) && (this.dirs.has(r.real) || this.dirs.get(path.dirname(r.real))?.names.has(path.basename(r.real)))) {
        this.report(r.real, 'delete');
      }
    }
    this.drop(p);
    if (this.routes.some((r) => isWithin(p, topOf(r)))) this.replan([p]);
  }

  /** A directory appeared at `p`: watch it if a route needs it, and report what is already in it. */
  private appeared(p: string): void {
    // On the way to a root that does not exist yet, or that root itself: resolve the roots again.
    if (this.routes.some((r) => !r.recursive && isWithin(p, r.real))) this.replan([p]);
    else if (needsDir(this.routes, p)) this.visit(p, new Set(), [p]);
  }

  /** The watched directory itself is no longer at its path. */
  private gone(d: Dir): void {
    this.dirs.get(path.dirname(d.path))?.names.delete(path.basename(d.path));
    this.removed(d.path);
  }

  private stillThere(d: Dir): boolean {
    const st = lstat(d.path);
    return st !== undefined && st.isDirectory() && st.ino === d.ino;
  }

  /** Compare the directory with the names known (fs.watch gave no name, or the watch was lost for a while). */
  private rescan(d: Dir, updatedSince: number): void {
    if (!this.stillThere(d)) return this.gone(d);
    for (const name of new Set([...d.names.keys(), ...readNames(d.path).keys()])) {
      if (this.dirs.get(d.path) !== d) return;
      this.entry(d, name, updatedSince);
    }
  }

  private retry(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    this.step(undefined, () => {
      for (const d of [...this.unwatched]) {
        if (this.dirs.get(d.path) !== d) {
          this.unwatched.delete(d);
          continue;
        }
        const since = (d.lostAt ?? 0) - LOST_MARGIN_MS;
        if (!this.stillThere(d)) this.gone(d);
        else if (!this.startWatch(d)) this.drop(d.path);
        else if (d.watch) {
          d.lostAt = undefined;
          this.rescan(d, since);
        }
      }
    });
  }

  /**
   * After an event or a retry: report the step's first failure, unless a retry is already due (it will
   * report the failure if it persists), and keep retrying while some watch is missing.
   */
  private settle(): void {
    const err = this.takeFailure();
    if (err && !this.retryTimer) this.onError(err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.unwatched.size === 0) {
      this.failures = 0;
      return;
    }
    if (this.retryTimer || this.closed) return;
    const delay = Math.min(this.retryMs * 2 ** this.failures++, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => this.retry(), delay);
    this.retryTimer.unref();
  }

  private fail(err: unknown, dir: string): void {
    this.failure ??= { err, dir };
  }

  private takeFailure(): DevloopError | undefined {
    const f = this.failure;
    this.failure = undefined;
    return f && watchError(f.err, f.dir, this.dirs.size);
  }

  private report(realPath: string, type: ChangeType): void {
    const at = nowMs();
    for (const r of this.routes) {
      const logical = accepts(r, realPath);
      if (logical !== undefined) this.batcher.add(logical, type, r.root.label, at);
    }
  }
}

/** A directory's entries, true for directories (symlinks are not followed); empty if it cannot be read. */
function readNames(dir: string): Map<string, boolean> {
  try {
    return new Map(readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e.isDirectory()]));
  } catch {
    return new Map();
  }
}

function isDirectory(p: string): boolean {
  return lstat(p)?.isDirectory() ?? false;
}

/** lstat, undefined when there is nothing there (any more): ENOENT, or ENOTDIR when a parent became a file. */
function lstat(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

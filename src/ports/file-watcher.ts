/**
 * FileWatcher: what the engine needs to hear about file changes. The real implementation is
 * adapters/watch (Node's fs.watch, one non-recursive watch per watched directory, i.e. one inotify watch);
 * engine tests use a fake that calls onBatch by hand.
 *
 * Promises the engine can rely on:
 * - Ignored directories are never watched: a directory a root's filter skips (FileFilter.skipsDir), and
 *   node_modules, .git and .idea below any directory root (files/watch-ignore.ts), cost no inotify watch.
 * - Events are filtered with each root's FileFilter; editor temp files (`4913`, `*~`, `.*.swp`, …) never
 *   reach onBatch.
 * - A root may be a directory (watched recursively), a file (only that path is reported; its siblings are
 *   not, and their directory is not watched recursively), or a path that does not exist yet (its creation
 *   is reported; a directory that appears there is then watched recursively).
 * - Debounce: changes are collected until `debounceMs` (default 20 ms, Tilt uses 200 ms; an editor's save is a burst of a few ms) pass with no new
 *   change, or for at most `maxWaitMs` (default 2 s), then delivered as ONE batch with each path once: the
 *   batch closes `debounceMs` after its last change, at most `maxWaitMs` after its first (adapters/watch/batcher.ts).
 * - Directories are reported too (create/delete). A directory moved away may be reported as one delete of
 *   the directory, without the files that were inside it: treat a deleted path as deleting everything below.
 * - update(roots) re-plans the watches; a directory no longer needed is unwatched (no leak).
 *   close() releases every watch of this handle.
 *
 * Failures the user can act on are DevloopErrors:
 *   watch-limit   the inotify watch or instance limit was reached (ENOSPC / EMFILE); hint: the sysctl fix
 *   watch-failed  any other error of a directory's watch; it is tried again with backoff (1 s, ×2, ≤ 5 min)
 * watch() and update() reject with them when a watch they add fails; later failures go to onError.
 */
import type { FileFilter } from '../files/filter.js';
import type { DevloopError } from '../model/errors.js';

export interface WatchRoot {
  /** Absolute path: a directory (recursive), a file, or a path that does not exist yet. */
  path: string;
  /** What to leave out, asked with absolute paths (files/filter.ts); NOTHING_FILTERED for nothing. */
  filter: FileFilter;
  /** An opaque name for the engine (e.g. `image:web`, `config`), echoed on each change this root accepted. */
  label?: string;
}

export type ChangeType = 'create' | 'update' | 'delete';

export interface FileChange {
  /** Absolute path, spelled as under the root that accepted it (a symlinked root is not resolved). */
  path: string;
  /** Net change over the batch: create then update = create; delete then create = update; … then delete = delete. */
  type: ChangeType;
  /** Labels of the roots that accepted this path, sorted; roots without a label add nothing. */
  labels: string[];
}

export interface ChangeBatch {
  /** Each path once, sorted by path. Never empty. */
  files: FileChange[];
  /** When the first change of the batch reached devloop (epoch ms, sub-millisecond precision). */
  firstEventAt: number;
  /** When the batch was handed to onBatch (epoch ms). */
  flushedAt: number;
}

export interface WatchOptions {
  /** Quiet time that closes a batch. Default 20 ms. */
  debounceMs?: number;
  /** A batch is delivered at most this long after its first change, even while changes continue. Default 2000 ms. */
  maxWaitMs?: number;
}

export interface WatchStats {
  /** Roots of this handle. */
  roots: number;
  /** fs.watch handles of the whole process: one per directory and handle watching it. */
  subscriptions: number;
  /** Distinct directories they watch (ignored ones excluded): the inotify watches devloop needs. */
  directories: number;
  /** inotify watches held by the whole process, read from /proc/self/fdinfo (Linux only). */
  inotifyWatches?: number;
}

export interface WatchHandle {
  /** Replace the roots (after the config was evaluated again). Resolves once the new watches are in place. */
  update(roots: readonly WatchRoot[]): Promise<void>;
  /** Stop: no onBatch after this resolves; watches nobody else needs are released. */
  close(): Promise<void>;
  /** Cheap: counters plus one read of /proc (for `devloop doctor` and tests). */
  stats(): WatchStats;
}

export interface FileWatcher {
  /** Start watching; resolves when every root is watched (changes made after that are reported). */
  watch(roots: readonly WatchRoot[], onBatch: (batch: ChangeBatch) => void, onError: (err: DevloopError) => void, opts?: WatchOptions): Promise<WatchHandle>;
}

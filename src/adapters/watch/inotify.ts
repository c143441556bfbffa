/**
 * Counting the inotify watches this process holds, from /proc (Linux): each inotify file descriptor's
 * /proc/self/fdinfo/<fd> has one "inotify wd:" line per watch. Used by stats(), the tests and the bench.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Watches held by this process over all its inotify instances; undefined where /proc cannot tell. */
export function countInotifyWatches(): number | undefined {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  let watches = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      for (const line of readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n')) {
        if (line.startsWith('inotify wd:')) watches++;
      }
    } catch {
      // closed between readdir and read (the fd of readdir itself, or a watcher shutting down)
    }
  }
  return watches;
}

/** The current inotify limits, for error messages; undefined when unreadable. */
export function inotifyLimit(name: 'max_user_watches' | 'max_user_instances'): number | undefined {
  try {
    return Number(readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

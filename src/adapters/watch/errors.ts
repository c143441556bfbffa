/**
 * Watch failures as DevloopErrors. fs.watch throws Node's errno errors: "ENOSPC: System limit for number
 * of file watchers reached, watch '<dir>'" when fs.inotify.max_user_watches is reached, "EMFILE: too many
 * open files, watch '<dir>'" when fs.inotify.max_user_instances (or the open-file limit) is.
 */
import { DevloopError } from '../../model/errors.js';
import { inotifyLimit } from './inotify.js';

export const WATCHES_FIX = 'sudo sysctl fs.inotify.max_user_watches=524288';
export const INSTANCES_FIX = 'sudo sysctl fs.inotify.max_user_instances=512';
const PERSIST = (setting: string) => `to keep it after a reboot: echo ${setting} | sudo tee /etc/sysctl.d/60-devloop.conf && sudo sysctl --system`;

/** `where`: the directory being watched; `dirs`: how many directories devloop asked to watch there. */
export function watchError(err: unknown, where: string, dirs?: number): DevloopError {
  const msg = err instanceof Error ? err.message : String(err);
  const count = dirs === undefined ? '' : ` (${dirs} directories)`;
  if (/No space left on device|ENOSPC/i.test(msg)) {
    const limit = inotifyLimit('max_user_watches');
    return new DevloopError(
      'watch-limit',
      `cannot watch ${where}${count}: the inotify watch limit is reached` + (limit === undefined ? '' : ` (fs.inotify.max_user_watches = ${limit})`),
      {
        hint: `raise it: ${WATCHES_FIX} (${PERSIST('fs.inotify.max_user_watches=524288')}); ` + 'or leave more directories out in .devloopignore',
        details: [msg],
        cause: err,
      },
    );
  }
  if (/Too many open files|EMFILE|ENFILE/i.test(msg)) {
    const limit = inotifyLimit('max_user_instances');
    return new DevloopError(
      'watch-limit',
      `cannot watch ${where}: too many open files or inotify instances` + (limit === undefined ? '' : ` (fs.inotify.max_user_instances = ${limit})`),
      {
        hint: `raise them: ${INSTANCES_FIX} (${PERSIST('fs.inotify.max_user_instances=512')}), ` + 'and the open-file limit (ulimit -n 65536)',
        details: [msg],
        cause: err,
      },
    );
  }
  return new DevloopError('watch-failed', `watching ${where} failed: ${msg}`, {
    hint: 'devloop restarts the watcher with backoff; if this repeats, run with --debug and report it',
    cause: err,
  });
}

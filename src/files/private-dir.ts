/**
 * Directories only the current user can use: devloop's transpile cache and its runtime files (the control file
 * of a running `devloop up`). Each is created with mode 0700 and, before every use, checked to be a real
 * directory (not a link), owned by the user, and closed to group and others. Nothing here follows a link
 * another user could have planted.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DevloopError } from '../model/errors.js';

/** The user's cache directory: $XDG_CACHE_HOME, else ~/.cache. */
export function userCacheDir(): string {
  const x = process.env.XDG_CACHE_HOME;
  return x && isAbsolute(x) ? x : join(homedir(), '.cache');
}

/** Where devloop keeps per-user runtime files: $XDG_RUNTIME_DIR/devloop, else <cache dir>/devloop/run. */
export function runtimeBaseDir(): string {
  const x = process.env.XDG_RUNTIME_DIR;
  return x && isAbsolute(x) ? join(x, 'devloop') : join(userCacheDir(), 'devloop', 'run');
}

/** What is wrong with `dir` as a private directory of this user, or undefined when it is fine. */
export function privateDirProblem(dir: string): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    return `it cannot be read (${(e as NodeJS.ErrnoException).code})`;
  }
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isDirectory()) return 'it is not a directory';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `it belongs to uid ${st.uid}, not to you (uid ${uid})`;
  if ((st.mode & 0o077) !== 0) return `others may use it (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')})`;
  return undefined;
}

/**
 * Makes `dir` (mode 0700, parents as needed with 0700) unless it exists, then checks it. Throws a DevloopError
 * saying what is wrong and what to do; `what` names the directory's use in that message.
 */
export function ensurePrivateDir(dir: string, what: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      throw new DevloopError('private-dir', `cannot create ${what} ${dir} (${code})`, {
        hint: 'set XDG_RUNTIME_DIR or XDG_CACHE_HOME (or HOME) to a directory of yours',
        cause: e,
      });
    }
  }
  const problem = privateDirProblem(dir);
  if (problem) {
    throw new DevloopError('private-dir', `refusing to use ${what} ${dir}: ${problem}`, {
      hint: `remove it if you did not make it (devloop makes it again, private), or make it yours and private: chmod 700 ${dir}`,
    });
  }
  return dir;
}

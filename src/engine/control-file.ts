/**
 * The control file of a running `devloop up`: where `devloop get/trigger` find its control API (port) and the
 * token it requires. One per project directory, in the user's private runtime directory ($XDG_RUNTIME_DIR/devloop,
 * else <cache dir>/devloop/run; 0700, owned by the user, checked before each use). The file doubles as the
 * project's lock: made exclusively (never through a link), so a second `up` for the same project is refused.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir, runtimeBaseDir } from '../files/private-dir.js';
import { DevloopError } from '../model/errors.js';

export interface ControlInfo {
  pid: number;
  configFile: string;
  /** 0 while `up` is starting (before its control API listens). */
  port: number;
  /** Required on every request to the control API, as `Authorization: Bearer <token>`. */
  token?: string;
}

/** The project's identity is its directory (the lock and the control file are keyed on it, not on the -f file). */
export function projectKey(configFile: string): string {
  const dir = dirname(configFile);
  const slug =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .slice(0, 40) || 'project';
  return `${slug}-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

/** The control file's path (its directory is made private and checked). */
export function controlFile(configFile: string): string {
  return join(ensurePrivateDir(runtimeBaseDir(), 'the runtime directory'), `${projectKey(configFile)}.json`);
}

function writeExclusive(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Reads a control file: not through a link, only if it is the user's own. undefined when there is none. */
export function readControlFile(path: string): ControlInfo | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new DevloopError('control-file', `cannot read the control file ${path} (${code})`, { hint: `remove it if no devloop up is running: rm ${path}` });
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid)) {
      throw new DevloopError('control-file', `refusing the control file ${path}: ${st.isFile() ? `it belongs to uid ${st.uid}` : 'it is not a file'}`, {
        hint: `remove it: rm ${path}`,
      });
    }
    const info = JSON.parse(readFileSync(fd, 'utf8')) as ControlInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch (e) {
    if (e instanceof SyntaxError) return undefined; // being written: treated as absent
    throw e;
  } finally {
    closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProjectLock {
  readonly file: string;
  /** Records the control API's port and token for `devloop get/trigger` (replaces the file atomically). */
  publish(port: number, token: string): void;
  /** Removes the control file if it is still this process's. */
  release(): void;
}

/**
 * Takes the project's lock for this process. Throws 'already-running' naming the pid when another `devloop up`
 * of this project runs; a control file left by a process that is gone is taken over.
 */
export function lockProject(configFile: string): ProjectLock {
  const file = controlFile(configFile);
  const mine: ControlInfo = { pid: process.pid, configFile, port: 0 };
  for (let attempt = 0; ; attempt++) {
    try {
      writeExclusive(file, JSON.stringify(mine));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const other = readControlFile(file);
      if (other && other.pid !== process.pid && alive(other.pid)) {
        throw new DevloopError(
          'already-running',
          `devloop up is already running for ${dirname(configFile)} (pid ${other.pid}); stop it or use devloop get/trigger`,
          {
            hint: `devloop get shows its resources; devloop trigger RESOURCE updates one; stop it with Ctrl-C in its terminal or kill ${other.pid}`,
          },
        );
      }
      unlinkSync(file); // stale: its process is gone
    }
  }
  let released = false;
  return {
    file,
    publish(port, token) {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        unlinkSync(tmp);
      } catch {
        /* none */
      }
      writeExclusive(tmp, JSON.stringify({ ...mine, port, token } satisfies ControlInfo));
      renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      try {
        if (readControlFile(file)?.pid === process.pid) unlinkSync(file);
      } catch {
        /* already gone or replaced */
      }
    },
  };
}

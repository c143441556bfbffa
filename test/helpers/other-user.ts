/** A second local user for the security tests: commands run as uid/gid 1000 through setpriv (no passwd entry needed). */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OTHER_UID = 1000;

/** Root can become another user here; elsewhere these tests are skipped (with the reason). */
export const otherUserSkip: string | false =
  process.getuid?.() !== 0 ? 'needs root to switch to a second user' : !existsSync('/usr/bin/setpriv') ? 'needs setpriv (util-linux)' : false;

export function asOtherUser(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return spawnSync('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', ...argv], {
    encoding: 'utf8',
    cwd: opts.cwd ?? '/',
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...opts.env },
    timeout: 30_000,
  });
}

/** The same, without blocking this process (for commands that talk to a server in it). */
export function asOtherUserAsync(argv: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', ...argv], {
      cwd: '/',
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      ok({ status, stdout, stderr });
    });
  });
}

/** Sets an environment variable for the duration of fn (unset again when it was unset). */
export async function withEnv<T>(name: string, value: string, fn: () => T | Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/** A directory everyone may write into, like /tmp (mode 1777). */
export function sharedTmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o1777);
  return d;
}

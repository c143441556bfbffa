/** End-to-end helpers: run the real CLI against the real engine, registry and test cluster. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fixturesDir, repoRoot } from '../helpers/project.js';

export const bin = join(repoRoot, 'bin/devloop.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runDevloop(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
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
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A background `devloop up`; `waitFor` resolves when its output matches. */
export class DevloopProcess {
  output = '';
  private readonly child: ChildProcess;
  private readonly waiters: { re: RegExp; from: number; ok: (m: RegExpMatchArray) => void; fail: (e: Error) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      this.output += d.toString();
      for (const w of [...this.waiters]) {
        const m = this.output.slice(w.from).match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.ok(m);
        }
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((ok) =>
      this.child.on('close', (code, signal) => {
        this.ended = signal ? `devloop exited on signal ${signal}` : `devloop exited with code ${code}`;
        ok(code);
        // Nothing more will come: whoever still waits fails now, with the output.
        for (const w of this.waiters.splice(0)) w.fail(new Error(`devloop ended while waiting for ${w.re}; output:\n${this.tail()}`));
      }),
    );
  }

  /** How the process ended, once it has (for failure messages). */
  ended?: string;

  /** The last part of the output, and how the process ended if it has. */
  tail(chars = 4000): string {
    return `${this.output.slice(-chars)}${this.ended ? `\n[${this.ended}]` : ''}`;
  }

  /** Marks the current end of output: later waitFor calls only look after it. */
  mark(): number {
    return this.output.length;
  }

  waitFor(re: RegExp, timeoutMs = 90_000, from = 0): Promise<RegExpMatchArray> {
    const m = this.output.slice(from).match(re);
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.reject(new Error(`devloop ended before ${re} appeared; output:\n${this.tail()}`));
    return new Promise((ok, fail) => {
      const w = {
        re,
        from,
        ok: (mm: RegExpMatchArray) => {
          clearTimeout(timer);
          ok(mm);
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          fail(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        fail(new Error(`timed out waiting for ${re}; output:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Sends a signal (as a user's kill or Ctrl-C would). */
  kill(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(sig);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** A copy of a fixture in a temp dir, with a nonce file in each listed dir so its image tags are new (built, not found in the cache). */
export function copyFixture(name: string, nonceDirs: string[] = ['.']): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `devloop-e2e-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  const nonce = randomBytes(6).toString('hex');
  for (const d of nonceDirs) writeFileSync(join(dir, d, '.nonce'), nonce);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const REGISTRY = process.env.DEVLOOP_REGISTRY ?? '127.0.0.1:5005';

export async function registryHasTag(repo: string, tag: string): Promise<boolean> {
  const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept:
        'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json',
    },
  });
  return res.status === 200;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

/** The ProcessRunner port on execa: output as lines, cancellation, time limits, and one summary of how it ended. */
import { spawnSync } from 'node:child_process';
import type { ProcessOptions, ProcessResult, ProcessRunner, RunningProcess } from '../../ports/process.js';

type ExecaResult = {
  exitCode?: number;
  signal?: string;
  failed: boolean;
  isCanceled: boolean;
  timedOut: boolean;
  shortMessage?: string;
  stdout?: unknown;
  stderr?: unknown;
};

function toResult(r: ExecaResult): ProcessResult {
  const summary = r.isCanceled
    ? 'was cancelled'
    : r.timedOut
      ? 'did not finish in time and was stopped'
      : r.exitCode !== undefined
        ? `exited with code ${r.exitCode}`
        : r.signal
          ? `was killed by ${r.signal}`
          : `failed: ${r.shortMessage ?? 'unknown error'}`;
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    failed: r.failed,
    cancelled: r.isCanceled,
    timedOut: r.timedOut,
    summary,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
  };
}

/** Splits a stream into lines (the last one may lack a newline); resolves when the stream ends. */
function lines(stream: NodeJS.ReadableStream | null | undefined, onLine: (l: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) onLine(p.replace(/\r$/, ''));
  });
  return new Promise((ok) =>
    stream.on('end', () => {
      if (partial) onLine(partial);
      ok();
    }),
  );
}

export const execaRunner: ProcessRunner = {
  async start(argv: readonly string[], o: ProcessOptions): Promise<RunningProcess> {
    // Loaded on first use: execa costs start-up time, and most commands never run a process.
    const { execa } = await import('execa');
    const child = execa(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: o.env,
      extendEnv: o.extendEnv ?? true,
      all: true,
      reject: false,
      stdin: 'ignore',
      buffer: !o.onLine,
      cancelSignal: o.signal,
      timeout: o.timeoutMs,
      cleanup: true,
    });
    const ended = o.onLine ? lines(child.all, o.onLine) : Promise.resolve();
    const done = child.then(async (r) => {
      await ended;
      return toResult(r as unknown as ExecaResult);
    });
    return {
      done,
      kill: (signal = 'SIGTERM') => {
        child.kill(signal);
      },
    };
  },
  runSync(argv: readonly string[], o: Omit<ProcessOptions, 'onLine' | 'signal'>): ProcessResult {
    // Node's own spawnSync: the synchronous path needs no execa (which loads asynchronously).
    const env = o.extendEnv === false ? o.env : { ...process.env, ...o.env };
    const r = spawnSync(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: env as NodeJS.ProcessEnv,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      input: o.input,
      timeout: o.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    return toResult({
      exitCode: r.status ?? undefined,
      signal: r.signal ?? undefined,
      failed: Boolean(r.error) || r.status !== 0,
      isCanceled: false,
      timedOut,
      shortMessage: r.error?.message,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  },
};

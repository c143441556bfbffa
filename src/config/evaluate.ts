/**
 * Evaluates devloop.ts (or .mts/.js/.mjs) and returns what it recorded. Always returns a result: the Plan, or an
 * error with file:line, plus every file the evaluation read, so a watcher can re-run it when any of them changes
 * while the last good Plan keeps running.
 *
 * The config runs in a worker thread (evaluate-worker.ts, a fresh one each time) under a time limit
 * (DEVLOOP_CONFIG_TIMEOUT, 30s by default): a config that awaits what never comes, loops for ever or calls
 * process.exit becomes an error naming devloop.ts, and devloop stays responsive to Ctrl-C meanwhile.
 */
import { basename } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { DevloopError } from '../model/errors.js';
import { userLocation } from './callsite.js';
import type { Plan } from './spec.js';
import type { WireError, WorkerMessage } from './evaluate-wire.js';
import type { Invocation } from './recorder.js';

export type { Invocation } from './recorder.js';

// Finding the config lives apart, so that `devloop get/trigger` find it without loading this module (and its thread).
export { CONFIG_NAMES, findConfig } from './find.js';

export type EvalResult =
  | { ok: true; plan: Plan; durationMs: number }
  | { ok: false; error: DevloopError; filesRead: string[]; configFile?: string; durationMs: number };

const workerUrl = new URL('./evaluate-worker.js', import.meta.url);

/**
 * A thread started when this module loads, so that its start-up (about 30 ms: a Node environment, jiti) overlaps
 * devloop's own; the first evaluation uses it, later ones start their own. Unreferenced until used, so it never
 * keeps devloop running.
 */
let spare: Worker | undefined = startWorker();

function startWorker(): Worker {
  // SHARE_ENV: the config sees devloop's environment as it is when the config runs (a thread started ahead of time
  // would otherwise keep a copy from its start), and what it sets (dotenv) reaches later commands, as in Tilt.
  const w = new Worker(workerUrl, { stdout: false, stderr: false, env: SHARE_ENV });
  w.unref();
  w.on('error', () => {}); // reported by whoever uses it
  w.once('exit', () => {
    if (spare === w) spare = undefined;
  });
  return w;
}

function takeWorker(configFile: string, invocation?: Invocation): Worker {
  const w = spare ?? startWorker();
  spare = undefined;
  w.ref();
  w.postMessage({ type: 'run', configFile, invocation });
  return w;
}

/** The time limit of one evaluation: DEVLOOP_CONFIG_TIMEOUT ("30s", "2m", "500ms", or seconds), 30 s by default. */
export function configTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.DEVLOOP_CONFIG_TIMEOUT?.trim();
  if (!v) return 30_000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
  if (!m) {
    throw new DevloopError('bad-config-timeout', `DEVLOOP_CONFIG_TIMEOUT='${v}' is not a duration`, {
      hint: 'write e.g. 30s, 2m, 500ms (a bare number is seconds)',
    });
  }
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'];
}

const RESOURCE_WORDS: Record<string, string> = {
  Timeout: 'a timer (setTimeout/setInterval)',
  TCPSocketWrap: 'a network connection',
  TCPWRAP: 'a network connection',
  TCPServerWrap: 'a listening server',
  GetAddrInfoReqWrap: 'a DNS lookup',
  ProcessWrap: 'a child process',
  FSReqCallback: 'a file operation',
  FSReqPromise: 'a file operation',
  PipeWrap: 'a pipe',
  Immediate: 'setImmediate',
  HTTPClientAsyncResource: 'an HTTP request',
  UDPWRAP: 'a UDP socket',
  FileHandle: 'an open file',
};

function describeWaiting(resources: string[]): string {
  const words = [...new Set(resources.filter((r) => r !== 'MessagePort' && r !== 'TTYWrap').map((r) => RESOURCE_WORDS[r] ?? r))];
  return words.length ? words.join(', ') : 'nothing devloop can name (a promise that is never settled?)';
}

function fromWire(w: WireError): DevloopError {
  const e = new DevloopError(w.code, w.message, { hint: w.hint, location: w.location, object: w.object, details: w.details });
  if (w.stack) {
    const cause = new Error(w.message);
    cause.stack = w.stack;
    (e as { cause?: unknown }).cause = cause;
  }
  return e;
}

/** `opts.timeoutMs`: a shorter limit than DEVLOOP_CONFIG_TIMEOUT's, for a caller that can do without the Plan (down). */
export async function evaluateConfig(configFile: string, opts: { timeoutMs?: number; invocation?: Invocation } = {}): Promise<EvalResult> {
  const t0 = performance.now();
  const name = basename(configFile);
  let limitMs: number;
  try {
    limitMs = configTimeoutMs();
  } catch (e) {
    return { ok: false, error: e as DevloopError, filesRead: [configFile], configFile, durationMs: 0 };
  }
  if (opts.timeoutMs !== undefined && (limitMs === 0 || opts.timeoutMs < limitMs)) limitMs = opts.timeoutMs;
  const fail = (error: DevloopError, filesRead: string[] = [configFile]): EvalResult => ({
    ok: false,
    error,
    filesRead,
    configFile,
    durationMs: performance.now() - t0,
  });
  return new Promise<EvalResult>((settle) => {
    const worker = takeWorker(configFile, opts.invocation);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let exitAt: (WorkerMessage & { type: 'exit' }) | undefined;
    const finish = (r: EvalResult) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      void worker.terminate();
      settle(r);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'result') {
        finish(m.ok ? { ok: true, plan: m.plan, durationMs: performance.now() - t0 } : fail(fromWire(m.error), m.filesRead));
      } else if (m.type === 'exit') {
        exitAt = m;
      } else if (m.type === 'waiting') {
        finish(
          fail(
            new DevloopError('config-timeout', `the config did not finish within ${limitMs / 1000}s; it was waiting on ${describeWaiting(m.resources)}`, {
              location: { file: configFile },
              hint: `make ${name} finish (what it awaits must settle); if it only needs longer, set DEVLOOP_CONFIG_TIMEOUT (e.g. 2m)`,
            }),
            m.filesRead,
          ),
        );
      } else if (m.type === 'crash') {
        finish(
          fail(
            new DevloopError('config-crash', `evaluating ${name} failed: ${m.message.split('\n')[0]}`, {
              location: { file: configFile },
              hint: 'run again with --debug and report this',
            }),
          ),
        );
      }
    });
    worker.on('error', (e) => {
      // Thrown outside the evaluation's own promise chain (a callback the config left behind, a rejected promise nobody awaited).
      finish(
        fail(
          new DevloopError('config-threw', `the config threw outside its evaluation: ${e.message}`, {
            location: userLocation(e.stack, configFile),
            hint: 'fix the code at that line; errors in callbacks the config schedules end its evaluation',
            cause: e,
          }),
        ),
      );
    });
    worker.on('exit', () => {
      if (exitAt) {
        finish(
          fail(
            new DevloopError('config-exit', `the config called process.exit(${JSON.stringify(exitAt.code)})`, {
              location: exitAt.location,
              hint: 'a config cannot end devloop: throw an Error to report a problem instead',
            }),
          ),
        );
        return;
      }
      finish(
        fail(
          new DevloopError(
            'config-never-settled',
            'the config never finished: it awaits something that nothing is left to settle (a promise never resolved or rejected)',
            {
              location: { file: configFile },
              hint: `look at the awaits in ${name} (and in a default-exported function): each must resolve or reject`,
            },
          ),
        ),
      );
    });
    if (limitMs > 0) {
      timer = setTimeout(() => {
        // Ask what it waits on; a thread busy running code (a loop that never ends) cannot answer.
        worker.postMessage({ type: 'why' });
        timer = setTimeout(
          () =>
            finish(
              fail(
                new DevloopError('config-timeout', `the config did not finish within ${limitMs / 1000}s: it is still running code (a loop that never ends?)`, {
                  location: { file: configFile },
                  hint: `find the loop in ${name} or the files it imports; if it only needs longer, set DEVLOOP_CONFIG_TIMEOUT (e.g. 2m)`,
                }),
              ),
            ),
          500,
        );
      }, limitMs);
    }
  });
}

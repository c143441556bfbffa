/**
 * The worker thread that evaluates devloop.ts (evaluate.ts starts one per evaluation): runs the config, posts
 * the Plan or the error, and answers "what are you waiting on?" when the time limit is near. `process.exit` in
 * the config is reported as an error instead of ending anything.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { userLocation } from './callsite.js';
import { filesLoaded, runConfig, warmUp } from './run-config.js';
import type { DevloopError } from '../model/errors.js';
import type { WorkerMessage, WireError } from './evaluate-wire.js';
import type { Invocation } from './recorder.js';

const port = parentPort!;
/** Given at start, or (a thread started ahead of time, while devloop was still starting) in a 'run' message. */
let configFile = (workerData as { configFile?: string } | undefined)?.configFile ?? '';
let before = new Set<string>();
let recorded: string[] = [];
let invocation: Invocation | undefined;

function wire(e: DevloopError): WireError {
  const cause = e.cause instanceof Error ? e.cause.stack : undefined;
  return { code: e.code, message: e.message, hint: e.hint, location: e.location, object: e.object, details: e.details, stack: cause ?? e.stack };
}

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

const realExit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  post({ type: 'exit', code: code ?? process.exitCode ?? 0, location: userLocation(new Error().stack, configFile) });
  realExit(typeof code === 'number' ? code : 0);
}) as typeof process.exit;

// Asked when the time limit is reached: what keeps the config from finishing (a timer, a socket, a child process)?
port.on('message', (m: { type: string; configFile?: string; invocation?: Invocation }) => {
  if (m.type === 'run' && m.configFile && !configFile) {
    configFile = m.configFile;
    invocation = m.invocation;
    run();
    return;
  }
  if (m.type !== 'why') return;
  post({ type: 'waiting', resources: process.getActiveResourcesInfo(), filesRead: [...new Set([...recorded, ...filesLoaded(before)])] });
});
// Once the config runs, listening must not keep the thread alive: when the config awaits something nothing can
// settle, the thread's event loop empties and it ends, which evaluate.ts reports at once (run() unrefs the port).

function run(): void {
  recorded = [configFile];
  // Until the result is posted the thread must stay alive only through what the config itself waits on.
  port.unref();
  runConfig(
    configFile,
    (b, files) => {
      before = b;
      recorded = files;
    },
    invocation,
  ).then(
    (r) => {
      post(r.ok ? { type: 'result', ok: true, plan: r.plan } : { type: 'result', ok: false, error: wire(r.error), filesRead: r.filesRead });
    },
    (e: unknown) => {
      post({ type: 'crash', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    },
  );
}

if (configFile) run();
// A thread started ahead of time loads the config API while devloop itself is still starting.
else warmUp();

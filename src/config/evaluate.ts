/**
 * Runs devloop.ts (or .mts/.js/.mjs) top to bottom and returns what it recorded. Always returns a result:
 * the Plan, or an error with file:line, plus every file the evaluation read, so a watcher can re-run it
 * when any of them changes while the last good Plan keeps running.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { createJiti as CreateJiti } from 'jiti';
import { DevloopError, isDevloopError } from '../model/errors.js';
import { userLocation } from './callsite.js';
import { captureConsole, withConfigOutput } from './config-output.js';
import { startRecording, stopRecording } from './recorder.js';
import { checkUnusedSteps } from './unused-steps.js';
import type { Plan } from './spec.js';

export const CONFIG_NAMES = ['devloop.ts', 'devloop.mts', 'devloop.js', 'devloop.mjs'];

export type EvalResult =
  | { ok: true; plan: Plan; durationMs: number }
  | { ok: false; error: DevloopError; filesRead: string[]; configFile?: string; durationMs: number };

const apiPath = resolve(dirname(fileURLToPath(import.meta.url)), 'api.js');
const require = createRequire(import.meta.url);
const moduleCache = require.cache;
/** jiti's CommonJS entry: the same API, and it loads in about half the time of its ES module wrapper (no CJS export scan). */
const { createJiti } = require('jiti') as { createJiti: typeof CreateJiti };

/** Finds the config: `-f FILE` if given, else the first of CONFIG_NAMES in `cwd`. */
export function findConfig(cwd: string, file?: string): string {
  if (file) {
    const p = resolve(cwd, file);
    if (!existsSync(p) || !statSync(p).isFile()) {
      throw new DevloopError('config-not-found', `config file ${file} not found (looked for ${p})`, { hint: 'check the path given to -f' });
    }
    return p;
  }
  for (const n of CONFIG_NAMES) {
    const p = resolve(cwd, n);
    if (existsSync(p)) return p;
  }
  throw new DevloopError('config-not-found', `no devloop config in ${cwd}`, {
    hint: `create one of ${CONFIG_NAMES.join(', ')} there (see the README's config API), or name one with -f FILE`,
  });
}

function isProjectFile(p: string): boolean {
  return !p.includes(`${sep}node_modules${sep}`) && !p.startsWith(dirname(dirname(apiPath)) + sep);
}

/** Files of the previous evaluation, dropped from the module cache so a re-evaluation re-runs them. */
let previouslyLoaded: string[] = [];

export async function evaluateConfig(configFile: string): Promise<EvalResult> {
  const t0 = performance.now();
  const configDir = dirname(configFile);
  for (const f of previouslyLoaded) delete moduleCache[f];
  const before = new Set(Object.keys(moduleCache));
  const rec = startRecording(configFile, configDir);
  const restoreConsole = captureConsole(rec);
  process.setSourceMapsEnabled(true);
  const jiti = createJiti(import.meta.url, {
    alias: { devloop: apiPath },
    fsCache: true,
    moduleCache: true,
    interopDefault: true,
    sourceMaps: true,
  });
  const loaded = (): string[] => Object.keys(moduleCache).filter((k) => !before.has(k) && isProjectFile(k));
  try {
    const mod = await jiti.import<unknown>(configFile);
    // A config may also export a default function (Vite style): run it.
    const def = (mod as { default?: unknown } | undefined)?.default;
    if (typeof def === 'function') await (def as () => unknown)();
    checkUnusedSteps(rec);
    previouslyLoaded = loaded();
    for (const f of previouslyLoaded) if (!rec.plan.filesRead.includes(f)) rec.plan.filesRead.push(f);
    return { ok: true, plan: rec.plan, durationMs: performance.now() - t0 };
  } catch (e) {
    previouslyLoaded = loaded();
    const filesRead = [...rec.plan.filesRead, ...previouslyLoaded.filter((f) => !rec.plan.filesRead.includes(f))];
    // Loaded only on an error: it brings a Python grammar to read Starlark left in the config.
    const { explainConfigError } = await import('./porting-hints.js');
    const error = withConfigOutput(explainConfigError(toConfigError(e, configFile), e, configFile), rec);
    return { ok: false, error, filesRead, configFile, durationMs: performance.now() - t0 };
  } finally {
    restoreConsole();
    stopRecording();
  }
}

/** Turns whatever the config threw into a located DevloopError. */
export function toConfigError(e: unknown, configFile: string): DevloopError {
  if (isDevloopError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const babelLoc = (err as { loc?: { line: number; column: number } }).loc;
  if (err.name === 'SyntaxError' && babelLoc) {
    const file = (/^(\/[^:]+):/.exec(err.message)?.[1]) ?? configFile;
    return new DevloopError('config-syntax', `syntax error: ${err.message.replace(/^\/[^:]+: /, '').split('\n')[0]}`, {
      location: { file, line: babelLoc.line }, hint: 'fix the syntax; devloop.ts is ordinary TypeScript', cause: e,
    });
  }
  const parse = /^(?:ParseError|SyntaxError): ([^\n]*?)\s*\n\s*(\/\S+?):(\d+):(\d+)/.exec(err.message);
  if (parse) {
    return new DevloopError('config-syntax', `syntax error: ${parse[1]}`, {
      location: { file: parse[2], line: Number(parse[3]) }, hint: 'fix the syntax; devloop.ts is ordinary TypeScript', cause: e,
    });
  }
  const code = (err as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return new DevloopError('config-import', `${err.message.split('\n')[0]}`, {
      location: userLocation(err.stack, configFile), hint: 'check the import path; the devloop API is imported as \'devloop\'', cause: e,
    });
  }
  return new DevloopError('config-threw', `the config threw ${err.name === 'Error' ? 'an error' : err.name}: ${err.message}`, {
    location: userLocation(err.stack, configFile), hint: 'fix the code at that line; devloop.ts runs top to bottom like any module', cause: e,
  });
}

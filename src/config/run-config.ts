/**
 * Runs devloop.ts (or .mts/.js/.mjs) top to bottom in this thread with jiti and returns what it recorded: the
 * Plan, or an error with file:line, plus every file the evaluation read. evaluate.ts runs this in a worker
 * thread (evaluate-worker.ts) so that a config that hangs, loops or exits cannot take devloop down with it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { createJiti as CreateJiti } from 'jiti';
import { DevloopError, isDevloopError } from '../model/errors.js';
import { privateDirProblem, ensurePrivateDir, userCacheDir } from '../files/private-dir.js';
import { userLocation } from './callsite.js';
import { captureConsole, withConfigOutput } from './config-output.js';
import { startRecording, stopRecording, type Invocation } from './recorder.js';
import { checkUnusedSteps } from './unused-steps.js';
import { applyWorkloadNamer } from './workload-names.js';
import type { Loc, Plan } from './spec.js';

export type RunResult = { ok: true; plan: Plan } | { ok: false; error: DevloopError; filesRead: string[] };

const apiPath = resolve(dirname(fileURLToPath(import.meta.url)), 'api.js');
const require = createRequire(import.meta.url);
const moduleCache = require.cache;
/** jiti's CommonJS entry: the same API, and it loads in about half the time of its ES module wrapper (no CJS export scan). */
const { createJiti } = require('jiti') as { createJiti: typeof CreateJiti };

function isProjectFile(p: string): boolean {
  return !p.includes(`${sep}node_modules${sep}`) && !p.startsWith(dirname(dirname(apiPath)) + sep);
}

/**
 * jiti's transform cache: <user cache dir>/devloop/jiti, private to this user (0700, owned by them, checked before
 * each use), never the shared $TMPDIR/jiti where another user could plant a transpiled copy of devloop.ts.
 * When that directory cannot be made private, no cache: each evaluation transpiles again (and says why once).
 */
export function transformCache(): { dir: string | false; warning?: string } {
  const dir = join(userCacheDir(), 'devloop', 'jiti');
  try {
    ensurePrivateDir(dir, 'the transpile cache');
    return { dir };
  } catch (e) {
    const why = isDevloopError(e) ? e.message : String(e);
    return { dir: false, warning: `not caching transpiled configs: ${why}${privateDirProblem(dir) ? `; remove ${dir} or make it private (chmod 700)` : ''}` };
  }
}

/** Files loaded so far by this thread's evaluation (the config and its own imports). */
export function filesLoaded(before: Set<string>): string[] {
  return Object.keys(moduleCache).filter((k) => !before.has(k) && isProjectFile(k));
}

type Jiti = ReturnType<typeof CreateJiti>;
let prepared: { jiti: Jiti; cacheWarning?: string; warm?: Promise<unknown> } | undefined;

/** This thread's jiti, made once: 'devloop' maps to the config API, transpiled configs cached privately. */
function preparedJiti(): NonNullable<typeof prepared> {
  if (prepared) return prepared;
  process.setSourceMapsEnabled(true);
  const cache = transformCache();
  const jiti = createJiti(import.meta.url, {
    // 'devloop' as configs import it; '@devloop/cli' is the package's name on npm.
    alias: { devloop: apiPath, '@devloop/cli': apiPath },
    fsCache: cache.dir,
    moduleCache: true,
    interopDefault: true,
    sourceMaps: true,
  });
  prepared = { jiti, cacheWarning: cache.warning };
  return prepared;
}

/**
 * Loads the config API ahead of the config (a thread started while devloop itself is still starting), so that
 * evaluating devloop.ts later costs only the config's own code. Never fails: a real error shows when the config runs.
 */
export function warmUp(): void {
  const p = preparedJiti();
  p.warm ??= p.jiti.import(apiPath).catch(() => undefined);
}

export async function runConfig(configFile: string, onStart?: (before: Set<string>, filesRead: string[]) => void, invocation?: Invocation): Promise<RunResult> {
  const configDir = dirname(configFile);
  const { jiti, cacheWarning, warm } = preparedJiti();
  await warm;
  const before = new Set(Object.keys(moduleCache));
  const rec = startRecording(configFile, configDir, invocation);
  // What the config prints goes to the plan's log (shown as the config's lines), never into devloop's stdout.
  const restoreConsole = captureConsole(rec);
  onStart?.(before, rec.plan.filesRead);
  if (cacheWarning) rec.plan.warnings.push({ message: cacheWarning });
  try {
    const mod = await jiti.import<unknown>(configFile);
    // A config may also export a default function (Vite style): run it.
    const def = (mod as { default?: unknown } | undefined)?.default;
    if (typeof def === 'function') await (def as () => unknown)();
    applyWorkloadNamer(rec);
    checkUnusedSteps(rec);
    for (const f of filesLoaded(before)) if (!rec.plan.filesRead.includes(f)) rec.plan.filesRead.push(f);
    return { ok: true, plan: rec.plan };
  } catch (e) {
    const loaded = filesLoaded(before);
    const filesRead = [...rec.plan.filesRead, ...loaded.filter((f) => !rec.plan.filesRead.includes(f))];
    // Loaded only on an error: it brings a Python grammar to read Starlark left in the config.
    const { explainConfigError } = await import('./porting-hints.js');
    return { ok: false, error: withConfigOutput(explainConfigError(toConfigError(e, configFile), e, configFile), rec), filesRead };
  } finally {
    restoreConsole();
    stopRecording();
  }
}

/**
 * Where a module that cannot be found was imported: the importing file's frame in the stack, else the line of
 * that file (the first of Node's "Require stack") that names the module in quotes, else the config.
 */
function importLocation(err: Error, configFile: string): Loc {
  const at = userLocation(err.stack, configFile);
  if (at.line !== undefined) return at;
  const spec = /Cannot find (?:module|package) '([^']+)'/.exec(err.message)?.[1];
  const from = /Require stack:\n- (\/[^\n]+)/.exec(err.message)?.[1] ?? configFile;
  if (!spec) return { file: from };
  try {
    const lines = readFileSync(from, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(`'${spec}'`) || l.includes(`"${spec}"`) || l.includes(`\`${spec}\``));
    return i >= 0 ? { file: from, line: i + 1 } : { file: from };
  } catch {
    return { file: from };
  }
}

/** Turns whatever the config threw into a located DevloopError. */
export function toConfigError(e: unknown, configFile: string): DevloopError {
  if (isDevloopError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const babelLoc = (err as { loc?: { line: number; column: number } }).loc;
  if (err.name === 'SyntaxError' && babelLoc) {
    const file = /^(\/[^:]+):/.exec(err.message)?.[1] ?? configFile;
    return new DevloopError('config-syntax', `syntax error: ${err.message.replace(/^\/[^:]+: /, '').split('\n')[0]}`, {
      location: { file, line: babelLoc.line },
      hint: 'fix the syntax; devloop.ts is ordinary TypeScript',
      cause: e,
    });
  }
  const parse = /^(?:ParseError|SyntaxError): ([^\n]*?)\s*\n\s*(\/\S+?):(\d+):(\d+)/.exec(err.message);
  if (parse) {
    return new DevloopError('config-syntax', `syntax error: ${parse[1]}`, {
      location: { file: parse[2], line: Number(parse[3]) },
      hint: 'fix the syntax; devloop.ts is ordinary TypeScript',
      cause: e,
    });
  }
  const code = (err as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return new DevloopError('config-import', `${err.message.split('\n')[0]}`, {
      location: importLocation(err, configFile),
      hint: "check the import path (relative imports start with ./ and name an existing file); the devloop API is imported as 'devloop'",
      cause: e,
    });
  }
  return new DevloopError('config-threw', `the config threw ${err.name === 'Error' ? 'an error' : err.name}: ${err.message}`, {
    location: userLocation(err.stack, configFile),
    hint: 'fix the code at that line; devloop.ts runs top to bottom like any module',
    cause: e,
  });
}

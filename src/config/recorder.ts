/**
 * The state one evaluation of devloop.ts records into. It lives on globalThis under a registered symbol,
 * so that even if the config's `import 'devloop'` loads a second copy of the API module, every call
 * lands in the same recorder.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DevloopError } from '../model/errors.js';
import type { LiveUpdateStep, Loc, Plan } from './spec.js';

export interface Recorder {
  plan: Plan;
  /** Texts returned by read_file()/local(), so k8s_yaml() can tell YAML text from a path. */
  blobs: Map<string, string>;
  triggerModeLoc?: Loc;
  /** Live update steps made and not (yet) given to a live_update. */
  unusedSteps?: Set<LiveUpdateStep>;
  /** How devloop was run: the config's args, the subcommand, --context / --namespace. */
  invocation: Invocation;
  /** config.define_*() definitions, by name. */
  configDefs?: Map<string, { kind: 'string' | 'bool' | 'string_list'; args: boolean; usage: string; loc: Loc }>;
}

/** What the command line tells the config (config.subcommand, config.parse(), k8s_context()). */
export interface Invocation {
  /** The words after the command (resource names or, with config.parse(), flags), including those after `--`. */
  args: string[];
  subcommand: string;
  context?: string;
  namespace?: string;
}

const KEY = Symbol.for('devloop.config.recorder');
type G = typeof globalThis & { [KEY]?: Recorder };

export function startRecording(configFile: string, configDir: string, invocation: Invocation = { args: [], subcommand: 'up' }): Recorder {
  const r: Recorder = {
    plan: {
      configFile,
      configDir,
      images: [],
      yaml: [],
      k8sResources: [],
      k8sKinds: [],
      imageJsonPaths: [],
      allowedContexts: [],
      localResources: [],
      triggerMode: 'auto',
      watchFiles: [],
      filesRead: [configFile],
      warnings: [],
      logs: [],
    },
    blobs: new Map(),
    invocation,
  };
  if (invocation.args.length) r.plan.args = [...invocation.args];
  (globalThis as G)[KEY] = r;
  return r;
}

export function stopRecording(): void {
  delete (globalThis as G)[KEY];
}

export function current(fn: string): Recorder {
  const r = (globalThis as G)[KEY];
  if (!r) {
    throw new DevloopError('config-outside-evaluation', `${fn}() was called outside a devloop config evaluation`, {
      hint: 'call the devloop API only from devloop.ts (or files it imports), and run it with `devloop up|ci|down`',
    });
  }
  return r;
}

export function addFileRead(r: Recorder, path: string): void {
  if (!r.plan.filesRead.includes(path)) r.plan.filesRead.push(path);
}

/** Resolves a config-relative path to an absolute one. */
export function abs(r: Recorder, p: string): string {
  return isAbsolute(p) ? resolve(p) : resolve(r.plan.configDir, p);
}

/** Resolves and checks that the path exists; the error names the call and what to write. */
export function existing(r: Recorder, fn: string, what: string, p: string, loc: Loc): string {
  const full = abs(r, p);
  if (!existsSync(full)) {
    throw new DevloopError('config-path-missing', `${fn}: ${what} '${p}' does not exist (looked for ${full})`, {
      location: loc,
      hint: `paths in ${r.plan.configFile.split('/').pop()} are relative to its directory (${r.plan.configDir}); fix the path or create it`,
    });
  }
  return full;
}

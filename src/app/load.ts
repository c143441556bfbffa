/** Evaluate the config and resolve it: the first phase of every command. Throws DevloopError. */
import { evaluateConfig, findConfig, type Invocation } from '../config/evaluate.js';
import { resolve, type ResolveOptions, type Resolved } from '../resolve/resolve.js';

export interface Loaded {
  resolved: Resolved;
  configFile: string;
  evalMs: number;
  resolveMs: number;
}

export async function loadProject(cwd: string, file: string | undefined, opts: ResolveOptions = {}, invocation?: Invocation): Promise<Loaded> {
  const configFile = findConfig(cwd, file);
  const ev = await evaluateConfig(configFile, { invocation });
  if (!ev.ok) throw ev.error;
  const t0 = performance.now();
  const resolved = resolve(ev.plan, opts);
  return { resolved, configFile, evalMs: ev.durationMs, resolveMs: performance.now() - t0 };
}

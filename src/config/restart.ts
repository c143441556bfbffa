/**
 * Restarting a container's process after a live update, with the names of Tilt's restart_process extension:
 * `docker_build_with_restart`, `custom_build_with_restart`, and a `restart_process()` step usable in any
 * live_update. devloop builds no helper image: the container's command runs under a small sh supervisor
 * (src/model/supervisor.ts), which the update signals after its sync and run steps.
 */
import { DevloopError, isDevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { checkArg, checkOptions, toList, typeName } from './options.js';
import { abs, current, type Recorder } from './recorder.js';
import type { LiveUpdateStep, Loc, RestartProcessStep } from './spec.js';
import { custom_build, docker_build, type CustomBuildOptions, type DockerBuildOptions } from './api.js';

/** The extension's default restart_file; here the supervisor keeps its state (pid, generation) there. */
export const RESTART_FILE = '/tmp/.restart-proc';
const STEP = Symbol.for('devloop.liveUpdateStep');

export interface RestartProcessOptions {
  /** Restart only when a changed file is one of these paths (relative to devloop.ts) or under one. */
  trigger?: string | string[];
  /** Where the supervisor keeps its state in the container. Default '/tmp/.restart-proc'. */
  restart_file?: string;
  /**
   * What happens when the process exits by itself: 'restart' (the default, as the extension): the container exits
   * with the process's exit code and Kubernetes restarts it; 'continue': the container stays and the next update
   * starts the process again.
   */
  exit_policy?: 'restart' | 'continue';
}

const restartSchema = { trigger: 'stringOrStrings', restart_file: 'string', exit_policy: 'string' } as const;

function fail(code: string, message: string, loc: Loc, hint?: string): never {
  throw new DevloopError(code, message, { location: loc, hint });
}

function restartStep(fn: string, o: RestartProcessOptions, loc: Loc, r: Recorder): RestartProcessStep {
  const file = o.restart_file ?? RESTART_FILE;
  if (!file.startsWith('/') || /[\s'"\\$`]/.test(file)) {
    fail(
      'config-bad-value',
      `${fn}: restart_file '${file}' must be an absolute path in the container without spaces or quotes`,
      loc,
      `for example restart_file: '/tmp/.restart-proc'`,
    );
  }
  const policy = o.exit_policy ?? 'restart';
  if (policy !== 'restart' && policy !== 'continue') {
    fail(
      'config-bad-value',
      `${fn}: exit_policy must be 'restart' or 'continue', got ${typeName(policy)}`,
      loc,
      `'restart' (the default): the container exits with the process's code; 'continue': the process is started again by the next update`,
    );
  }
  const s: RestartProcessStep = { type: 'restart_process', file, exitPolicy: policy, triggers: toList(o.trigger).map((p) => abs(r, p)), loc };
  Object.defineProperty(s, STEP, { value: true, enumerable: false });
  return s;
}

/**
 * A live_update step: after the files are synced and the run steps ran, restart the container's process and
 * wait until the new one runs. The container's command (the image build's entrypoint, or the container's
 * `command` in the YAML) is run under devloop's supervisor. Must be the last step.
 */
export function restart_process(options?: RestartProcessOptions): RestartProcessStep {
  const fn = 'restart_process';
  const r = current(fn);
  const loc = callerLocation(r.plan.configFile);
  const o = checkOptions<RestartProcessOptions & Record<string, unknown>>(fn, options, restartSchema, loc);
  return restartStep(fn, o, loc, r);
}

/** Errors raised by the wrapped call name the function the user called. */
function renamed<T>(fn: string, inner: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isDevloopError(e) && e.message.startsWith(`${inner}:`)) e.message = `${fn}:${e.message.slice(inner.length + 1)}`;
    throw e;
  }
}

function withRestart(fn: string, liveUpdate: unknown, step: RestartProcessStep, loc: Loc): LiveUpdateStep[] {
  if (!Array.isArray(liveUpdate) || liveUpdate.length === 0) {
    fail('config-bad-value', `${fn} requires at least one live_update step`, loc, `for example live_update: [sync('.', '/app')]`);
  }
  for (const s of liveUpdate as { type?: string }[]) {
    if (s?.type === 'restart_container') {
      fail('config-bad-value', `${fn} is not compatible with the live_update step restart_container(): it replaces it`, loc, 'remove restart_container()');
    }
    if (s?.type === 'restart_process') {
      fail(
        'config-bad-value',
        `${fn} already restarts the process after every live update; remove restart_process() from its live_update`,
        loc,
        `to restart only for some files, give ${fn} the option trigger: [...]`,
      );
    }
  }
  return [...(liveUpdate as LiveUpdateStep[]), step];
}

export interface DockerBuildWithRestartOptions extends DockerBuildOptions, RestartProcessOptions {
  /** Accepted for Tiltfiles that set it; devloop builds no separate base image, so it has no effect. */
  base_suffix?: string;
}

/**
 * docker_build whose container runs `entrypoint` under devloop's supervisor and restarts it at the end of every
 * live update (Tilt's restart_process extension). Options: docker_build's, plus restart_file, trigger, exit_policy.
 */
export function docker_build_with_restart(ref: string, context: string, entrypoint: string | string[], options?: DockerBuildWithRestartOptions): void {
  const fn = 'docker_build_with_restart';
  const r = current(fn);
  const loc = callerLocation(r.plan.configFile);
  const { restart_file, trigger, exit_policy, base_suffix, ...rest } = (options ?? {}) as DockerBuildWithRestartOptions;
  checkArg(fn, 'entrypoint', 'stringOrStrings', entrypoint, loc, `${fn}('app', '.', '/app/server', { live_update: [sync('.', '/app')] })`);
  if (base_suffix !== undefined) checkArg(fn, 'base_suffix', 'string', base_suffix, loc);
  if (rest.entrypoint !== undefined) fail('config-bad-value', `${fn}: give the entrypoint as the third argument, not as an option`, loc);
  const o = checkOptions<RestartProcessOptions & Record<string, unknown>>(fn, { restart_file, trigger, exit_policy }, restartSchema, loc);
  const step = restartStep(fn, o, loc, r);
  const liveUpdate = withRestart(fn, rest.live_update, step, loc);
  renamed(fn, 'docker_build', () => docker_build(ref, context, { ...rest, entrypoint, live_update: liveUpdate }));
}

export interface CustomBuildWithRestartOptions extends Omit<CustomBuildOptions, 'deps'>, RestartProcessOptions {
  /** Accepted for Tiltfiles that set it; devloop builds no separate base image, so it has no effect. */
  base_suffix?: string;
}

/** custom_build whose container runs `entrypoint` under devloop's supervisor, restarted at the end of every live update. */
export function custom_build_with_restart(
  ref: string,
  command: string | string[],
  deps: string | string[],
  entrypoint: string | string[],
  options?: CustomBuildWithRestartOptions,
): void {
  const fn = 'custom_build_with_restart';
  const r = current(fn);
  const loc = callerLocation(r.plan.configFile);
  const { restart_file, trigger, exit_policy, base_suffix, ...rest } = (options ?? {}) as CustomBuildWithRestartOptions & { deps?: unknown };
  checkArg(
    fn,
    'deps',
    'stringOrStrings',
    deps,
    loc,
    `${fn}('app', 'docker build -t $EXPECTED_REF .', ['.'], '/app/server', { live_update: [sync('.', '/app')] })`,
  );
  checkArg(
    fn,
    'entrypoint',
    'stringOrStrings',
    entrypoint,
    loc,
    `${fn}('app', 'docker build -t $EXPECTED_REF .', ['.'], '/app/server', { live_update: [sync('.', '/app')] })`,
  );
  if (base_suffix !== undefined) checkArg(fn, 'base_suffix', 'string', base_suffix, loc);
  if (rest.entrypoint !== undefined) fail('config-bad-value', `${fn}: give the entrypoint as the fourth argument, not as an option`, loc);
  if (rest.deps !== undefined) fail('config-bad-value', `${fn}: give deps as the third argument, not as an option`, loc);
  const o = checkOptions<RestartProcessOptions & Record<string, unknown>>(fn, { restart_file, trigger, exit_policy }, restartSchema, loc);
  const step = restartStep(fn, o, loc, r);
  const liveUpdate = withRestart(fn, rest.live_update, step, loc);
  renamed(fn, 'custom_build', () => custom_build(ref, command, { ...rest, deps, entrypoint, live_update: liveUpdate }));
}

/**
 * The public API of devloop.ts: `import { docker_build, k8s_yaml } from 'devloop'`.
 * Names and options are Tilt's; a Tiltfile ports by moving keyword arguments into one trailing object.
 * Each call only records a spec (with the file:line of the call); devloop assembles them afterwards.
 */
import { execaRunner } from '../adapters/process/execa-runner.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { checkArg, checkOptions, toList, typeName } from './options.js';
import { abs, addFileRead, current, existing, type Recorder } from './recorder.js';
import { consumeSteps, recordStep } from './unused-steps.js';
import { laterPath } from './later-paths.js';
import { kindOf, linkText, type Link, type PortForward, type Probe } from './objects.js';
import type {
  CustomBuildSpec,
  DockerBuildSpec,
  FallBackOnStep,
  ImageObjectSpec,
  InitialSyncStep,
  LiveUpdateStep,
  Loc,
  PortForwardSpec,
  RestartContainerStep,
  RunStep,
  SyncStep,
  TriggerMode,
} from './spec.js';

export type { LiveUpdateStep, SyncStep, RunStep, FallBackOnStep, InitialSyncStep, RestartContainerStep, RestartProcessStep, TriggerMode } from './spec.js';
export {
  restart_process,
  docker_build_with_restart,
  custom_build_with_restart,
  type RestartProcessOptions,
  type DockerBuildWithRestartOptions,
  type CustomBuildWithRestartOptions,
} from './restart.js';

export const TRIGGER_MODE_AUTO: TriggerMode = 'auto';
export const TRIGGER_MODE_MANUAL: TriggerMode = 'manual';

function begin(fn: string): { r: Recorder; loc: Loc } {
  const r = current(fn);
  return { r, loc: callerLocation(r.plan.configFile) };
}

function fail(code: string, message: string, loc: Loc, hint?: string): never {
  throw new DevloopError(code, message, { location: loc, hint });
}

function argv(fn: string, name: string, v: unknown, loc: Loc): { cmd: string[]; shell: boolean; text: string } {
  if (typeof v === 'string') {
    if (!v.trim()) fail('config-bad-value', `${fn}: ${name} can't be empty`, loc);
    return { cmd: ['sh', '-c', v.trim()], shell: true, text: v.trim() };
  }
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return { cmd: v as string[], shell: false, text: (v as string[]).join(' ') };
  return fail('config-bad-type', `${fn}: ${name} must be a string (run by sh -c) or a non-empty list of strings (argv), got ${typeName(v)}`, loc);
}

// ---------------------------------------------------------------- images

export interface DockerBuildOptions {
  /** Path of the Dockerfile, relative to devloop.ts's directory. Default: `<context>/Dockerfile`. */
  dockerfile?: string;
  /** The Dockerfile's text, instead of a file. */
  dockerfile_contents?: string;
  build_args?: Record<string, string>;
  target?: string;
  /** Only these paths (relative to the context) are in the context. No globs. */
  only?: string | string[];
  /** .dockerignore-style patterns, relative to the context, left out of the context and not watched. */
  ignore?: string | string[];
  /** Replaces the container's command in the manifests; a string runs under `sh -c`. */
  entrypoint?: string | string[];
  /** Replaces the container's args in the manifests. */
  container_args?: string[];
  live_update?: LiveUpdateStep[];
  /** Also replace this image where it appears as an env var value. */
  match_in_env_vars?: boolean;
  extra_tag?: string | string[];
  network?: string;
  platform?: string;
  ssh?: string | string[];
  secret?: string | string[];
  cache_from?: string | string[];
  pull?: boolean;
  extra_hosts?: string | string[];
}

const dockerBuildSchema = {
  dockerfile: 'string',
  dockerfile_contents: 'string',
  build_args: 'stringMap',
  target: 'string',
  only: 'stringOrStrings',
  ignore: 'stringOrStrings',
  entrypoint: 'stringOrStrings',
  container_args: 'strings',
  live_update: 'steps',
  match_in_env_vars: 'boolean',
  extra_tag: 'stringOrStrings',
  network: 'string',
  platform: 'string',
  ssh: 'stringOrStrings',
  secret: 'stringOrStrings',
  cache_from: 'stringOrStrings',
  pull: 'boolean',
  extra_hosts: 'stringOrStrings',
} as const;

function checkNewRef(r: Recorder, fn: string, ref: unknown, loc: Loc): string {
  checkArg(fn, 'ref', 'string', ref, loc, `${fn}('my-image', ...)`);
  const clash = r.plan.images.find((i) => i.ref === ref);
  if (clash) {
    fail(
      'config-duplicate-image',
      `${fn}: an image build for '${ref}' is already defined at ${clash.loc.file}:${clash.loc.line}`,
      loc,
      'each image ref can be built once; remove one of them, or give them different names or tags',
    );
  }
  return ref as string;
}

function entrypointOf(fn: string, v: string | string[] | undefined, loc: Loc): string[] | undefined {
  if (v === undefined) return undefined;
  return argv(fn, 'entrypoint', v, loc).cmd;
}

export function docker_build(ref: string, context: string, options?: DockerBuildOptions): void {
  const fn = 'docker_build';
  const { r, loc } = begin(fn);
  const name = checkNewRef(r, fn, ref, loc);
  checkArg(fn, 'context', 'string', context, loc, `docker_build('${name}', '.')`);
  const o = checkOptions<DockerBuildOptions & Record<string, unknown>>(fn, options, dockerBuildSchema, loc);
  const ctx = existing(r, fn, 'build context', context, loc);
  if (!statSync(ctx).isDirectory()) fail('config-bad-value', `${fn}: build context '${context}' is not a directory`, loc);
  if (o.dockerfile !== undefined && o.dockerfile_contents !== undefined) {
    fail('config-bad-value', `${fn}: give either dockerfile or dockerfile_contents, not both`, loc);
  }
  let dockerfile: string;
  if (o.dockerfile_contents !== undefined) {
    dockerfile = join(ctx, 'Dockerfile');
  } else if (o.dockerfile !== undefined) {
    dockerfile = existing(r, fn, 'dockerfile', o.dockerfile, loc);
    addFileRead(r, dockerfile);
  } else {
    dockerfile = join(ctx, 'Dockerfile');
    if (!existsSync(dockerfile)) {
      fail(
        'config-path-missing',
        `${fn}: no Dockerfile in the build context ${ctx}`,
        loc,
        `create ${join(context, 'Dockerfile')}, or name it with docker_build('${name}', '${context}', { dockerfile: 'path/to/Dockerfile' })`,
      );
    }
    addFileRead(r, dockerfile);
  }
  addFileRead(r, `${dockerfile}.dockerignore`);
  addFileRead(r, join(ctx, '.dockerignore'));
  const only = toList(o.only);
  for (const p of only) {
    if (p.includes('*'))
      fail('config-bad-value', `${fn}: 'only' does not support '*' file globs; it must be a real path: ${p}`, loc, 'use ignore= for patterns');
  }
  const spec: DockerBuildSpec = {
    type: 'docker',
    ref: name,
    context: ctx,
    dockerfile,
    dockerfileContents: o.dockerfile_contents,
    buildArgs: o.build_args ?? {},
    target: o.target,
    only,
    ignore: toList(o.ignore),
    entrypoint: entrypointOf(fn, o.entrypoint, loc),
    containerArgs: o.container_args,
    liveUpdate: liveUpdateSteps(fn, o.live_update, loc),
    matchInEnvVars: o.match_in_env_vars ?? false,
    extraTag: toList(o.extra_tag),
    network: o.network,
    platform: o.platform ?? process.env.DOCKER_DEFAULT_PLATFORM,
    ssh: toList(o.ssh),
    secret: toList(o.secret),
    cacheFrom: toList(o.cache_from),
    pull: o.pull ?? false,
    extraHosts: toList(o.extra_hosts),
    loc,
  };
  r.plan.images.push(spec);
}

export interface CustomBuildOptions {
  /** Files or directories (relative to devloop.ts) whose changes rebuild the image; their contents make its tag. */
  deps?: string | string[];
  /** The script builds `<ref>:<tag>` instead of the ref devloop expects. */
  tag?: string;
  /** The script pushes the image itself. */
  disable_push?: boolean;
  /** The script does not leave the image in the local Docker engine. */
  skips_local_docker?: boolean;
  live_update?: LiveUpdateStep[];
  match_in_env_vars?: boolean;
  ignore?: string | string[];
  entrypoint?: string | string[];
  container_args?: string[];
  /** A file the script writes the built ref into. */
  outputs_image_ref_to?: string;
  /** Other built images this one builds on (their refs are given as DEVLOOP_IMAGE_<i>). */
  image_deps?: string[];
  env?: Record<string, string>;
  /** Working directory of the command (default: devloop.ts's directory). */
  dir?: string;
  /** Used instead of command on Windows. */
  command_bat?: string | string[];
}

const customBuildSchema = {
  deps: 'stringOrStrings',
  tag: 'string',
  disable_push: 'boolean',
  skips_local_docker: 'boolean',
  live_update: 'steps',
  match_in_env_vars: 'boolean',
  ignore: 'stringOrStrings',
  entrypoint: 'stringOrStrings',
  container_args: 'strings',
  outputs_image_ref_to: 'string',
  image_deps: 'strings',
  env: 'stringMap',
  dir: 'string',
  command_bat: 'stringOrStrings',
} as const;

export function custom_build(ref: string, command: string | string[], options?: CustomBuildOptions): void {
  const fn = 'custom_build';
  const { r, loc } = begin(fn);
  const name = checkNewRef(r, fn, ref, loc);
  const o = checkOptions<CustomBuildOptions & Record<string, unknown>>(fn, options, customBuildSchema, loc);
  const useBat = process.platform === 'win32' && o.command_bat !== undefined;
  const c = argv(fn, 'command', useBat ? o.command_bat : command, loc);
  if (o.tag !== undefined && o.outputs_image_ref_to !== undefined) fail('config-bad-value', `${fn}: give either tag or outputs_image_ref_to, not both`, loc);
  const deps = toList(o.deps).map((d) => laterPath(r, fn, 'dep', d, loc));
  const spec: CustomBuildSpec = {
    type: 'custom',
    ref: name,
    command: c.cmd,
    shell: c.shell,
    commandText: c.text,
    deps,
    tag: o.tag,
    disablePush: o.disable_push ?? false,
    skipsLocalDocker: o.skips_local_docker ?? false,
    liveUpdate: liveUpdateSteps(fn, o.live_update, loc),
    matchInEnvVars: o.match_in_env_vars ?? false,
    ignore: toList(o.ignore),
    entrypoint: entrypointOf(fn, o.entrypoint, loc),
    containerArgs: o.container_args,
    outputsImageRefTo: o.outputs_image_ref_to === undefined ? undefined : abs(r, o.outputs_image_ref_to),
    imageDeps: o.image_deps ?? [],
    env: o.env ?? {},
    dir: o.dir === undefined ? r.plan.configDir : existing(r, fn, 'dir', o.dir, loc),
    loc,
  };
  r.plan.images.push(spec);
}

// ---------------------------------------------------------------- live update steps

const STEP = Symbol.for('devloop.liveUpdateStep');

function step<T extends LiveUpdateStep>(s: T): T {
  Object.defineProperty(s, STEP, { value: true, enumerable: false });
  recordStep(current(s.type), s);
  return s;
}

/** Copy changed files under `local` (relative to devloop.ts) to `remote` (absolute) in the running containers. */
export function sync(local: string, remote: string): SyncStep {
  const fn = 'sync';
  const { r, loc } = begin(fn);
  checkArg(fn, 'local', 'string', local, loc, `sync('.', '/app')`);
  checkArg(fn, 'remote', 'string', remote, loc, `sync('.', '/app')`);
  if (!remote.startsWith('/'))
    fail(
      'config-bad-value',
      `sync: the destination '${remote}' must be an absolute path in the container`,
      loc,
      `for example sync('${local}', '/app/${remote}')`,
    );
  return step({ type: 'sync', local: abs(r, local), remote, loc });
}

export interface RunOptions {
  /** Paths (relative to devloop.ts); the command runs only when a changed file is one of them or under one. */
  trigger?: string | string[];
  /** Accepted (Tilt: don't echo the command); devloop prints the command once either way. */
  echo_off?: boolean;
}

/** Run a command in the container after the files are synced. */
export function run(cmd: string | string[], options?: RunOptions): RunStep {
  const fn = 'run';
  const { r, loc } = begin(fn);
  const o = checkOptions<RunOptions & Record<string, unknown>>(fn, options, { trigger: 'stringOrStrings', echo_off: 'boolean' }, loc);
  const c = argv(fn, 'cmd', cmd, loc);
  return step({ type: 'run', cmd: c.cmd, shell: c.shell, triggers: toList(o.trigger).map((p) => abs(r, p)), loc });
}

/** A change to any of these paths (relative to devloop.ts) rebuilds the image instead of syncing. */
export function fall_back_on(paths: string | string[]): FallBackOnStep {
  const fn = 'fall_back_on';
  const { r, loc } = begin(fn);
  checkArg(fn, 'paths', 'stringOrStrings', paths, loc, `fall_back_on(['package.json'])`);
  return step({ type: 'fall_back_on', paths: toList(paths).map((p) => abs(r, p)), loc });
}

/** Copy every synced path into a container when it starts, before any edit. */
export function initial_sync(): InitialSyncStep {
  const { loc } = begin('initial_sync');
  return step({ type: 'initial_sync', loc });
}

/** Not supported on Kubernetes resources (an error when used): use an entrypoint that reloads on change. */
export function restart_container(): RestartContainerStep {
  const { loc } = begin('restart_container');
  return step({ type: 'restart_container', loc });
}

const ORDER: Record<LiveUpdateStep['type'], number> = { initial_sync: 0, fall_back_on: 1, sync: 2, run: 3, restart_container: 4, restart_process: 5 };
const RIGHT_ORDER = 'the order is: [initial_sync()], fall_back_on(...)*, sync(...)*, run(...)*, [restart_process()]';

function liveUpdateSteps(fn: string, steps: unknown[] | undefined, loc: Loc): LiveUpdateStep[] {
  if (steps === undefined) return [];
  let last = -1;
  let seenInitial = false;
  for (const [i, s] of steps.entries()) {
    if (typeof s !== 'object' || s === null || !(STEP in s)) {
      fail(
        'config-bad-type',
        `${fn}: live_update[${i}] must be a live update step made by sync(), run(), fall_back_on(), initial_sync(), restart_process() or restart_container(), got ${typeName(s)}`,
        loc,
      );
    }
    const st = s as unknown as LiveUpdateStep;
    if (st.type === 'restart_container') {
      fail(
        'config-restart-container',
        `${fn}: restart_container() is not supported for Kubernetes resources`,
        st.loc,
        `remove it and give the container an entrypoint that reloads on change, e.g. entrypoint: 'node --watch server.js' or nodemon`,
      );
    }
    if (st.type === 'restart_process' && i !== steps.length - 1) {
      fail('config-live-update-order', `${fn}: restart_process() must be the last live_update step, at most once`, st.loc, RIGHT_ORDER);
    }
    if (st.type === 'initial_sync') {
      if (seenInitial || i !== 0)
        fail('config-live-update-order', `${fn}: initial_sync() must appear at most once, at the start of live_update`, st.loc, RIGHT_ORDER);
      seenInitial = true;
    }
    const o = ORDER[st.type];
    if (o < last) {
      const prev = (steps[i - 1] as LiveUpdateStep).type;
      fail('config-live-update-order', `${fn}: live_update steps are in the wrong order: ${st.type}() comes after ${prev}()`, st.loc, RIGHT_ORDER);
    }
    last = o;
  }
  const list = steps as LiveUpdateStep[];
  consumeSteps(current(fn), list);
  if (list.length > 0 && !list.some((s) => s.type === 'sync' || s.type === 'run')) {
    fail('config-live-update-empty', `${fn}: live_update must contain at least one sync() or run() step`, loc);
  }
  return list;
}

// ---------------------------------------------------------------- Kubernetes

export interface K8sYamlOptions {
  /** Allow the same object (kind, name, namespace) twice; the later one wins. */
  allow_duplicates?: boolean;
}

/** Deploy these manifests: a path, a list of paths, or YAML text (e.g. what read_file() or local() return). */
export function k8s_yaml(yaml: string | string[], options?: K8sYamlOptions): void {
  const fn = 'k8s_yaml';
  const { r, loc } = begin(fn);
  checkArg(fn, 'yaml', 'stringOrStrings', yaml, loc, `k8s_yaml('app.yaml')`);
  const o = checkOptions<K8sYamlOptions & Record<string, unknown>>(fn, options, { allow_duplicates: 'boolean' }, loc);
  const items = toList(yaml);
  if (items.length === 0 || items.every((x) => !x.trim())) fail('config-bad-value', `${fn}: empty YAML`, loc, `give a path such as k8s_yaml('app.yaml')`);
  for (const item of items) {
    const blob = r.blobs.get(item);
    if (blob !== undefined || item.includes('\n')) {
      r.plan.yaml.push({
        source: blob ?? `YAML text at ${basename(loc.file)}:${loc.line ?? '?'}`,
        text: item,
        allowDuplicates: o.allow_duplicates ?? false,
        loc,
      });
      continue;
    }
    const path = existing(r, fn, 'file', item, loc);
    addFileRead(r, path);
    if (statSync(path).isDirectory()) fail('config-bad-value', `${fn}: '${item}' is a directory; give the YAML files in it`, loc);
    r.plan.yaml.push({ source: item, path, text: readFileSync(path, 'utf8'), allowDuplicates: o.allow_duplicates ?? false, loc });
  }
}

export interface K8sResourceOptions {
  new_name?: string;
  /** 3000, '8000:80' or '127.0.0.1:8000:80' (local port : container port), or a list of them. */
  port_forwards?: number | string | PortForward | (number | string | PortForward)[];
  resource_deps?: string[];
  /** More objects for this resource: 'name', 'name:kind' or 'name:kind:namespace'. */
  objects?: string[];
  labels?: string | string[];
  trigger_mode?: TriggerMode;
  auto_init?: boolean;
  extra_pod_selectors?: Record<string, string> | Record<string, string>[];
  links?: string | Link | (string | Link)[];
  pod_readiness?: 'wait' | 'ignore';
  /** 'default', or 'selectors-only': pods are found only by the workload's labels and extra_pod_selectors. */
  discovery_strategy?: 'default' | 'selectors-only';
}

const k8sResourceSchema = {
  new_name: 'string',
  port_forwards: 'portForwards',
  resource_deps: 'strings',
  objects: 'strings',
  labels: 'stringOrStrings',
  trigger_mode: 'string',
  auto_init: 'boolean',
  extra_pod_selectors: 'mapOrMaps',
  links: 'links',
  pod_readiness: 'string',
  discovery_strategy: 'string',
} as const;

function linksOf(fn: string, v: unknown, loc: Loc): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => linkText(x, fn, loc));
}

function triggerModeOf(fn: string, v: string | undefined, loc: Loc): TriggerMode | undefined {
  if (v === undefined) return undefined;
  if (v !== 'auto' && v !== 'manual')
    fail('config-bad-value', `${fn}: trigger_mode must be 'auto' or 'manual', got '${v}'`, loc, 'or use TRIGGER_MODE_AUTO / TRIGGER_MODE_MANUAL');
  return v;
}

export function parsePortForward(v: number | string | PortForward, fn: string, loc: Loc): PortForwardSpec {
  if (typeof v === 'object' && kindOf(v) === 'port_forward') {
    const host = v.host === undefined || v.host === 'localhost' ? '127.0.0.1' : v.host;
    const text = `${v.host ? `${v.host}:` : ''}${v.local_port}:${v.container_port}`;
    return { host, localPort: v.local_port, containerPort: v.container_port, text, name: v.name, linkPath: v.link_path };
  }
  if (typeof v === 'object') fail('config-bad-value', `${fn}: a port forward object must be made by port_forward(local, container)`, loc);
  const text = String(v);
  const parts = text.split(':');
  const port = (s: string): number => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= 0 && n <= 65535))
      fail('config-bad-value', `${fn}: port forward '${text}': '${s}' is not a port in the range 0-65535`, loc, `write 3000, '8000:80' or '127.0.0.1:8000:80'`);
    return n;
  };
  if (parts.length === 1) return { host: '127.0.0.1', localPort: port(parts[0]), containerPort: port(parts[0]), text };
  if (parts.length === 2) return { host: '127.0.0.1', localPort: port(parts[0]), containerPort: port(parts[1]), text };
  if (parts.length === 3 && parts[0])
    return { host: parts[0] === 'localhost' ? '127.0.0.1' : parts[0], localPort: port(parts[1]), containerPort: port(parts[2]), text };
  return fail('config-bad-value', `${fn}: port forward '${text}' is not LOCAL, LOCAL:CONTAINER or HOST:LOCAL:CONTAINER`, loc);
}

/** Configure the resource made for a workload (by name), or group objects into a new resource with new_name + objects. */
export function k8s_resource(workload: string | K8sResourceOptions, options?: K8sResourceOptions): void {
  const fn = 'k8s_resource';
  const { r, loc } = begin(fn);
  let name: string | undefined;
  if (typeof workload === 'object' && workload !== null && !Array.isArray(workload) && options === undefined) {
    options = workload;
  } else {
    checkArg(fn, 'workload', 'string', workload, loc, `k8s_resource('my-deployment', { port_forwards: 8000 })`);
    name = workload as string;
  }
  const o = checkOptions<K8sResourceOptions & Record<string, unknown>>(fn, options, k8sResourceSchema, loc);
  if (!name && !o.new_name) fail('config-bad-value', `${fn}: give the name of a workload, or new_name with objects to group them into a new resource`, loc);
  if (!name && (!o.objects || o.objects.length === 0))
    fail('config-bad-value', `${fn}: a new resource needs objects, e.g. { new_name: 'config', objects: ['my-config:configmap'] }`, loc);
  if (o.pod_readiness !== undefined && o.pod_readiness !== 'wait' && o.pod_readiness !== 'ignore') {
    fail('config-bad-value', `${fn}: pod_readiness must be 'wait' or 'ignore', got '${o.pod_readiness}'`, loc);
  }
  if (o.discovery_strategy !== undefined && o.discovery_strategy !== 'default' && o.discovery_strategy !== 'selectors-only') {
    fail('config-bad-value', `${fn}: discovery_strategy must be 'default' or 'selectors-only', got '${o.discovery_strategy}'`, loc);
  }
  const pf = o.port_forwards === undefined ? [] : Array.isArray(o.port_forwards) ? o.port_forwards : [o.port_forwards];
  r.plan.k8sResources.push({
    workload: name,
    newName: o.new_name,
    portForwards: pf.map((p) => parsePortForward(p, fn, loc)),
    resourceDeps: o.resource_deps ?? [],
    objects: o.objects ?? [],
    labels: toList(o.labels),
    triggerMode: triggerModeOf(fn, o.trigger_mode, loc),
    autoInit: o.auto_init,
    extraPodSelectors: o.extra_pod_selectors === undefined ? [] : Array.isArray(o.extra_pod_selectors) ? o.extra_pod_selectors : [o.extra_pod_selectors],
    links: linksOf(fn, o.links, loc),
    podReadiness: o.pod_readiness,
    discoveryStrategy: o.discovery_strategy,
    loc,
  });
}

export interface K8sKindOptions {
  api_version?: string;
  /** JSONPath(s) to image strings in objects of this kind, e.g. '{.spec.image}'. */
  image_json_path?: string | string[];
  /** Where an image is split into repository and tag fields. */
  image_object?: ImageObjectSpec;
  pod_readiness?: 'wait' | 'ignore' | 'succeeded';
}

/** Objects of this kind are workloads; tell devloop where their images are. */
export function k8s_kind(kind: string, options?: K8sKindOptions): void {
  const fn = 'k8s_kind';
  const { r, loc } = begin(fn);
  checkArg(fn, 'kind', 'string', kind, loc, `k8s_kind('Environment', { image_json_path: '{.spec.image}' })`);
  const o = checkOptions<K8sKindOptions & Record<string, unknown>>(
    fn,
    options,
    { api_version: 'string', image_json_path: 'stringOrStrings', image_object: 'object', pod_readiness: 'string' },
    loc,
  );
  if (o.image_json_path !== undefined && o.image_object !== undefined)
    fail('config-bad-value', `${fn}: give either image_json_path or image_object, not both`, loc);
  if (o.image_object) {
    const keys = ['json_path', 'repo_field', 'tag_field'];
    const bad = Object.keys(o.image_object).filter((k) => !keys.includes(k));
    const missing = keys.filter((k) => typeof (o.image_object as unknown as Record<string, unknown>)[k] !== 'string');
    if (bad.length || missing.length) {
      fail(
        'config-bad-value',
        `${fn}: image_object must be { json_path: string, repo_field: string, tag_field: string }${bad.length ? `; unexpected: ${bad.join(', ')}` : ''}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
        loc,
      );
    }
  }
  if (o.pod_readiness !== undefined && !['wait', 'ignore', 'succeeded'].includes(o.pod_readiness)) {
    fail('config-bad-value', `${fn}: pod_readiness must be 'wait', 'ignore' or 'succeeded', got '${o.pod_readiness}'`, loc);
  }
  r.plan.k8sKinds.push({
    kind,
    apiVersion: o.api_version,
    imageJsonPath: toList(o.image_json_path),
    imageObject: o.image_object,
    podReadiness: o.pod_readiness,
    loc,
  });
}

export interface K8sImageJsonPathOptions {
  api_version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** Where images are in objects matched by kind / name / namespace (regular expressions matched whole). */
export function k8s_image_json_path(paths: string | string[], options?: K8sImageJsonPathOptions): void {
  const fn = 'k8s_image_json_path';
  const { r, loc } = begin(fn);
  checkArg(fn, 'paths', 'stringOrStrings', paths, loc, `k8s_image_json_path('{.spec.image}', { kind: 'Environment' })`);
  const o = checkOptions<K8sImageJsonPathOptions & Record<string, unknown>>(
    fn,
    options,
    { api_version: 'string', kind: 'string', name: 'string', namespace: 'string' },
    loc,
  );
  if (!o.kind && !o.name && !o.namespace) fail('config-bad-value', `${fn}: give at least one of kind, name or namespace`, loc);
  r.plan.imageJsonPaths.push({ paths: toList(paths), apiVersion: o.api_version, kind: o.kind, name: o.name, namespace: o.namespace, loc });
}

// ---------------------------------------------------------------- cluster and registry

export interface DefaultRegistryOptions {
  /** The registry host as the cluster sees it (written into the manifests); pushes use `host`. */
  host_from_cluster?: string;
  /** Put every image in this one repository, with the image name in the tag. */
  single_name?: string;
}

/** Push images to this registry and deploy them from it. An explicit default_registry wins over one the cluster advertises. */
export function default_registry(host: string, options?: DefaultRegistryOptions): void {
  const fn = 'default_registry';
  const { r, loc } = begin(fn);
  checkArg(fn, 'host', 'string', host, loc, `default_registry('localhost:5005')`);
  const o = checkOptions<DefaultRegistryOptions & Record<string, unknown>>(fn, options, { host_from_cluster: 'string', single_name: 'string' }, loc);
  if (r.plan.registry)
    fail(
      'config-duplicate',
      `${fn}: the default registry is already set at ${r.plan.registry.loc.file}:${r.plan.registry.loc.line}`,
      loc,
      'call default_registry() once',
    );
  r.plan.registry = { host, hostFromCluster: o.host_from_cluster, singleName: o.single_name, loc };
}

/** Allow deploying to these kubeconfig contexts even though they do not look like local dev clusters. */
export function allow_k8s_contexts(names: string | string[]): void {
  const fn = 'allow_k8s_contexts';
  const { r, loc } = begin(fn);
  checkArg(fn, 'names', 'stringOrStrings', names, loc, `allow_k8s_contexts('my-context')`);
  r.plan.allowedContexts.push(...toList(names));
}

// ---------------------------------------------------------------- local resources and files

export interface LocalResourceOptions {
  /** A long-running command (a server) started after cmd succeeds, restarted when cmd reruns. */
  serve_cmd?: string | string[];
  deps?: string | string[];
  resource_deps?: string[];
  ignore?: string | string[];
  trigger_mode?: TriggerMode;
  auto_init?: boolean;
  labels?: string | string[];
  env?: Record<string, string>;
  dir?: string;
  /** serve_cmd's environment (default: env) and working directory (default: dir). */
  serve_env?: Record<string, string>;
  serve_dir?: string;
  /** Tilt may run this resource's cmd alongside other updates. */
  allow_parallel?: boolean;
  links?: string | Link | (string | Link)[];
  /** When the serve_cmd is ready: probe({ http_get: http_get_action(8000) }). Default: once it has started. */
  readiness_probe?: Probe;
  /** Used instead of cmd / serve_cmd on Windows. */
  cmd_bat?: string | string[];
  serve_cmd_bat?: string | string[];
}

/** A command run on this machine at start and when its deps change. */
export function local_resource(name: string, cmd?: string | string[], options?: LocalResourceOptions): void {
  const fn = 'local_resource';
  const { r, loc } = begin(fn);
  checkArg(fn, 'name', 'string', name, loc, `local_resource('codegen', 'make gen', { deps: ['api/'] })`);
  if (r.plan.localResources.some((l) => l.name === name)) fail('config-duplicate', `${fn}: a local_resource named '${name}' already exists`, loc);
  if (typeof cmd === 'object' && cmd !== null && !Array.isArray(cmd) && options === undefined) {
    options = cmd as LocalResourceOptions;
    cmd = undefined;
  }
  const o = checkOptions<LocalResourceOptions & Record<string, unknown>>(
    fn,
    options,
    {
      serve_cmd: 'stringOrStrings',
      deps: 'stringOrStrings',
      resource_deps: 'strings',
      ignore: 'stringOrStrings',
      trigger_mode: 'string',
      auto_init: 'boolean',
      labels: 'stringOrStrings',
      env: 'stringMap',
      dir: 'string',
      serve_env: 'stringMap',
      serve_dir: 'string',
      allow_parallel: 'boolean',
      links: 'links',
      readiness_probe: 'object',
      cmd_bat: 'stringOrStrings',
      serve_cmd_bat: 'stringOrStrings',
    },
    loc,
  );
  const win = process.platform === 'win32';
  if (win && o.cmd_bat !== undefined) cmd = o.cmd_bat;
  if (win && o.serve_cmd_bat !== undefined) o.serve_cmd = o.serve_cmd_bat;
  if (o.readiness_probe !== undefined && kindOf(o.readiness_probe) !== 'probe')
    fail('config-bad-type', `${fn}: readiness_probe must be made by probe(...)`, loc, `readiness_probe: probe({ http_get: http_get_action(8000) })`);
  const c = cmd === undefined || cmd === '' ? undefined : argv(fn, 'cmd', cmd, loc);
  const s = o.serve_cmd === undefined ? undefined : argv(fn, 'serve_cmd', o.serve_cmd, loc);
  if (o.readiness_probe !== undefined && !s) fail('config-bad-value', `${fn}: readiness_probe is for a serve_cmd; '${name}' has none`, loc);
  if (!c && !s) fail('config-bad-value', `${fn}: '${name}' needs a cmd or a serve_cmd`, loc);
  r.plan.localResources.push({
    name,
    cmd: c?.cmd,
    cmdText: c?.text,
    serveCmd: s?.cmd,
    serveCmdText: s?.text,
    deps: toList(o.deps).map((d) => laterPath(r, fn, 'dep', d, loc)),
    resourceDeps: o.resource_deps ?? [],
    ignore: toList(o.ignore),
    triggerMode: triggerModeOf(fn, o.trigger_mode, loc),
    autoInit: o.auto_init ?? true,
    labels: toList(o.labels),
    env: o.env ?? {},
    dir: o.dir === undefined ? r.plan.configDir : existing(r, fn, 'dir', o.dir, loc),
    serveEnv: o.serve_env,
    serveDir: o.serve_dir === undefined ? undefined : existing(r, fn, 'serve_dir', o.serve_dir, loc),
    allowParallel: o.allow_parallel,
    links: linksOf(fn, o.links, loc),
    readinessProbe: o.readiness_probe?.spec,
    loc,
  });
}

/** Re-evaluate devloop.ts when this file (or directory) changes. */
export function watch_file(path: string): void {
  const fn = 'watch_file';
  const { r, loc } = begin(fn);
  checkArg(fn, 'path', 'string', path, loc, `watch_file('config/settings.json')`);
  const p = abs(r, path);
  r.plan.watchFiles.push(p);
  addFileRead(r, p);
}

/** Read a file (relative to devloop.ts); devloop re-evaluates the config when it changes. */
export function read_file(path: string, defaultValue?: string): string {
  const fn = 'read_file';
  const { r, loc } = begin(fn);
  checkArg(fn, 'path', 'string', path, loc, `read_file('app.yaml')`);
  const p = abs(r, path);
  addFileRead(r, p);
  let text: string;
  if (!existsSync(p)) {
    if (defaultValue === undefined) existing(r, fn, 'file', path, loc);
    text = String(defaultValue);
  } else {
    text = readFileSync(p, 'utf8');
  }
  r.blobs.set(text, `read_file('${path}')`);
  return text;
}

export interface LocalOptions {
  /** Don't print the command's output. */
  quiet?: boolean;
  env?: Record<string, string>;
  dir?: string;
  /** Don't print the command itself. */
  echo_off?: boolean;
  /** Text given to the command on stdin. */
  stdin?: string;
  /** Used instead of cmd on Windows. */
  command_bat?: string | string[];
}

/** Run a shell command on this machine while the config is evaluated, and return its stdout. */
export function local(cmd: string | string[], options?: LocalOptions): string {
  const fn = 'local';
  const { r, loc } = begin(fn);
  const o = checkOptions<LocalOptions & Record<string, unknown>>(
    fn,
    options,
    {
      quiet: 'boolean',
      env: 'stringMap',
      dir: 'string',
      echo_off: 'boolean',
      stdin: 'string',
      command_bat: 'stringOrStrings',
    },
    loc,
  );
  const c = argv(fn, 'cmd', process.platform === 'win32' && o.command_bat !== undefined ? o.command_bat : cmd, loc);
  const cwd = o.dir === undefined ? r.plan.configDir : existing(r, fn, 'dir', o.dir, loc);
  if (!o.echo_off) r.plan.logs.push(`local: ${c.text}`);
  const res = execaRunner.runSync(c.cmd, { cwd, env: o.env, input: o.stdin });
  if (res.failed) {
    const tail = `${res.stdout}${res.stderr}`.trimEnd().split('\n').slice(-15);
    const notFound = res.exitCode === undefined && /ENOENT/.test(res.summary);
    throw new DevloopError('config-local-failed', `local: command "${c.text}" ${notFound ? 'was not found' : res.summary}`, {
      location: loc,
      details: tail.filter(Boolean),
      hint: `it ran in ${cwd}; fix the command or run it by hand to see why`,
    });
  }
  const out = res.stdout;
  if (!o.quiet) for (const line of out.trimEnd().split('\n')) if (line) r.plan.logs.push(` → ${line}`);
  r.blobs.set(out, `local('${c.text}')`);
  return out;
}

/** The default trigger mode of every resource: 'auto' (build on change) or 'manual' (build when triggered). */
export function trigger_mode(mode: TriggerMode): void {
  const fn = 'trigger_mode';
  const { r, loc } = begin(fn);
  if (r.triggerModeLoc)
    fail('config-duplicate', `${fn} can only be called once; it was already called at ${r.triggerModeLoc.file}:${r.triggerModeLoc.line}`, loc);
  r.plan.triggerMode = triggerModeOf(fn, mode, loc) ?? 'auto';
  r.triggerModeLoc = loc;
}

/** The directory of the running config file. */
export function config_dir(): string {
  return current('config_dir').plan.configDir;
}

// ---------------------------------------------------------------- deploy sources, YAML and extension helpers (own files)

export { kustomize, type KustomizeOptions } from './kustomize.js';
export { helm, type HelmOptions } from './helm.js';
export {
  read_yaml,
  read_yaml_stream,
  decode_yaml,
  decode_yaml_stream,
  encode_yaml,
  encode_yaml_stream,
  read_json,
  decode_json,
  encode_json,
} from './yaml-helpers.js';
export {
  namespace_yaml,
  namespace_create,
  namespace_inject,
  configmap_yaml,
  configmap_create,
  configmap_from_dict,
  secret_yaml_generic,
  secret_create_generic,
  secret_from_dict,
  dotenv,
  type NamespaceYamlOptions,
  type NamespaceCreateOptions,
  type ConfigmapYamlOptions,
  type FromDictOptions,
  type SecretYamlGenericOptions,
  type DotenvOptions,
} from './ext-helpers.js';
export { config, type DefineOptions, type ConfigValue } from './config-args.js';
export { k8s_context, k8s_namespace } from './k8s-context.js';
export { port_forward, link, probe, exec_action, http_get_action, tcp_socket_action, type PortForwardOptions, type ProbeOptions } from './objects.js';
export {
  update_settings,
  ci_settings,
  watch_settings,
  secret_settings,
  version_settings,
  analytics_settings,
  docker_prune_settings,
  set_team,
  enable_feature,
  disable_snapshots,
  type UpdateSettingsOptions,
  type CiSettingsOptions,
  type WatchSettingsOptions,
  type SecretSettingsOptions,
} from './settings.js';
export { workload_to_resource_function, type K8sObjectId } from './workload-names.js';

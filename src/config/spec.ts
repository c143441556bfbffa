/**
 * The Plan: what evaluating devloop.ts records. Plain data; every path is absolute; every spec knows
 * the file:line of the call that made it, so later errors can point back at the config.
 */
import type { SourceLocation } from '../model/errors.js';

export type Loc = SourceLocation;
export type TriggerMode = 'auto' | 'manual';

export interface SyncStep {
  type: 'sync';
  local: string;
  remote: string;
  loc: Loc;
}
export interface RunStep {
  type: 'run';
  cmd: string[];
  shell: boolean;
  triggers: string[];
  loc: Loc;
}
export interface FallBackOnStep {
  type: 'fall_back_on';
  paths: string[];
  loc: Loc;
}
export interface InitialSyncStep {
  type: 'initial_sync';
  loc: Loc;
}
export interface RestartContainerStep {
  type: 'restart_container';
  loc: Loc;
}
/** After the sync and run steps, restart the container's process (its command runs under devloop's supervisor). */
export interface RestartProcessStep {
  type: 'restart_process';
  /** Where the supervisor keeps its state in the container (the extension's restart_file). */
  file: string;
  /** 'restart': when the process exits by itself the container exits with its code; 'continue': it waits for the next update. */
  exitPolicy: 'restart' | 'continue';
  /** Restart only when a changed file is one of these (absolute) paths or under one; empty: on every update. */
  triggers: string[];
  loc: Loc;
}
export type LiveUpdateStep = SyncStep | RunStep | FallBackOnStep | InitialSyncStep | RestartContainerStep | RestartProcessStep;

interface ImageSpecCommon {
  ref: string;
  liveUpdate: LiveUpdateStep[];
  matchInEnvVars: boolean;
  ignore: string[];
  /** argv; a string entrypoint was turned into ['sh', '-c', s]. */
  entrypoint?: string[];
  containerArgs?: string[];
  loc: Loc;
}

export interface DockerBuildSpec extends ImageSpecCommon {
  type: 'docker';
  context: string;
  /** Absolute path of the Dockerfile (also when dockerfile_contents is used: `<context>/Dockerfile`, for the dockerignore lookup). */
  dockerfile: string;
  dockerfileContents?: string;
  buildArgs: Record<string, string>;
  target?: string;
  only: string[];
  extraTag: string[];
  network?: string;
  platform?: string;
  ssh: string[];
  secret: string[];
  cacheFrom: string[];
  pull: boolean;
  extraHosts: string[];
}

export interface CustomBuildSpec extends ImageSpecCommon {
  type: 'custom';
  command: string[];
  shell: boolean;
  commandText: string;
  deps: string[];
  tag?: string;
  disablePush: boolean;
  skipsLocalDocker: boolean;
  outputsImageRefTo?: string;
  imageDeps: string[];
  env: Record<string, string>;
  dir: string;
}

export type ImageSpec = DockerBuildSpec | CustomBuildSpec;

export interface YamlSource {
  /** A file path, or a description such as `read_file(a.yaml)` / `inline YAML` for text. */
  source: string;
  path?: string;
  text: string;
  allowDuplicates: boolean;
  loc: Loc;
}

export interface PortForwardSpec {
  host: string;
  localPort: number;
  containerPort: number;
  text: string;
  name?: string;
  linkPath?: string;
}

/** A readiness probe of a serve_cmd (Tilt's probe()): exactly one action. */
export interface ProbeSpec {
  initialDelaySecs: number;
  timeoutSecs: number;
  periodSecs: number;
  successThreshold: number;
  failureThreshold: number;
  exec?: { command: string[] };
  httpGet?: { host: string; port: number; scheme: 'http' | 'https'; path: string };
  tcpSocket?: { host: string; port: number };
}

export interface K8sResourceSpec {
  workload?: string;
  newName?: string;
  portForwards: PortForwardSpec[];
  resourceDeps: string[];
  objects: string[];
  labels: string[];
  triggerMode?: TriggerMode;
  autoInit?: boolean;
  extraPodSelectors: Record<string, string>[];
  links: string[];
  podReadiness?: 'wait' | 'ignore';
  /** Tilt's discovery_strategy: 'default' or 'selectors-only' (pods found only by labels and extra_pod_selectors). */
  discoveryStrategy?: 'default' | 'selectors-only';
  loc: Loc;
}

export interface ImageObjectSpec {
  json_path: string;
  repo_field: string;
  tag_field: string;
}

export interface K8sKindSpec {
  kind: string;
  apiVersion?: string;
  imageJsonPath: string[];
  imageObject?: ImageObjectSpec;
  podReadiness?: 'wait' | 'ignore' | 'succeeded';
  loc: Loc;
}

export interface ImageJsonPathSpec {
  paths: string[];
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  loc: Loc;
}

export interface RegistrySpec {
  host: string;
  hostFromCluster?: string;
  singleName?: string;
  loc: Loc;
}

export interface LocalResourceSpec {
  name: string;
  cmd?: string[];
  cmdText?: string;
  serveCmd?: string[];
  serveCmdText?: string;
  deps: string[];
  resourceDeps: string[];
  ignore: string[];
  triggerMode?: TriggerMode;
  autoInit: boolean;
  labels: string[];
  env: Record<string, string>;
  dir: string;
  /** serve_cmd's environment and directory (default: env and dir). */
  serveEnv?: Record<string, string>;
  serveDir?: string;
  allowParallel?: boolean;
  links?: string[];
  readinessProbe?: ProbeSpec;
  loc: Loc;
}

/** update_settings, ci_settings, watch_settings, secret_settings. */
export interface Settings {
  maxParallelUpdates?: number;
  k8sUpsertTimeoutSecs?: number;
  suppressUnusedImageWarnings?: string[];
  ciTimeoutSecs?: number;
  ciReadinessTimeoutSecs?: number;
  watchIgnore?: string[];
  /** secret_settings(disable_scrub=True): Secret values are not scrubbed from logs. */
  disableScrub?: boolean;
}

export interface Plan {
  configFile: string;
  configDir: string;
  images: ImageSpec[];
  yaml: YamlSource[];
  k8sResources: K8sResourceSpec[];
  k8sKinds: K8sKindSpec[];
  imageJsonPaths: ImageJsonPathSpec[];
  registry?: RegistrySpec;
  allowedContexts: string[];
  localResources: LocalResourceSpec[];
  triggerMode: TriggerMode;
  /** Paths given to watch_file(). */
  watchFiles: string[];
  /** Every file the evaluation read or looked at (config and its imports, YAML, Dockerfiles, ignore files, read_file, watch_file). */
  filesRead: string[];
  warnings: { message: string; loc?: Loc }[];
  /** Lines the config produced (local() commands and their output), for the CLI to show. */
  logs: string[];
  /** Settings functions' values (absent: defaults). */
  settings?: Settings;
  /** The command-line arguments after the resource names / `--` (Tilt's config args). */
  args?: string[];
  /** config.parse() or config.clear_enabled_resources() was called: the args do not name resources. */
  argsParsed?: boolean;
  /** config.set_enabled_resources(): only these (and their resource_deps) run; an empty list: all. */
  enabledResources?: string[];
  /** config.clear_enabled_resources() with no set_enabled_resources() after it: none run (but uncategorized). */
  disableAll?: boolean;
  /** workload_to_resource_function(): resource names by workload key (workload-names.ts). */
  workloadNames?: Record<string, string>;
  /** Where set_enabled_resources() was called, for errors about the names. */
  enabledResourcesLoc?: Loc;
}

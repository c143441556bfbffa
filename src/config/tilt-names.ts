/**
 * What each Tiltfile name is in devloop: the parameter order of Tilt's builtins (so keyword arguments and extra
 * positional arguments can move into devloop's trailing options object), the extensions `load('ext://...')` brings
 * in and the devloop function that stands for each, and what to use for the names devloop does not have.
 * Used by `devloop init --from Tiltfile` and by the porting hints of config errors.
 */

export interface TiltSignature {
  /** Tilt's parameters in order. */
  params: string[];
  /** How many leading parameters devloop takes positionally; the rest go into the trailing options object. */
  positional: number;
  /** false: devloop takes no options object (every parameter is positional). */
  options?: boolean;
}

const sig = (positional: number, params: string, options = true): TiltSignature => ({ params: params.split(/\s+/).filter(Boolean), positional, options });

/** Tilt builtins (and extension functions) with their parameter order. */
export const TILT_SIGNATURES: Record<string, TiltSignature> = {
  docker_build: sig(
    2,
    'ref context build_args dockerfile dockerfile_contents live_update match_in_env_vars ignore only entrypoint target ssh network secret extra_tag container_args cache_from pull platform extra_hosts',
  ),
  custom_build: sig(
    2,
    'ref command deps tag disable_push skips_local_docker live_update match_in_env_vars ignore entrypoint command_bat_val outputs_image_ref_to command_bat image_deps env dir',
  ),
  default_registry: sig(1, 'host host_from_cluster single_name'),
  k8s_yaml: sig(1, 'yaml allow_duplicates'),
  k8s_resource: sig(
    1,
    'workload new_name port_forwards extra_pod_selectors trigger_mode resource_deps objects auto_init pod_readiness links labels discovery_strategy',
  ),
  k8s_kind: sig(1, 'kind api_version image_json_path image_object pod_readiness'),
  k8s_image_json_path: sig(1, 'paths api_version kind name namespace'),
  local_resource: sig(
    2,
    'name cmd deps trigger_mode resource_deps ignore auto_init serve_cmd cmd_bat serve_cmd_bat allow_parallel links labels env serve_env readiness_probe dir serve_dir',
  ),
  sync: sig(2, 'local_path remote_path', false),
  run: sig(1, 'cmd trigger echo_off'),
  fall_back_on: sig(1, 'files', false),
  initial_sync: sig(0, '', false),
  restart_container: sig(0, '', false),
  trigger_mode: sig(1, 'trigger_mode', false),
  allow_k8s_contexts: sig(1, 'contexts', false),
  local: sig(1, 'command quiet command_bat echo_off env dir stdin'),
  read_file: sig(2, 'path default', false),
  watch_file: sig(1, 'path', false),
  kustomize: sig(1, 'paths kustomize_bin flags'),
  helm: sig(1, 'paths name namespace values set kube_version skip_crds'),
  read_yaml: sig(2, 'path default', false),
  read_yaml_stream: sig(2, 'path default', false),
  read_json: sig(2, 'path default', false),
  decode_yaml: sig(1, 'yaml', false),
  decode_yaml_stream: sig(1, 'yaml', false),
  encode_yaml: sig(1, 'obj', false),
  encode_yaml_stream: sig(1, 'objs', false),
  decode_json: sig(1, 'json', false),
  encode_json: sig(1, 'obj', false),
  port_forward: sig(2, 'local_port container_port name link_path host'),
  link: sig(2, 'url name', false),
  update_settings: sig(0, 'max_parallel_updates k8s_upsert_timeout_secs suppress_unused_image_warnings k8s_server_side_apply'),
  ci_settings: sig(0, 'k8s_grace_period timeout readiness_timeout'),
  watch_settings: sig(0, 'ignore'),
  secret_settings: sig(0, 'disable_scrub'),
  version_settings: sig(0, 'check_updates constraint'),
  docker_prune_settings: sig(0, 'disable max_age_mins num_builds interval_hrs keep_recent'),
  filter_yaml: sig(1, 'yaml labels name namespace kind api_version'),
  k8s_context: sig(0, '', false),
  k8s_namespace: sig(0, '', false),
  // extensions
  namespace_create: sig(1, 'name allow_duplicates annotations labels'),
  namespace_yaml: sig(1, 'name annotations labels'),
  namespace_inject: sig(2, 'x ns', false),
  configmap_create: sig(1, 'name namespace from_file watch from_env_file'),
  configmap_yaml: sig(1, 'name namespace from_file watch from_env_file'),
  configmap_from_dict: sig(1, 'name namespace inputs'),
  secret_create_generic: sig(1, 'name namespace from_file secret_type from_env_file'),
  secret_yaml_generic: sig(1, 'name namespace from_file secret_type from_env_file'),
  secret_from_dict: sig(1, 'name namespace inputs'),
  dotenv: sig(1, 'fn showValues'),
  docker_build_with_restart: sig(3, 'ref context entrypoint live_update base_suffix restart_file trigger exit_policy'),
  custom_build_with_restart: sig(4, 'ref command deps entrypoint live_update base_suffix restart_file trigger exit_policy'),
};

export interface ExtensionPort {
  /** The functions the extension defines. */
  symbols: string[];
  /** A devloop function standing for a symbol under another name (e.g. docker_build for docker_build_with_restart). */
  renames?: Record<string, string>;
  /** What to check or do when porting it. */
  advice: string;
}

/** Tilt extensions (`load('ext://NAME', ...)`) and what devloop has for them. */
export const EXTENSIONS: Record<string, ExtensionPort> = {
  restart_process: {
    symbols: ['docker_build_with_restart', 'custom_build_with_restart'],
    advice: 'devloop has these under the same names (a POSIX-sh supervisor, no helper image)',
  },
  namespace: { symbols: ['namespace_create', 'namespace_yaml', 'namespace_inject'], advice: 'devloop has these under the same names' },
  configmap: { symbols: ['configmap_create', 'configmap_yaml', 'configmap_from_dict'], advice: 'devloop has these under the same names' },
  secret: { symbols: ['secret_create_generic', 'secret_yaml_generic', 'secret_from_dict'], advice: 'devloop has these under the same names' },
  dotenv: { symbols: ['dotenv'], advice: 'devloop has dotenv() under the same name' },
  helm_remote: {
    symbols: ['helm_remote'],
    advice: "render the chart with helm() or k8s_yaml(local('helm template NAME REPO/CHART --version V')), and watch_file() the values files",
  },
  helm_resource: {
    symbols: ['helm_resource', 'helm_repo'],
    advice:
      "devloop has no Helm releases: render the chart with helm() or k8s_yaml(local('helm template ...')); images are injected into the rendered manifests",
  },
  uibutton: {
    symbols: ['cmd_button', 'text_input', 'bool_input', 'choice_input', 'location'],
    advice: 'devloop has no web UI: run the command with `devloop trigger` on a local_resource (trigger_mode: manual)',
  },
  min_tilt_version: { symbols: ['min_tilt_version'], advice: 'not needed: remove it' },
};

/** What to use instead of a Tilt name devloop does not have (builtins, Starlark functions, extension functions). */
export const INSTEAD: Record<string, string> = {
  load: "write an import at the top: import { name } from 'devloop' for an extension devloop has, import { name } from './file' for your own code",
  include: "import './other.ts' (port that Tiltfile to TypeScript too)",
  load_dynamic: "await import('./other.ts')",
  print: "console.log(...): it goes to the config's log",
  warn: 'console.warn(...)',
  fail: "throw new Error('...'): devloop reports it with the file and line",
  exit: 'end the config with return in a default-exported function, or throw an Error',
  struct: 'an object literal: { a: 1, b: 2 }',
  blob: 'a plain string',
  str: 'String(x) or a template literal `${x}`',
  len: 'x.length',
  listdir: "readdirSync(dir) from 'node:fs' (not watched: add watch_file(dir))",
  os: "process.env, process.cwd(), and 'node:path' / 'node:fs' for os.path",
  True: 'true',
  False: 'false',
  None: 'null (or undefined for an option left out)',
  docker_compose: 'devloop deploys to Kubernetes only: write the services as Kubernetes manifests and k8s_yaml() them',
  dc_resource: 'devloop deploys to Kubernetes only: use k8s_resource() on the workloads',
  k8s_custom_deploy: "deploy with k8s_yaml(local('your render command')) so devloop applies the output and injects images",
  helm: "k8s_yaml(local('helm template NAME CHART -f values.yaml')) plus watch_file() on the chart and values",
  kustomize: "k8s_yaml(local('kubectl kustomize DIR')) plus watch_file(DIR)",
  filter_yaml: 'read and filter the objects in TypeScript before k8s_yaml()',
  read_json: 'JSON.parse(read_file(path)) (read_file keeps the file watched)',
  read_yaml: 'read_file(path) parsed with a YAML library (e.g. the yaml package from npm)',
  read_yaml_stream: 'read_file(path) parsed with a YAML library (e.g. the yaml package from npm)',
  decode_yaml: 'a YAML library (e.g. the yaml package from npm)',
  decode_yaml_stream: 'a YAML library (e.g. the yaml package from npm)',
  encode_yaml: 'a YAML library (e.g. the yaml package from npm)',
  encode_yaml_stream: 'a YAML library (e.g. the yaml package from npm)',
  decode_json: 'JSON.parse(text)',
  encode_json: 'JSON.stringify(value)',
  local_git_repo: 'local() with git commands',
};
for (const [name, ext] of Object.entries(EXTENSIONS)) {
  for (const s of ext.symbols) INSTEAD[s] ??= `${ext.renames?.[s] ? `${ext.renames[s]}(): ` : ''}${ext.advice} (Tilt's ext://${name})`;
}

/** The extension that defines a symbol, if any. */
export function extensionOf(symbol: string): string | undefined {
  return Object.entries(EXTENSIONS).find(([, e]) => e.symbols.includes(symbol))?.[0];
}

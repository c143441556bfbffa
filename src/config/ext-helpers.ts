/**
 * The helpers of Tilt's most used extensions, with their signatures (keyword arguments in one trailing object):
 * namespace (namespace_yaml, namespace_create, namespace_inject), configmap (configmap_yaml, configmap_create,
 * configmap_from_dict), secret (secret_yaml_generic, secret_create_generic, secret_from_dict) and dotenv.
 * ConfigMaps and Secrets are made as `kubectl create ... --dry-run=client` makes them (kubectl-create.ts); the
 * files they read are watched.
 */
import { readdirSync, statSync } from 'node:fs';
import { k8s_yaml } from './api.js';
import { asBlob, beginCall, failAt, isYamlText, readWatched, type Call } from './helper-call.js';
import { CreateError, makeConfigMap, makeSecret, type KubeObject } from './kubectl-create.js';
import { checkArg, checkOptions, toList } from './options.js';
import { abs, addFileRead } from './recorder.js';
import { parseYamlStream, toYaml, toYamlStream, YamlParseError } from './yaml-codec.js';

// ---------------------------------------------------------------- namespace

export interface NamespaceYamlOptions {
  /** `'key: value'` strings (as the extension takes them) or an object. */
  annotations?: string[] | Record<string, string>;
  labels?: string[] | Record<string, string>;
}

function keyValues(c: Call, what: string, v: string[] | Record<string, string> | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    if (typeof v !== 'object' || v === null || Object.values(v).some((x) => typeof x !== 'string'))
      failAt('config-bad-type', `${c.fn}: ${what} must be a list of 'key: value' strings or an object of strings`, c.loc);
    return Object.keys(v).length ? v : undefined;
  }
  const out: Record<string, string> = {};
  for (const s of v) {
    const m = typeof s === 'string' ? /^\s*([^:\s][^:]*?)\s*:\s*(.*?)\s*$/.exec(s) : null;
    if (!m) failAt('config-bad-value', `${c.fn}: ${what} entry ${JSON.stringify(s)} is not 'key: value'`, c.loc, `for example { ${what}: ['team: web'] }`);
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return Object.keys(out).length ? out : undefined;
}

function namespaceObject(c: Call, name: string, o: NamespaceYamlOptions): KubeObject {
  checkArg(c.fn, 'name', 'string', name, c.loc, `${c.fn}('dev')`);
  const annotations = keyValues(c, 'annotations', o.annotations);
  const labels = keyValues(c, 'labels', o.labels);
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) } };
}

/** YAML of a Namespace. */
export function namespace_yaml(name: string, options?: NamespaceYamlOptions): string {
  const c = beginCall('namespace_yaml');
  const o = checkOptions<NamespaceYamlOptions & Record<string, unknown>>(c.fn, options, { annotations: 'any', labels: 'any' }, c.loc);
  return asBlob(c, toYaml(namespaceObject(c, name, o)), `namespace_yaml('${name}')`);
}

export interface NamespaceCreateOptions extends NamespaceYamlOptions {
  /** Allow the same namespace to be created by another k8s_yaml as well. */
  allow_duplicates?: boolean;
}

/** Deploys a Namespace (k8s_yaml of namespace_yaml). */
export function namespace_create(name: string, options?: NamespaceCreateOptions): void {
  const c = beginCall('namespace_create');
  const o = checkOptions<NamespaceCreateOptions & Record<string, unknown>>(
    c.fn,
    options,
    { allow_duplicates: 'boolean', annotations: 'any', labels: 'any' },
    c.loc,
  );
  const yaml = asBlob(c, toYaml(namespaceObject(c, name, o)), `namespace_create('${name}')`);
  k8s_yaml(yaml, { allow_duplicates: o.allow_duplicates ?? false });
}

function setTemplateNamespace(v: unknown, ns: string): void {
  if (Array.isArray(v)) {
    for (const x of v) setTemplateNamespace(x, ns);
    return;
  }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const m = (x as { metadata?: unknown } | null)?.metadata;
    if (k === 'template' && x && typeof x === 'object' && !Array.isArray(x) && m && typeof m === 'object' && !Array.isArray(m))
      (m as Record<string, unknown>).namespace = ns;
    if (x && typeof x === 'object') setTemplateNamespace(x, ns);
  }
}

/**
 * Sets the namespace of every object in `yaml` (a file path, or YAML text such as read_file()/kustomize() return)
 * to `ns`, also in pod templates and in ServiceAccount subjects of role bindings; returns the YAML.
 */
export function namespace_inject(yaml: string, ns: string): string {
  const c = beginCall('namespace_inject');
  checkArg(c.fn, 'yaml', 'string', yaml, c.loc, `k8s_yaml(namespace_inject(read_file('app.yaml'), 'dev'))`);
  checkArg(c.fn, 'ns', 'string', ns, c.loc, `namespace_inject('app.yaml', 'dev')`);
  let text = yaml;
  let file: string | undefined;
  if (!isYamlText(c, yaml)) {
    const f = readWatched(c, yaml, 'file');
    text = f.text as string;
    file = f.path;
  }
  let docs: unknown[];
  try {
    docs = parseYamlStream(text);
  } catch (e) {
    if (!(e instanceof YamlParseError)) throw e;
    return failAt(
      'config-yaml-invalid',
      `${c.fn}: invalid YAML${file ? '' : ' in the text given'}: ${e.info.message}`,
      file ? { file, line: e.info.line } : c.loc,
    );
  }
  for (const d of docs) {
    const o = d as Record<string, unknown>;
    const meta = o && typeof o === 'object' && !Array.isArray(o) ? o.metadata : undefined;
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
      failAt('config-bad-value', `${c.fn}: cannot inject a namespace into an object without a metadata field:\n${toYaml(d)}`, c.loc);
    }
    (meta as Record<string, unknown>).namespace = ns;
    setTemplateNamespace(o, ns);
    for (const [k, v] of Object.entries(o)) {
      if (k !== 'subjects' || !Array.isArray(v)) continue;
      for (const s of v)
        if (s && typeof s === 'object' && (s as Record<string, unknown>).kind === 'ServiceAccount') (s as Record<string, unknown>).namespace = ns;
    }
  }
  return asBlob(c, toYamlStream(docs), `namespace_inject(${file ? `'${yaml}'` : 'YAML'}, '${ns}')`);
}

// ---------------------------------------------------------------- configmap and secret

/** Records the files a --from-file / --from-env-file source reads (each file of a directory). */
function watchSources(c: Call, fromFile: string[], envFiles: string[]): void {
  for (const s of fromFile) {
    const p = abs(c.r, s.includes('=') ? s.slice(s.indexOf('=') + 1) : s);
    addFileRead(c.r, p);
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      for (const e of readdirSync(p, { withFileTypes: true })) if (e.isFile()) addFileRead(c.r, `${p}/${e.name}`);
    }
  }
  for (const e of envFiles) addFileRead(c.r, abs(c.r, e));
}

function made(c: Call, what: string, make: () => KubeObject): KubeObject {
  try {
    return make();
  } catch (e) {
    if (e instanceof CreateError)
      failAt('config-bad-value', `${c.fn}: ${e.message}`, c.loc, `paths are relative to ${c.r.plan.configDir}; this follows \`kubectl create ${what}\``);
    throw e;
  }
}

export interface ConfigmapYamlOptions {
  namespace?: string;
  /** `'path'` or `'key=path'` (a directory adds each file in it), or a list of them. */
  from_file?: string | string[];
  /** Re-evaluate when the files change (default true). */
  watch?: boolean;
  /** A file of KEY=VALUE lines. */
  from_env_file?: string;
}

const configmapSchema = { namespace: 'string', from_file: 'stringOrStrings', watch: 'boolean', from_env_file: 'string' } as const;

function configmapText(c: Call, name: string, o: ConfigmapYamlOptions): string {
  checkArg(c.fn, 'name', 'string', name, c.loc, `${c.fn}('app-config', { from_file: ['config.ini'] })`);
  if (o.from_file !== undefined && o.from_env_file !== undefined)
    failAt('config-bad-value', `${c.fn}: give either from_file or from_env_file, not both`, c.loc);
  const fromFile = toList(o.from_file);
  const envFiles = toList(o.from_env_file);
  if (!fromFile.length && !envFiles.length)
    failAt('config-bad-value', `${c.fn}: no configmap source given`, c.loc, `give from_file: ['key=path'] or from_env_file: '.env'`);
  if (o.watch !== false) watchSources(c, fromFile, envFiles);
  const cm = made(c, 'configmap', () => makeConfigMap(name, o.namespace || undefined, { fromFile, fromEnvFile: envFiles }, (p) => abs(c.r, p)));
  return asBlob(c, toYaml(cm), `${c.fn}('${name}')`);
}

/** YAML of a ConfigMap made from files or an env file. */
export function configmap_yaml(name: string, options?: ConfigmapYamlOptions): string {
  const c = beginCall('configmap_yaml');
  return configmapText(c, name, checkOptions<ConfigmapYamlOptions & Record<string, unknown>>(c.fn, options, configmapSchema, c.loc));
}

/** Deploys a ConfigMap made from files or an env file. */
export function configmap_create(name: string, options?: ConfigmapYamlOptions): void {
  const c = beginCall('configmap_create');
  k8s_yaml(configmapText(c, name, checkOptions<ConfigmapYamlOptions & Record<string, unknown>>(c.fn, options, configmapSchema, c.loc)));
}

export interface FromDictOptions {
  namespace?: string;
  /** Keys and values (values are turned into strings; no nesting). */
  inputs?: Record<string, string | number | boolean>;
}

function literals(c: Call, inputs: unknown): string[] {
  if (inputs === undefined) return [];
  if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) failAt('config-bad-type', `${c.fn}: inputs must be an object of keys and values`, c.loc);
  return Object.entries(inputs as Record<string, unknown>).map(([k, v]) => {
    if (v !== null && typeof v === 'object')
      failAt('config-bad-value', `${c.fn}: inputs.${k} is nested; only strings, numbers and booleans can be values`, c.loc);
    return `${k}=${String(v)}`;
  });
}

/** YAML of a ConfigMap with these keys and values. */
export function configmap_from_dict(name: string, options?: FromDictOptions): string {
  const c = beginCall('configmap_from_dict');
  checkArg(c.fn, 'name', 'string', name, c.loc, `configmap_from_dict('app', { inputs: { LOG_LEVEL: 'debug' } })`);
  const o = checkOptions<FromDictOptions & Record<string, unknown>>(c.fn, options, { namespace: 'string', inputs: 'object' }, c.loc);
  const cm = made(c, 'configmap', () => makeConfigMap(name, o.namespace || undefined, { fromLiteral: literals(c, o.inputs) }, (p) => abs(c.r, p)));
  return asBlob(c, toYaml(cm), `configmap_from_dict('${name}')`);
}

export interface SecretYamlGenericOptions {
  namespace?: string;
  /** `'path'` or `'key=path'` (a directory adds each file in it), or a list of them. */
  from_file?: string | string[];
  /** e.g. 'kubernetes.io/dockerconfigjson'. */
  secret_type?: string;
  /** A file of KEY=VALUE lines. */
  from_env_file?: string;
}

const secretSchema = { namespace: 'string', from_file: 'stringOrStrings', secret_type: 'string', from_env_file: 'string' } as const;

function secretText(c: Call, name: string, o: SecretYamlGenericOptions): string {
  checkArg(c.fn, 'name', 'string', name, c.loc, `${c.fn}('creds', { from_file: ['key=path/to/file'] })`);
  const fromFile = toList(o.from_file);
  const envFiles = toList(o.from_env_file);
  if (!fromFile.length && !envFiles.length)
    failAt('config-bad-value', `${c.fn}: no secret source given`, c.loc, `give from_file: ['key=path'] or from_env_file: '.env'`);
  watchSources(c, fromFile, envFiles);
  const s = made(c, 'secret generic', () => makeSecret(name, o.namespace || undefined, { fromFile, fromEnvFile: envFiles }, (p) => abs(c.r, p), o.secret_type));
  return asBlob(c, toYaml(s), `${c.fn}('${name}')`);
}

/** YAML of a generic Secret made from files or an env file. */
export function secret_yaml_generic(name: string, options?: SecretYamlGenericOptions): string {
  const c = beginCall('secret_yaml_generic');
  return secretText(c, name, checkOptions<SecretYamlGenericOptions & Record<string, unknown>>(c.fn, options, secretSchema, c.loc));
}

/** Deploys a generic Secret made from files or an env file. */
export function secret_create_generic(name: string, options?: SecretYamlGenericOptions): void {
  const c = beginCall('secret_create_generic');
  k8s_yaml(secretText(c, name, checkOptions<SecretYamlGenericOptions & Record<string, unknown>>(c.fn, options, secretSchema, c.loc)));
}

/** YAML of a generic Secret with these keys and values. */
export function secret_from_dict(name: string, options?: FromDictOptions): string {
  const c = beginCall('secret_from_dict');
  checkArg(c.fn, 'name', 'string', name, c.loc, `secret_from_dict('creds', { inputs: { PASSWORD: 'dev' } })`);
  const o = checkOptions<FromDictOptions & Record<string, unknown>>(c.fn, options, { namespace: 'string', inputs: 'object' }, c.loc);
  const s = made(c, 'secret generic', () => makeSecret(name, o.namespace || undefined, { fromLiteral: literals(c, o.inputs) }, (p) => abs(c.r, p)));
  return asBlob(c, toYaml(s), `secret_from_dict('${name}')`);
}

// ---------------------------------------------------------------- dotenv

export interface DotenvOptions {
  /** The file (default '.env', relative to devloop.ts). */
  fn?: string;
  /** Log each variable loaded. */
  verbose?: boolean;
  /** With verbose, log the values too. */
  showValues?: boolean;
}

/**
 * Loads KEY=VALUE lines of an env file into process.env (later local() calls and commands see them), as the
 * dotenv extension does: `#` comment lines, values trimmed, one pair of surrounding quotes removed, a double-quoted
 * value may span lines. A missing file is a warning. The file is watched.
 */
export function dotenv(fn?: string | DotenvOptions, options?: DotenvOptions): void {
  const c = beginCall('dotenv');
  if (typeof fn === 'object' && fn !== null && options === undefined) {
    options = fn;
    fn = undefined;
  }
  const o = checkOptions<DotenvOptions & Record<string, unknown>>(c.fn, options, { fn: 'string', verbose: 'boolean', showValues: 'boolean' }, c.loc);
  const file = (fn as string | undefined) ?? o.fn ?? '.env';
  checkArg(c.fn, 'fn', 'string', file, c.loc, `dotenv('.env.local')`);
  const f = readWatched(c, file, 'env file', true);
  if (f.text === undefined) {
    c.r.plan.warnings.push({ message: `dotenv: environment variables file not found: '${file}'`, loc: c.loc });
    return;
  }
  if (o.verbose) c.r.plan.logs.push(`dotenv: loading environment variables from file: '${file}'`);
  const lines = f.text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (line.length > 0)
        failAt(
          'config-bad-value',
          `dotenv: invalid line ${JSON.stringify(line)}: expected KEY=VALUE`,
          { file: f.path, line: i + 1 },
          'fix the line, or start it with # to make it a comment',
        );
      continue;
    }
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('"') && !value.endsWith('"')) {
      const parts = [line.slice(eq + 1).trimStart()];
      while (i + 1 < lines.length) {
        const next = lines[++i];
        if (next.trimEnd().endsWith('"')) {
          parts.push(next.trimEnd());
          break;
        }
        parts.push(next);
      }
      value = parts.join('\n');
    }
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    if (o.verbose) c.r.plan.logs.push(`dotenv: loading environment variable: ${o.showValues ? `${name}=${value}` : name}`);
    process.env[name] = value;
  }
}

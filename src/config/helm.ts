/**
 * helm(chart, { name, namespace, values, set, kube_version, skip_crds }): `helm template` as Tilt runs it,
 * returning the YAML for k8s_yaml(). The chart directory (every file in it), local subcharts and the values
 * files are recorded as read; test templates are left out; with `namespace`, objects without one get it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { abs, addFileRead } from './recorder.js';
import { asBlob, beginCall, failAt, type Call } from './helper-call.js';
import { findOnPath, runTool } from './local-tool.js';
import { checkArg, checkOptions, toList } from './options.js';
import { parseYamlStream, toYamlStream } from './yaml-codec.js';

export interface HelmOptions {
  /** The release name (default 'chart', so it is stable across evaluations). */
  name?: string;
  /** Passed as --namespace, and set on every rendered object that has none. */
  namespace?: string;
  /** Values files (relative to devloop.ts), passed as --values in order; they are watched. */
  values?: string | string[];
  /** `key=value` settings passed as --set. */
  set?: string | string[];
  /** Passed as --kube-version. */
  kube_version?: string;
  /** Leave the chart's CRDs out (by default they are included with --include-crds). */
  skip_crds?: boolean;
}

export const HELM_INSTALL_HINT =
  'install Helm 3 and put `helm` on PATH: https://helm.sh/docs/intro/install/ ' +
  '(for example `curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash`), then run devloop again';

/** Kinds that are never namespaced: helm()'s namespace is not set on them. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'PodSecurityPolicy',
  'ComponentStatus',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

type HelmVersion = 'v2' | 'v3.0' | 'v3.1+';

export function parseHelmVersion(out: string): HelmVersion | undefined {
  const lines = out.trim().split('\n');
  const v = lines[lines.length - 1].trim();
  if (v.startsWith('v3.0.')) return 'v3.0';
  if (/^v[3-9]\./.test(v)) return 'v3.1+';
  if (v.startsWith('Client: v2')) return 'v2';
  return undefined;
}

/** Drops the documents helm renders from a chart's tests/ templates. */
export function withoutTestTemplates(yaml: string): string {
  return yaml
    .split('---\n')
    .filter((doc) => !doc.split('\n').some((l) => /^# Source: .*\/tests\//.test(l)))
    .join('---\n');
}

function filesUnder(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '.git' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
}

/** `file://` dependencies of a chart (requirements.yaml of Helm 2, Chart.yaml of Helm 3), relative to the chart. */
function localSubcharts(chart: string): string[] {
  const out: string[] = [];
  for (const f of ['requirements.yaml', 'Chart.yaml']) {
    let doc: unknown;
    try {
      doc = parseYamlStream(readFileSync(join(chart, f), 'utf8'))[0];
    } catch {
      continue;
    }
    const deps = (doc as { dependencies?: unknown } | undefined)?.dependencies;
    if (!Array.isArray(deps)) continue;
    for (const d of deps) {
      const repo = (d as { repository?: unknown })?.repository;
      if (typeof repo === 'string' && repo.startsWith('file://')) out.push(join(chart, repo.slice('file://'.length)));
    }
  }
  return out;
}

function watchTree(c: Call, dir: string): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) {
    addFileRead(c.r, dir);
    return;
  }
  if (!st.isDirectory()) {
    addFileRead(c.r, dir);
    return;
  }
  const files: string[] = [];
  filesUnder(dir, files);
  for (const f of files) addFileRead(c.r, f);
}

function helmVersion(c: Call): HelmVersion {
  if (!findOnPath('helm')) failAt('config-helm-missing', `${c.fn}: the \`helm\` binary was not found on PATH`, c.loc, HELM_INSTALL_HINT);
  const out = runTool(c, 'config-helm-failed', ['helm', 'version', '--client', '--short'], c.r.plan.configDir, 'check that `helm version` works in a terminal');
  const v = parseHelmVersion(out);
  if (!v)
    failAt(
      'config-helm-failed',
      `${c.fn}: could not read the Helm version from \`helm version --client --short\`: ${JSON.stringify(out.trim())}`,
      c.loc,
      HELM_INSTALL_HINT,
    );
  return v;
}

function crdsOf(chart: string): string[] {
  const files: string[] = [];
  try {
    filesUnder(join(chart, 'crds'), files);
  } catch {
    return [];
  }
  return files
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => readFileSync(f, 'utf8'));
}

function injectNamespace(c: Call, yaml: string, namespace: string): string {
  let docs: unknown[];
  try {
    docs = parseYamlStream(yaml);
  } catch (e) {
    return failAt(
      'config-helm-failed',
      `${c.fn}: helm rendered YAML that does not parse: ${(e as Error).message}`,
      c.loc,
      'run the helm template command by hand to see its output',
    );
  }
  for (const d of docs) {
    const o = d as { kind?: unknown; metadata?: Record<string, unknown> };
    if (!o || typeof o !== 'object' || typeof o.kind !== 'string' || CLUSTER_SCOPED.has(o.kind)) continue;
    o.metadata = o.metadata && typeof o.metadata === 'object' ? o.metadata : {};
    if (typeof o.metadata.namespace !== 'string' || !o.metadata.namespace) o.metadata.namespace = namespace;
  }
  return toYamlStream(docs);
}

/** Renders the Helm chart in `chart` (a directory relative to devloop.ts) with `helm template` and returns its YAML. */
export function helm(chart: string, options?: HelmOptions): string {
  const c = beginCall('helm');
  checkArg(c.fn, 'chart', 'string', chart, c.loc, `k8s_yaml(helm('charts/app', { values: ['values-dev.yaml'] }))`);
  const o = checkOptions<HelmOptions & Record<string, unknown>>(
    c.fn,
    options,
    {
      name: 'string',
      namespace: 'string',
      values: 'stringOrStrings',
      set: 'stringOrStrings',
      kube_version: 'string',
      skip_crds: 'boolean',
    },
    c.loc,
  );
  const dir = abs(c.r, chart);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) {
    addFileRead(c.r, dir);
    failAt(
      'config-path-missing',
      `${c.fn}: the chart directory '${chart}' does not exist (looked for ${dir})`,
      c.loc,
      "give the directory that holds the chart's Chart.yaml, relative to devloop.ts",
    );
  }
  if (!st.isDirectory()) failAt('config-bad-value', `${c.fn}: '${chart}' is not a directory; helm() takes a chart directory (with Chart.yaml)`, c.loc);
  watchTree(c, dir);
  for (const sub of localSubcharts(dir)) watchTree(c, sub);
  const values = toList(o.values);
  for (const v of values) addFileRead(c.r, abs(c.r, v));

  const version = helmVersion(c);
  const argv = ['helm', 'template', o.name || 'chart', dir];
  if (o.namespace) argv.push('--namespace', o.namespace);
  if (o.kube_version) argv.push('--kube-version', o.kube_version);
  if (!o.skip_crds && version === 'v3.1+') argv.push('--include-crds');
  for (const v of values) argv.push('--values', v);
  for (const s of toList(o.set)) argv.push('--set', s);
  let yaml = withoutTestTemplates(
    runTool(
      c,
      'config-helm-failed',
      argv,
      c.r.plan.configDir,
      `fix the chart or its values (the message above is helm's); run the command in ${c.r.plan.configDir} by hand to check`,
    ),
  );
  // Helm 3.0 leaves the chart's CRDs out of `helm template`.
  if (version === 'v3.0' && !o.skip_crds) yaml = [yaml, ...crdsOf(dir)].join('\n---\n');
  if (o.namespace) yaml = injectNamespace(c, yaml, o.namespace);
  return asBlob(c, yaml, `helm('${chart}')`);
}

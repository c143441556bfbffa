/**
 * helm(): `helm template` with Tilt's arguments, the chart, its local subcharts and the values files watched,
 * test templates dropped, the namespace set on objects that lack one, and the error paths. No helm binary can be
 * installed on the development machines, so a fake `helm` on PATH records its argv and prints canned output; the
 * last test needs the real binary and skips, saying so, where there is none.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { findOnPath } from '../../src/config/local-tool.js';
import { parseHelmVersion } from '../../src/config/helm.js';
import { parseYamlSources } from '../../src/resolve/manifests.js';
import { writeProject, removeProject } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const RENDERED = [
  '---',
  '# Source: app/templates/deployment.yaml',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: chart-app',
  'spec:',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec: { containers: [ { name: web, image: web-image } ] }',
  '---',
  '# Source: app/templates/other-ns.yaml',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: pinned',
  '  namespace: elsewhere',
  '---',
  '# Source: app/templates/role.yaml',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRole',
  'metadata:',
  '  name: reader',
  '---',
  '# Source: app/templates/tests/test-connection.yaml',
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: chart-app-test',
  '',
].join('\n');

const CHART = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 0.1.0\n  repository: file://../lib\n',
  'charts/app/values.yaml': 'replicas: 1\n',
  'charts/app/templates/deployment.yaml': 'kind: Deployment\n',
  'charts/lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 0.1.0\n',
  'charts/lib/templates/_helpers.tpl': '{{/* */}}\n',
  'values-dev.yaml': 'replicas: 2\n',
};

/** A project with a fake `helm` in bin/: `helm version` prints `version`, anything else records argv and prints RENDERED (or fails with `fail`). */
function project(config: string, opts: { version?: string; fail?: string } = {}) {
  const dir = writeProject({ ...CHART, 'devloop.ts': `import { k8s_yaml, helm } from 'devloop';\n${config}\n`, 'rendered.yaml': RENDERED });
  dirs.push(dir);
  const script = [
    '#!/bin/sh',
    `if [ "$1" = version ]; then echo '${opts.version ?? 'v3.14.2+gc309b6f'}'; exit 0; fi`,
    'for a in "$@"; do echo "$a"; done > "$(dirname "$0")/argv.txt"',
    opts.fail ? `echo '${opts.fail}' >&2; exit 1` : `cat "$(dirname "$0")/../rendered.yaml"`,
    '',
  ].join('\n');
  execFileSync('sh', ['-c', 'mkdir -p "$1/bin" && cat > "$1/bin/helm" && chmod +x "$1/bin/helm"', 'sh', dir], { input: script });
  return dir;
}

async function withPath<T>(dirsFirst: string[], fn: () => Promise<T>, dropHelm = false): Promise<T> {
  const saved = process.env.PATH!;
  const rest = saved.split(':').filter((d) => !dropHelm || !findOnPath(join(d, 'helm')));
  process.env.PATH = [...dirsFirst, ...rest].join(':');
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test("helm() runs `helm template` with Tilt's arguments and watches the chart, its local subcharts and the values files", async () => {
  const dir = project(
    `k8s_yaml(helm('charts/app', { name: 'web', namespace: 'dev', values: ['values-dev.yaml'], set: ['image.tag=1', 'x=y'], kube_version: '1.29' }));`,
  );
  const result = await withPath([join(dir, 'bin')], () => evaluateConfig(findConfig(dir)));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const argv = readFileSync(join(dir, 'bin/argv.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(argv, [
    'template',
    'web',
    join(dir, 'charts/app'),
    '--namespace',
    'dev',
    '--kube-version',
    '1.29',
    '--include-crds',
    '--values',
    'values-dev.yaml',
    '--set',
    'image.tag=1',
    '--set',
    'x=y',
  ]);
  for (const f of [
    'charts/app/Chart.yaml',
    'charts/app/values.yaml',
    'charts/app/templates/deployment.yaml',
    'charts/lib/Chart.yaml',
    'charts/lib/templates/_helpers.tpl',
    'values-dev.yaml',
  ]) {
    assert.ok(result.plan.filesRead.includes(join(dir, f)), `${f} is watched`);
  }
  assert.match(result.plan.yaml[0].source, /helm\('charts\/app'\)/);
});

test('helm(): test templates are dropped; with namespace, objects without one get it (not cluster-scoped kinds, not objects that have one)', async () => {
  const dir = project(`k8s_yaml(helm('charts/app', { namespace: 'dev' }));`);
  const result = await withPath([join(dir, 'bin')], () => evaluateConfig(findConfig(dir)));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const objs = parseYamlSources(result.plan.yaml).map((o) => o.object);
  assert.deepEqual(
    objs.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
    [
      ['Deployment', 'chart-app', 'dev'],
      ['ConfigMap', 'pinned', 'elsewhere'],
      ['ClusterRole', 'reader', undefined],
    ],
  );
  // Without a namespace the text is helm's own (minus tests), and the release name defaults to 'chart'.
  const dir2 = project(`k8s_yaml(helm('charts/app'));`);
  const r2 = await withPath([join(dir2, 'bin')], () => evaluateConfig(findConfig(dir2)));
  assert.ok(r2.ok, r2.ok ? '' : r2.error.message);
  assert.equal(r2.plan.yaml[0].text, RENDERED.slice(0, RENDERED.indexOf('---\n# Source: app/templates/tests/')));
  assert.deepEqual(readFileSync(join(dir2, 'bin/argv.txt'), 'utf8').trim().split('\n'), ['template', 'chart', join(dir2, 'charts/app'), '--include-crds']);
});

test("helm(): skip_crds leaves out --include-crds; Helm 3.0 gets no --include-crds (the chart's crds/ are added instead)", async () => {
  const dir = project(`k8s_yaml(helm('charts/app', { skip_crds: true }));`);
  const result = await withPath([join(dir, 'bin')], () => evaluateConfig(findConfig(dir)));
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.deepEqual(readFileSync(join(dir, 'bin/argv.txt'), 'utf8').trim().split('\n'), ['template', 'chart', join(dir, 'charts/app')]);
  const dir2 = project(`k8s_yaml(helm('charts/app'));`, { version: 'v3.0.3+gac925eb' });
  execFileSync('sh', [
    '-c',
    'mkdir -p "$1/charts/app/crds" && printf "apiVersion: apiextensions.k8s.io/v1\\nkind: CustomResourceDefinition\\nmetadata:\\n  name: things.example.com\\n" > "$1/charts/app/crds/crd.yaml"',
    'sh',
    dir2,
  ]);
  const r2 = await withPath([join(dir2, 'bin')], () => evaluateConfig(findConfig(dir2)));
  assert.ok(r2.ok, r2.ok ? '' : r2.error.message);
  assert.deepEqual(readFileSync(join(dir2, 'bin/argv.txt'), 'utf8').trim().split('\n'), ['template', 'chart', join(dir2, 'charts/app')]);
  assert.ok(parseYamlSources(r2.plan.yaml).some((o) => o.object.kind === 'CustomResourceDefinition'));
  assert.equal(parseHelmVersion('WARNING: kube config is group-readable\nv3.12.0+gc9f554d\n'), 'v3.1+');
  assert.equal(parseHelmVersion('Client: v2.16.1+gbbdfe5e'), 'v2');
});

test("helm(): no helm on PATH is an error saying how to install it; a failing template shows helm's message; a missing chart is named", async () => {
  const dir = project(`\nk8s_yaml(helm('charts/app'));`);
  const r = await withPath([], () => evaluateConfig(findConfig(dir)), true);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, 'config-helm-missing');
  assert.match(r.error.message, /helm: the `helm` binary was not found on PATH/);
  assert.match(r.error.hint ?? '', /install Helm 3.*https:\/\/helm\.sh\/docs\/intro\/install/);
  assert.deepEqual(r.error.location, { file: join(dir, 'devloop.ts'), line: 3 });
  assert.ok(r.filesRead.includes(join(dir, 'charts/app/Chart.yaml')), 'the chart is watched even when helm is missing');

  const dir2 = project(`k8s_yaml(helm('charts/app', { values: 'values-dev.yaml' }));`, {
    fail: 'Error: template: app/templates/deployment.yaml:3:4: executing "x" at <.Values.nope.x>: nil pointer',
  });
  const r2 = await withPath([join(dir2, 'bin')], () => evaluateConfig(findConfig(dir2)));
  assert.equal(r2.ok, false);
  if (r2.ok) return;
  assert.equal(r2.error.code, 'config-helm-failed');
  assert.equal(
    r2.error.message,
    `helm: \`helm template chart ${join(dir2, 'charts/app')} --include-crds --values values-dev.yaml\` exited with code 1 (in ${dir2})`,
  );
  assert.deepEqual(r2.error.details, ['Error: template: app/templates/deployment.yaml:3:4: executing "x" at <.Values.nope.x>: nil pointer']);

  const dir3 = project(`k8s_yaml(helm('charts/nope'));`);
  const r3 = await withPath([join(dir3, 'bin')], () => evaluateConfig(findConfig(dir3)));
  assert.equal(r3.ok, false);
  if (!r3.ok) assert.match(r3.error.message, /helm: the chart directory 'charts\/nope' does not exist/);
});

const realHelm = findOnPath('helm');
test('helm() with the real helm binary renders a local chart', {
  skip: realHelm ? false : 'no `helm` binary on PATH (it cannot be installed on the development machines); install Helm 3 to run this test',
}, async () => {
  const dir = writeProject({
    'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  v: {{ .Values.v | quote }}\n',
    'chart/values.yaml': 'v: one\n',
    'devloop.ts': "import { k8s_yaml, helm } from 'devloop';\nk8s_yaml(helm('chart', { name: 'rel', namespace: 'dev', set: ['v=two'] }));\n",
  });
  dirs.push(dir);
  const r = await evaluateConfig(findConfig(dir));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const objs = parseYamlSources(r.plan.yaml).map(
    (o) => o.object as unknown as { metadata: { name: string; namespace?: string }; data: Record<string, string> },
  );
  assert.deepEqual(
    objs.map((o) => [o.metadata.name, o.metadata.namespace, o.data.v]),
    [['rel-cm', 'dev', 'two']],
  );
});

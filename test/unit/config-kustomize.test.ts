/**
 * kustomize(): rendered for real by `kubectl kustomize` (bases, overlays, patches, components, a configMapGenerator),
 * every file the kustomization reads recorded as read, `kustomize build` preferred when on PATH, kustomize_bin and
 * flags, and a failing render that names the command, the directory and kustomize's own message.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { kustomizeDeps } from '../../src/config/kustomize-deps.js';
import { findOnPath, runTool } from '../../src/config/local-tool.js';
import type { Recorder } from '../../src/config/recorder.js';
import type { DevloopError } from '../../src/model/errors.js';
import { parseYamlSources } from '../../src/resolve/manifests.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const KUSTOMIZATION = {
  'base/kustomization.yaml':
    [
      'resources:',
      '- deployment.yaml',
      '- service.yaml',
      'configMapGenerator:',
      '- name: web-config',
      '  files:',
      '  - settings=config.properties',
      '  envs:',
      '  - app.env',
    ].join('\n') + '\n',
  'base/deployment.yaml': DEPLOYMENT('web', 'web-image').replace(
    '          image: web-image\n',
    '          image: web-image\n          envFrom:\n            - configMapRef: { name: web-config }\n',
  ),
  'base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports:\n    - port: 80\n',
  'base/config.properties': 'color=blue\n',
  'base/app.env': 'MODE=dev\n',
  'components/debug/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: debug.yaml\n',
  'components/debug/debug.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: { debug: "on" }\n',
  'overlays/dev/kustomization.yaml':
    [
      'namePrefix: dev-',
      'resources:',
      '- ../../base',
      'components:',
      '- ../../components/debug',
      'patches:',
      '- path: replicas.yaml',
      'patchesStrategicMerge:',
      '- service-port.yaml',
    ].join('\n') + '\n',
  'overlays/dev/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
  'overlays/dev/service-port.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n      targetPort: 8080\n',
};

const DEPS = [
  'overlays/dev/kustomization.yaml',
  'base/kustomization.yaml',
  'base/deployment.yaml',
  'base/service.yaml',
  'base/config.properties',
  'base/app.env',
  'components/debug/kustomization.yaml',
  'components/debug/debug.yaml',
  'overlays/dev/replicas.yaml',
  'overlays/dev/service-port.yaml',
];

async function evalIn(dir: string) {
  return evaluateConfig(findConfig(dir));
}

function project(files: Record<string, string>): string {
  const dir = writeProject(files);
  dirs.push(dir);
  return dir;
}

/** A fake executable that writes its argv (one per line) to argv.txt next to it and prints `out`. */
function fakeTool(path: string, out: string): void {
  execFileSync('sh', ['-c', `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod +x "$1"`, 'sh', path], {
    input: `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > "$(dirname "$0")/argv.txt"\ncat <<'YAML'\n${out}YAML\n`,
  });
  chmodSync(path, 0o755);
}

test('kustomize() renders with kubectl kustomize when kustomize is not on PATH: bases, components, patches, a configMapGenerator', {
  skip: findOnPath('kubectl') ? false : 'kubectl is not on PATH',
}, async () => {
  const dir = project({ ...KUSTOMIZATION, 'devloop.ts': "import { k8s_yaml, kustomize } from 'devloop';\nk8s_yaml(kustomize('overlays/dev'));\n" });
  const saved = process.env.PATH;
  process.env.PATH = saved!
    .split(':')
    .filter((d) => !findOnPath(join(d, 'kustomize')))
    .join(':');
  try {
    const result = await evalIn(dir);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    const expected = execFileSync('kubectl', ['kustomize', 'overlays/dev'], { cwd: dir, encoding: 'utf8' });
    assert.equal(result.plan.yaml[0].text, expected, 'the YAML is exactly what kubectl kustomize prints');
    assert.match(result.plan.yaml[0].source, /kustomize\('overlays\/dev'\)/);
    assert.ok(
      result.plan.logs.some((l) => /using `kubectl kustomize`/.test(l)),
      result.plan.logs.join('\n'),
    );
    assert.ok(result.plan.logs.includes('kustomize: kubectl kustomize overlays/dev'), result.plan.logs.join('\n'));
    const objs = parseYamlSources(result.plan.yaml).map(
      (o) => o.object as unknown as { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> },
    );
    const deploy = objs.find((o) => o.kind === 'Deployment')!;
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    assert.equal(deploy.metadata.name, 'dev-web');
    assert.equal(deploy.spec!.replicas, 3);
    assert.equal(deploy.metadata.annotations?.debug, 'on');
    assert.match(cm.metadata.name, /^dev-web-config-[a-z0-9]+$/);
    assert.match(JSON.stringify(deploy), new RegExp(cm.metadata.name), 'the generated ConfigMap name is referenced');
    for (const f of DEPS) assert.ok(result.plan.filesRead.includes(join(dir, f)), `${f} is watched; filesRead: ${result.plan.filesRead.join(', ')}`);
  } finally {
    process.env.PATH = saved;
  }
});

test('kustomizeDeps lists every file a kustomization reads, the kustomization files first, and never throws', () => {
  const dir = project({
    ...KUSTOMIZATION,
    'more/kustomization.yaml':
      [
        'resources:',
        '- https://github.com/org/repo//deploy?ref=v1',
        '- ../more/extra.yaml',
        'crds:',
        '- crd.yaml',
        'patchesJson6902:',
        '- target: { kind: Deployment, name: web }',
        '  path: json-patch.yaml',
        'patchesStrategicMerge:',
        '- |-',
        '  apiVersion: v1',
        '  kind: Service',
        'secretGenerator:',
        '- name: s',
        '  files:',
        '  - id_rsa',
        '  env: secret.env',
        'replacements:',
        '- path: repl.yaml',
        'configurations:',
        '- conf.yaml',
        'openapi:',
        '  path: schema.json',
        'helmCharts:',
        '- name: redis',
        '  valuesFile: redis-values.yaml',
      ].join('\n') + '\n',
    'broken/kustomization.yaml': 'resources: [\n',
  });
  assert.deepEqual(
    kustomizeDeps(join(dir, 'more')),
    [
      'kustomization.yaml',
      'extra.yaml',
      'json-patch.yaml',
      'crd.yaml',
      'conf.yaml',
      'repl.yaml',
      'schema.json',
      'id_rsa',
      'secret.env',
      'redis-values.yaml',
    ].map((f) => join(dir, 'more', f)),
  );
  assert.deepEqual(new Set(kustomizeDeps(join(dir, 'overlays/dev'))), new Set(DEPS.map((f) => join(dir, f))));
  assert.deepEqual(kustomizeDeps(join(dir, 'broken')), [join(dir, 'broken/kustomization.yaml')]);
  assert.deepEqual(kustomizeDeps(join(dir, 'none')), [join(dir, 'none/kustomization.yaml')], 'a missing kustomization is watched so creating it is noticed');
});

test("a failing render names the command, the directory and kustomize's message; the kustomization stays watched so a fix re-evaluates", {
  skip: findOnPath('kubectl') ? false : 'kubectl is not on PATH',
}, async () => {
  const dir = project({
    'overlays/bad/kustomization.yaml': 'resources:\n- missing.yaml\n',
    'devloop.ts': "import { k8s_yaml, kustomize } from 'devloop';\n\nk8s_yaml(kustomize('overlays/bad'));\n",
  });
  const result = await evalIn(dir);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const e = result.error;
  assert.equal(e.code, 'config-kustomize-failed');
  assert.match(e.message, /^kustomize: `(kustomize build|kubectl kustomize) overlays\/bad` exited with code 1 \(in \/\S+\)$/);
  assert.ok(e.message.includes(`(in ${dir})`));
  assert.match((e.details ?? []).join('\n'), /missing\.yaml/);
  assert.ok(!(e.details ?? []).some((l) => /run\.go|"command failed"/.test(l)), `kubectl's log prefix is removed: ${e.details?.join('\n')}`);
  assert.deepEqual(e.location, { file: join(dir, 'devloop.ts'), line: 3 });
  assert.ok(result.filesRead.includes(join(dir, 'overlays/bad/kustomization.yaml')));
  assert.ok(result.filesRead.includes(join(dir, 'overlays/bad/missing.yaml')), 'the missing resource is watched: creating it re-evaluates');
});

test('`kustomize build` is used when kustomize is on PATH; kustomize_bin and flags are passed as Tilt passes them', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-fake\n';
  const dir = project({
    'k/kustomization.yaml': 'resources: []\n',
    'devloop.ts':
      "import { k8s_yaml, kustomize } from 'devloop';\nk8s_yaml(kustomize('k', { flags: ['--enable-helm', '--load-restrictor=LoadRestrictionsNone'] }));\n",
  });
  fakeTool(join(dir, 'pathbin/kustomize'), yaml);
  const saved = process.env.PATH;
  process.env.PATH = `${join(dir, 'pathbin')}:${saved}`;
  try {
    const result = await evalIn(dir);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.plan.yaml[0].text, yaml);
    assert.deepEqual(readFileSync(join(dir, 'pathbin/argv.txt'), 'utf8').trim().split('\n'), [
      'build',
      '--enable-helm',
      '--load-restrictor=LoadRestrictionsNone',
      'k',
    ]);
  } finally {
    process.env.PATH = saved;
  }
  // kustomize_bin: a path relative to devloop.ts.
  fakeTool(join(dir, 'tools/kz'), yaml);
  const cfg = join(dir, 'devloop.ts');
  execFileSync('sh', [
    '-c',
    `printf '%s' "$1" > "$2"`,
    'sh',
    "import { k8s_yaml, kustomize } from 'devloop';\nk8s_yaml(kustomize('k', { kustomize_bin: './tools/kz' }));\n",
    cfg,
  ]);
  const r2 = await evalIn(dir);
  assert.ok(r2.ok, r2.ok ? '' : r2.error.message);
  assert.deepEqual(readFileSync(join(dir, 'tools/argv.txt'), 'utf8').trim().split('\n'), ['build', 'k']);
  // A kustomize_bin that does not exist is an error saying what to do.
  execFileSync('sh', [
    '-c',
    `printf '%s' "$1" > "$2"`,
    'sh',
    "import { k8s_yaml, kustomize } from 'devloop';\nk8s_yaml(kustomize('k', { kustomize_bin: 'no-such-kustomize' }));\n",
    cfg,
  ]);
  const r3 = await evalIn(dir);
  assert.equal(r3.ok, false);
  if (!r3.ok) {
    assert.equal(r3.error.code, 'config-kustomize-missing');
    assert.match(r3.error.message, /kustomize_bin 'no-such-kustomize' was not found on PATH/);
    assert.match(r3.error.hint ?? '', /leave kustomize_bin out/);
  }
});

test('a render that does not finish in time is stopped, and the error says which command and where', () => {
  const call = { fn: 'kustomize', r: { plan: { logs: [] as string[] } } as unknown as Recorder, loc: { file: '/p/devloop.ts', line: 7 } };
  const t0 = Date.now();
  assert.throws(
    () => runTool(call, 'config-kustomize-failed', ['sleep', '30'], '/', 'hint', 300),
    (e: DevloopError) => {
      assert.equal(e.code, 'config-kustomize-failed');
      assert.equal(e.message, 'kustomize: `sleep 30` did not finish within 0.3 s and was stopped (in /)');
      assert.deepEqual(e.location, { file: '/p/devloop.ts', line: 7 });
      return true;
    },
  );
  assert.ok(Date.now() - t0 < 5000);
});

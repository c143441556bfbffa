/** The reconciler's decisions, with fakes of the engine and the cluster: order, skipping, failures, ci. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import { Engine } from '../../src/engine/engine.js';
import { FakeBuilder, FakeCluster } from '../fakes/ports.js';
import { execaRunner } from '../../src/adapters/process/execa-runner.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

async function engineFor(files: Record<string, string>, mode: 'up' | 'ci' = 'ci') {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', ...files });
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  const builder = new FakeBuilder();
  const cluster = new FakeCluster();
  const lines: string[] = [];
  const engine = new Engine(resolve(ev.plan), {
    mode,
    builder,
    processes: execaRunner,
    cluster,
    log: { line: (s, t) => lines.push(`${s}|${t}`) },
    project: 'p-1',
    push: { enabled: false },
    evaluate: () => evaluateConfig(findConfig(dir)),
    cwd: dir,
  });
  return { engine, builder, cluster, lines };
}

const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { a: b }\n';

test('uncategorized objects are applied before workloads, and resource_deps before their dependents', async () => {
  const { engine, cluster } = await engineFor({
    'app.yaml': [DEPLOYMENT('api', 'api-image'), DEPLOYMENT('web', 'busybox'), CONFIG_MAP].join('---\n'),
    'devloop.ts':
      "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.');\nk8s_resource('api', { resource_deps: ['web'] });\n",
  });
  engine.start();
  const r = await engine.waitForCi(50);
  await engine.stop();
  assert.equal(r.ok, true);
  assert.deepEqual(cluster.applied, ['ConfigMap/settings', 'Deployment/web', 'Deployment/api']);
});

test('trigger on an unchanged resource re-uses the built image, applies again and replaces the pods', async () => {
  const { engine, cluster, builder, lines } = await engineFor({
    'app.yaml': DEPLOYMENT('api', 'api-image'),
    'devloop.ts': "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.');\n",
  });
  engine.start();
  await engine.waitForCi(50);
  engine.trigger('api');
  await new Promise((r) => setTimeout(r, 100));
  await engine.waitForCi(50);
  await engine.stop();
  assert.equal(builder.built.length, 1, 'built once: the image of the same inputs is re-used');
  assert.deepEqual(cluster.applied, ['Deployment/api', 'Deployment/api'], 'applied again');
  const last = cluster.objects.get('Deployment/default/api') as any;
  assert.match(last.spec.template.metadata.annotations['devloop.dev/restarted-at'], /^\d{4}-/);
  assert.ok(
    lines.some((l) => l.includes('Replacing the pods (devloop trigger)')),
    lines.join('\n'),
  );
});

test('a batch that changes nothing applies nothing again and builds nothing again', async () => {
  const { engine, cluster, builder } = await engineFor(
    {
      'app.yaml': DEPLOYMENT('api', 'api-image'),
      'devloop.ts': "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.');\n",
    },
    'up',
  );
  engine.start();
  await engine.waitForCi(50);
  await engine.handleBatch({ files: [{ path: '/nonexistent/elsewhere.txt', type: 'update' }] } as never);
  await new Promise((r) => setTimeout(r, 100));
  await engine.stop();
  assert.equal(builder.built.length, 1);
  assert.deepEqual(cluster.applied, ['Deployment/api']);
});

test('a failed build fails the resource (ci exits 1) and nothing is applied for it', async () => {
  const { engine, cluster, builder } = await engineFor({
    'app.yaml': DEPLOYMENT('api', 'api-image'),
    'devloop.ts': "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.');\n",
  });
  builder.failing.add('api-image');
  engine.start();
  const r = await engine.waitForCi(50);
  await engine.stop();
  assert.equal(r.ok, false);
  assert.equal(r.failed?.name, 'api');
  assert.match(r.failed?.reason ?? '', /RUN false failed/);
  assert.deepEqual(cluster.applied, []);
});

test('a crash-looping pod fails ci with the reason', async () => {
  const { engine, cluster } = await engineFor({
    'app.yaml': DEPLOYMENT('api', 'busybox'),
    'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n",
  });
  cluster.podPhase = () => ({
    ready: false,
    containers: [{ name: 'main', image: 'busybox', ready: false, restartCount: 2, state: 'waiting', reason: 'CrashLoopBackOff' }],
  });
  engine.start();
  const r = await engine.waitForCi(50);
  await engine.stop();
  assert.equal(r.ok, false);
  assert.match(r.failed?.reason ?? '', /container main: CrashLoopBackOff/);
});

test('ci ignores manual and auto_init: false resources', async () => {
  const { engine, cluster } = await engineFor({
    'app.yaml': [DEPLOYMENT('a', 'busybox'), DEPLOYMENT('b', 'busybox'), DEPLOYMENT('c', 'busybox')].join('---\n'),
    'devloop.ts':
      "import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('b', { trigger_mode: 'manual' });\nk8s_resource('c', { auto_init: false });\n",
  });
  engine.start();
  const r = await engine.waitForCi(50);
  await engine.stop();
  assert.equal(r.ok, true);
  assert.deepEqual(cluster.applied, ['Deployment/a']);
  assert.equal(engine.status.get('b')!.phase, 'disabled');
});

test('trigger of an unknown resource lists the resources', async () => {
  const { engine } = await engineFor(
    { 'app.yaml': DEPLOYMENT('a', 'busybox'), 'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n" },
    'up',
  );
  assert.throws(
    () => engine.trigger('nope'),
    (e: any) => e.code === 'unknown-resource' && /resources: a/.test(e.hint),
  );
  await engine.stop();
});

/**
 * The pieces behind the CLI views: a rebuild as one line per step on a terminal, log stream and level, the update
 * history `describe` shows, and disable/enable in the engine (with fakes of the builder and the cluster).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepCompactor } from '../../src/cli/compact-steps.js';
import { atLeast, levelOf, streamOf } from '../../src/engine/log-level.js';
import { updateHistory } from '../../src/engine/control-views.js';
import { EventHub, type Stamped } from '../../src/engine/event-hub.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import { Engine } from '../../src/engine/engine.js';
import { FakeBuilder, FakeCluster } from '../fakes/ports.js';
import { execaRunner } from '../../src/adapters/process/execa-runner.js';
import { writeProject, removeProject, repoRoot, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const start = (source: string, image: string, step: number, kind: 'build' | 'push' = 'build'): EngineEvent => ({
  type: 'step-start',
  source,
  image,
  step,
  total: 3,
  kind,
  builder: 'docker',
  ref: `${image}:t`,
});

test('terminal: a rebuild prints one line per step with its duration; the Dockerfile and builder lines are held', () => {
  const out: string[] = [];
  const c = new StepCompactor((s, t) => out.push(`${s}|${t}`));
  c.line('web', '1 File Changed: [server.js] → rebuilding web-image');
  c.line('web', 'STEP 1/2 — Building Dockerfile: [web-image]', 'step');
  c.event(start('web', 'web-image', 1));
  for (const l of ['Building Dockerfile:', '  FROM node:20', '', '     [1/2] FROM node:20', '     [2/2] COPY . .']) c.line('web', l, 'step-output');
  c.event({ type: 'step-end', source: 'web', image: 'web-image', kind: 'build', ms: 2140 });
  c.line('web', '', 'step-output');
  c.line('web', 'STEP 2/2 — Pushing localhost:5005/web-image:t', 'step');
  c.event(start('web', 'web-image', 2, 'push'));
  c.line('web', '     abc: Pushed', 'step-output');
  c.event({ type: 'step-end', source: 'web', image: 'web-image', kind: 'push', ms: 310 });
  c.event({ type: 'image-done', source: 'web', image: 'web-image', status: 'built' });
  c.line('', '     Step 1 - 2.14s (Building Dockerfile: [web-image])', 'build-summary');
  c.line('', '     DONE IN: 2.46s');
  c.line('web', 'Applying 1 object to the cluster (kind)');
  assert.deepEqual(out, [
    'web|1 File Changed: [server.js] → rebuilding web-image',
    'web|STEP 1/2 — Building Dockerfile: [web-image] · 2.1s',
    'web|STEP 2/2 — Pushing localhost:5005/web-image:t · 310ms',
    '|     DONE IN: 2.46s',
    'web|Applying 1 object to the cluster (kind)',
  ]);
});

test('terminal: a failed build prints every line it held, in order', () => {
  const out: string[] = [];
  const c = new StepCompactor((s, t) => out.push(t));
  c.line('web', 'STEP 1/1 — Building Dockerfile: [web-image]', 'step');
  c.event(start('web', 'web-image', 1));
  c.line('web', '     [2/2] RUN false', 'step-output');
  c.line('web', 'Build Failed: RUN false exited with 1');
  c.event({ type: 'image-done', source: 'web', image: 'web-image', status: 'failed', reason: 'x' });
  c.line('web', 'after');
  assert.deepEqual(out, ['STEP 1/1 — Building Dockerfile: [web-image]', '     [2/2] RUN false', 'Build Failed: RUN false exited with 1', 'after']);
});

test('log lines: runtime when the runtime says so, else build for a resource and system for devloop; levels from the wording', () => {
  assert.equal(streamOf('web', 'runtime'), 'runtime');
  assert.equal(streamOf('web'), 'build');
  assert.equal(streamOf(''), 'system');
  assert.equal(levelOf('warning: image foo matches nothing'), 'warn');
  assert.equal(levelOf('2024-01-01 WARN disk almost full'), 'warn');
  assert.equal(levelOf('✗ failed: CrashLoopBackOff'), 'error');
  assert.equal(levelOf('Error: connect ECONNREFUSED'), 'error');
  assert.equal(levelOf('level=ERROR msg=boom'), 'error');
  assert.equal(levelOf('0 errors, listening on 3000'), 'info');
  assert.equal(levelOf('a warning-free build'), 'info');
  assert.equal(atLeast('error', 'warn'), true);
  assert.equal(atLeast('info', 'warn'), false);
  assert.equal(atLeast(undefined, 'info'), true);
});

test('describe: updates from the events, each with why, its steps and durations, and how it ended', () => {
  const ev = (at: number, event: EngineEvent): Stamped => ({ seq: at, at, event });
  const h = updateHistory(
    [
      ev(1000, { type: 'update-start', resource: 'web', reason: 'Initial Build' }),
      ev(1001, start('web', 'base', 1)),
      ev(1500, { type: 'step-end', source: 'web', image: 'base', kind: 'build', ms: 499 }),
      ev(1501, { type: 'image-done', source: 'web', image: 'base', status: 'built' }),
      ev(1502, start('other', 'x', 1)),
      ev(1600, { type: 'applied', resource: 'web', objects: [{ name: 'Deployment/web', applied: true }] }),
      ev(1700, { type: 'status', resource: 'web', phase: 'runtime', reason: 'applied' }),
      ev(5000, { type: 'live-update', resource: 'web', image: 'base', files: 1, deleted: 0, runs: [], ms: 12, ok: true }),
      ev(6000, { type: 'update-start', resource: 'web', reason: '1 File Changed: [a] → rebuilding base' }),
      ev(6100, { type: 'status', resource: 'web', phase: 'failed', reason: 'build failed' }),
    ],
    'web',
  );
  assert.equal(h.length, 3);
  assert.deepEqual(
    { ...h[0], steps: h[0].steps.map((s) => [s.kind, s.image, s.ms]) },
    {
      startedAt: 1000,
      endedAt: 1700,
      why: 'Initial Build',
      result: 'deployed',
      steps: [['build', 'base', 499]],
      images: [{ image: 'base', status: 'built', reason: undefined }],
      applied: [{ name: 'Deployment/web', applied: true }],
      liveUpdates: [],
    },
  );
  assert.equal(h[1].why, 'live update');
  assert.deepEqual(h[1].liveUpdates, [{ image: 'base', files: 1, runs: [], ms: 12, ok: true }]);
  assert.equal(h[2].result, 'failed: build failed');
});

test("install: a config may import the API as 'devloop' or by the package's name, '@devloop/cli'", async () => {
  for (const from of ['devloop', '@devloop/cli']) {
    const dir = writeProject({ 'app.yaml': DEPLOYMENT('api', 'busybox'), 'devloop.ts': `import { k8s_yaml } from '${from}';\nk8s_yaml('app.yaml');\n` });
    dirs.push(dir);
    const ev = await evaluateConfig(findConfig(dir));
    assert.ok(ev.ok, ev.ok ? '' : ev.error.message);
    assert.equal(ev.plan.yaml.length, 1);
  }
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(pkg.name, '@devloop/cli', 'the unscoped name devloop on npm is another package');
  assert.deepEqual(Object.keys(pkg.bin), ['devloop']);
});

async function upEngine() {
  const dir = writeProject({
    Dockerfile: 'FROM busybox\n',
    'app.yaml': DEPLOYMENT('api', 'api-image'),
    'devloop.ts':
      "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.');\nk8s_resource('api', { labels: ['backend'] });\n",
  });
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  const builder = new FakeBuilder();
  const cluster = new FakeCluster();
  const hub = new EventHub();
  const engine = new Engine(resolve(ev.plan), {
    mode: 'up',
    builder,
    processes: execaRunner,
    cluster,
    log: hub.tee({ line: () => {} }),
    project: 'p-1',
    push: { enabled: false },
    evaluate: () => evaluateConfig(findConfig(dir)),
    cwd: dir,
  });
  return { dir, engine, builder, cluster };
}

test('disable: a disabled resource is not updated on changes nor by trigger; enable updates it', async () => {
  const { dir, engine, builder, cluster } = await upEngine();
  engine.start();
  await engine.waitForCi(50);
  assert.deepEqual(engine.enablement.select([], ['backend']), ['api']);
  assert.throws(() => engine.enablement.select(['nope']), /no resource named 'nope'/);
  assert.throws(() => engine.enablement.select([], ['nope']), /no resource has label 'nope'/);
  assert.deepEqual(await engine.enablement.set(['api'], false), ['api']);
  assert.deepEqual(await engine.enablement.set(['api'], false), [], 'already disabled');
  assert.equal(engine.status.get('api')!.phase, 'disabled');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN true\n');
  await engine.handleBatch({ files: [{ path: join(dir, 'Dockerfile'), type: 'update' }] } as never);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(builder.built.length, 1, 'not rebuilt while disabled');
  assert.throws(() => engine.trigger('api'), /'api' is disabled/);
  assert.deepEqual(await engine.enablement.set(['api'], true), ['api']);
  await new Promise((r) => setTimeout(r, 100));
  await engine.waitForCi(50);
  await engine.stop();
  assert.equal(builder.built.length, 2, 'enable updates it with the change made while disabled');
  assert.deepEqual(cluster.applied, ['Deployment/api', 'Deployment/api']);
});

/**
 * What the engine deploys is what was built: refs rendered at apply time (outputs_image_ref_to's ref, a custom_build
 * with a fixed tag re-tagged with its content tag), tags independent of where images are pushed, and runtime states
 * that do not flap while a container crash-loops.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import { makeRegistry } from '../../src/model/registry.js';
import { Engine } from '../../src/engine/engine.js';
import { runtimeState } from '../../src/engine/readiness.js';
import type { PodView } from '../../src/ports/cluster.js';
import { FakeBuilder, FakeCluster } from '../fakes/ports.js';
import { execaRunner } from '../../src/adapters/process/execa-runner.js';
import { fixturesDir, writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

async function run(files: Record<string, string>, prepare?: (b: FakeBuilder) => void) {
  const dir = writeProject(files);
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  const builder = new FakeBuilder();
  prepare?.(builder);
  const cluster = new FakeCluster();
  const lines: string[] = [];
  const resolved = resolve(ev.plan);
  const engine = new Engine(resolved, {
    mode: 'ci',
    builder,
    processes: execaRunner,
    cluster,
    log: { line: (s, t) => lines.push(`${s}|${t}`) },
    project: 'p-1',
    push: { enabled: false },
    evaluate: () => evaluateConfig(findConfig(dir)),
    cwd: dir,
  });
  engine.start();
  const r = await engine.waitForCi(50);
  await engine.stop();
  const image = (cluster.objects.get('Deployment/default/api') as any)?.spec.template.spec.containers[0].image;
  return { r, image, lines, resolved, builder, dir };
}

test('outputs_image_ref_to: the ref the command wrote is the ref deployed', async () => {
  const t = await run({
    'app.yaml': DEPLOYMENT('api', 'api-image'),
    'devloop.ts':
      "import { custom_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ncustom_build('api-image', 'echo registry.example/api-image:built-by-script-7 > ref.txt', { deps: ['app.yaml'], outputs_image_ref_to: 'ref.txt' });\n",
  });
  assert.equal(t.r.ok, true, t.lines.join('\n'));
  assert.equal(t.image, 'registry.example/api-image:built-by-script-7');
});

test('custom_build with a fixed tag: built as that tag, deployed under the content tag, which changes with its inputs', async () => {
  const files = {
    'app.yaml': DEPLOYMENT('api', 'api-image'),
    'src.txt': 'one',
    'devloop.ts':
      "import { custom_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ncustom_build('api-image', 'true', { deps: ['src.txt'], tag: 'dev' });\n",
  };
  const tagged: [string, string][] = [];
  const prepare = (b: FakeBuilder) => {
    b.images.add('api-image:dev'); // what the command builds
    b.tag = async (from: string, to: string) => {
      tagged.push([from, to]);
      b.images.add(to);
    };
  };
  const first = await run(files, prepare);
  assert.equal(first.r.ok, true, first.lines.join('\n'));
  assert.match(first.image, /^api-image:devloop-[0-9a-f]{16}$/);
  assert.deepEqual(tagged.at(-1), ['api-image:dev', first.image]);
  const second = await run({ ...files, 'src.txt': 'two' }, prepare);
  assert.notEqual(second.image, first.image, 'a change of its deps changes what is deployed, so the pods are replaced');
});

test('the tags do not depend on the registry: ci --dry-run without one prints the tags up deploys with one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-tags-'));
  dirs.push(dir);
  cpSync(join(fixturesDir, 'nodejs-express'), dir, { recursive: true });
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  const plain = resolve(ev.plan);
  const pushed = resolve(ev.plan, { clusterRegistry: makeRegistry('127.0.0.1:5005') });
  assert.deepEqual(
    pushed.images.map((i) => i.tag),
    plain.images.map((i) => i.tag),
  );
  assert.match(pushed.images[1].dockerfileText!, /FROM 127\.0\.0\.1:5005\/nodejs-express-base-image:devloop-/);
});

const pod = (c: Partial<PodView['containers'][0]>): PodView =>
  ({
    name: 'p',
    namespace: 'default',
    uid: 'u',
    phase: 'Running',
    ready: c.ready ?? true,
    createdAt: '2026-01-01T00:00:00Z',
    labels: {},
    initContainers: [],
    containers: [{ name: 'main', image: 'x', ready: true, restartCount: 0, state: 'running', ...c }],
  }) as unknown as PodView;

test('a crash loop is one failed state with its restart count, not ready between two crashes', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const cases: [string, Partial<PodView['containers'][0]>, string, RegExp][] = [
    [
      'backing off',
      { state: 'waiting', reason: 'CrashLoopBackOff', ready: false, restartCount: 3, lastTerminated: { exitCode: 3 } },
      'failed',
      /CrashLoopBackOff \(3 restarts, last exit code 3\)/,
    ],
    [
      'running again 1 s after its 3rd crash, Ready',
      { state: 'running', startedAt: '2026-01-01T00:09:59Z', restartCount: 3, lastTerminated: { exitCode: 3 } },
      'failed',
      /CrashLoopBackOff \(3 restarts/,
    ],
    [
      'running 1 s after its first crash',
      { state: 'running', startedAt: '2026-01-01T00:09:59Z', restartCount: 1, lastTerminated: { exitCode: 1 } },
      'waiting',
      /restarted after exit code 1/,
    ],
    [
      'up for 5 minutes after old crashes',
      { state: 'running', startedAt: '2026-01-01T00:05:00Z', restartCount: 3, lastTerminated: { exitCode: 3 } },
      'ready',
      /Running and Ready/,
    ],
    [
      'restarted after a clean exit',
      { state: 'running', startedAt: '2026-01-01T00:09:59Z', restartCount: 1, lastTerminated: { exitCode: 0 } },
      'ready',
      /Running and Ready/,
    ],
  ];
  for (const [name, c, kind, reason] of cases) {
    const st = runtimeState('wait', [pod(c)], now);
    assert.equal(st.kind, kind, name);
    assert.match(st.reason, reason, name);
  }
});

/**
 * Saves during builds: an object is only ever applied with a ref that was built, a newer change cancels the build it
 * supersedes, and after the last save the cluster runs exactly the image of the last files. Driven through the
 * engine with fakes of the builder and the cluster (and a seeded random schedule for the property test).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import { Engine } from '../../src/engine/engine.js';
import { FakeBuilder, FakeCluster } from '../fakes/ports.js';
import { execaRunner } from '../../src/adapters/process/execa-runner.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const CONFIG = "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('api-image', '.', { ignore: ['app.yaml'] });\n";

async function setup() {
  const dir = writeProject({ Dockerfile: 'FROM busybox\nCOPY src.txt /\n', 'app.yaml': DEPLOYMENT('api', 'api-image'), 'devloop.ts': CONFIG, 'src.txt': 'v1' });
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  const builder = new FakeBuilder();
  const cluster = new FakeCluster();
  const appliedRefs: string[] = [];
  const apply = cluster.apply.bind(cluster);
  cluster.apply = async (o) => {
    const c = (o as any).spec?.template?.spec?.containers?.[0];
    if (c) appliedRefs.push(c.image);
    return apply(o);
  };
  const lines: string[] = [];
  const engine = new Engine(resolve(ev.plan), {
    mode: 'up',
    builder,
    processes: execaRunner,
    cluster,
    log: { line: (s, t) => lines.push(`${s}|${t}`) },
    project: 'p-1',
    push: { enabled: false },
    evaluate: () => evaluateConfig(findConfig(dir)),
    cwd: dir,
  });
  /** The tag the current files resolve to. */
  const expected = async () => {
    const e = await evaluateConfig(findConfig(dir));
    if (!e.ok) throw e.error;
    return resolve(e.plan).images[0].clusterRef;
  };
  const save = async (text: string) => {
    writeFileSync(join(dir, 'src.txt'), text);
    await engine.handleBatch({ files: [{ path: join(dir, 'src.txt'), type: 'update' }] } as never);
  };
  const reload = async (arg: string) => {
    writeFileSync(join(dir, 'devloop.ts'), CONFIG.replace("ignore: ['app.yaml']", `ignore: ['app.yaml'], build_args: { K: '${arg}' }`));
    await engine.handleBatch({ files: [{ path: join(dir, 'devloop.ts'), type: 'update' }] } as never);
  };
  return { dir, engine, builder, cluster, appliedRefs, lines, expected, save, reload };
}

async function settle(engine: Engine, ms = 4000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    await new Promise((r) => setTimeout(r, 30));
    const busy = [...engine.status.values()].some((s) => s.phase === 'pending' || s.phase === 'building' || s.phase === 'deploying');
    if (!busy || Date.now() > until) return;
  }
}

test('a save during a build cancels it: only the newest files are built to the end and deployed', async () => {
  const t = await setup();
  t.builder.buildMs = () => 150;
  t.engine.start();
  await settle(t.engine);
  assert.equal(t.appliedRefs.length, 1);
  await t.save('v2');
  await new Promise((r) => setTimeout(r, 40)); // v2 is building
  await t.save('v3');
  await settle(t.engine);
  await t.engine.stop();
  const v3 = await t.expected();
  assert.equal(t.appliedRefs.at(-1), v3, 'the last applied ref is the image of the last files');
  assert.equal(t.appliedRefs.length, 2, `v2 was never applied: ${t.appliedRefs.join(', ')}`);
  for (const ref of t.appliedRefs) assert.ok(t.builder.images.has(ref), `applied ${ref}, which was never built`);
  assert.ok(
    t.lines.some((l) => /Superseded by newer changes/.test(l) || /was cancelled/.test(l)),
    t.lines.join('\n'),
  );
});

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: random saves and config reloads at random moments, builds of random length that sometimes fail: no unbuilt ref is ever applied, and the cluster ends on the last files', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const t = await setup();
    const rand = rng(seed);
    let failing = true;
    t.builder.buildMs = () => Math.floor(rand() * 120);
    t.builder.failWhen = () => failing && rand() < 0.15;
    t.engine.start();
    const steps = 8 + Math.floor(rand() * 8);
    for (let i = 0; i < steps; i++) {
      if (rand() < 0.25)
        await t.reload(`k${Math.floor(rand() * 3)}`); // a config reload that changes a build arg
      else await t.save(`v${i}-${seed}-${Math.floor(rand() * 3)}`);
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 150)));
    }
    await settle(t.engine);
    // A last build may have failed on purpose: the user's next save (here: a trigger) brings the cluster there.
    failing = false;
    if (t.engine.status.get('api')!.phase === 'failed') {
      t.engine.trigger('api');
      await settle(t.engine);
    }
    await t.engine.stop();
    for (const ref of t.appliedRefs) assert.ok(t.builder.images.has(ref), `seed ${seed}: applied ${ref}, which was never built`);
    assert.equal(t.appliedRefs.at(-1), await t.expected(), `seed ${seed}: the cluster ends on the image of the last files\n${t.lines.join('\n')}`);
  }
});

/**
 * The reconciler's promises end to end (real CLI, engine, registry and test cluster): saves during a build never
 * deploy an unbuilt tag and the cluster ends on the last save; the project is its directory whatever `-f` names;
 * a config reload moves port forwards and shows its warnings; `ci --dry-run` prints the tags `up` deploys.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { bin, copyFixture, DevloopProcess, eventually, freePort, httpGet, runDevloop } from './helpers.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
});
after(async () => {
  await cluster?.stop();
});

function onEnd(t: TestContext): (fn: () => unknown) => void {
  const list: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of list.reverse())
      await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
  });
  return (fn) => {
    list.push(fn);
  };
}

async function nodejsExpress(end: (fn: () => unknown) => void, edit?: (dir: string) => void) {
  const p = copyFixture('nodejs-express', ['.', 'package']);
  end(() => p.remove());
  end(() => runDevloop(['down'], { cwd: p.dir, env, timeoutMs: 60_000 }));
  const port = await freePort();
  for (const f of ['devloop.ts', 'devloop.live.ts']) {
    const cfg = join(p.dir, f);
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000'`));
  }
  edit?.(p.dir);
  return { dir: p.dir, port };
}

function coreApi(): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return kc.makeApiClient(k8s.CoreV1Api);
}

test('saves 1.5 s apart during a 4 s build: no pod ever reports ErrImagePull, and the last pod runs the last save', async (t) => {
  const end = onEnd(t);
  const { dir, port } = await nodejsExpress(end, (d) => appendFileSync(join(d, 'app.dockerfile'), '\nRUN sleep 4\n'));
  const up = new DevloopProcess(['up'], { cwd: dir, env });
  end(() => up.stop());
  await up.waitFor(/✓ ready/, 180_000);
  // Every pod status the cluster reports, all along.
  const core = coreApi();
  const pulls: string[] = [];
  let watching = true;
  const poll = (async () => {
    while (watching) {
      const pods = await core.listNamespacedPod({ namespace: 'default' }).catch(() => undefined);
      for (const p of pods?.items ?? []) {
        for (const c of p.status?.containerStatuses ?? []) {
          const r = c.state?.waiting?.reason;
          if (r === 'ErrImagePull' || r === 'ImagePullBackOff') pulls.push(`${p.metadata!.name}: ${r}: ${c.state!.waiting!.message ?? ''}`);
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  end(async () => {
    watching = false;
    await poll;
  });
  const server = join(dir, 'server.js');
  const original = readFileSync(server, 'utf8');
  const mark = up.mark();
  writeFileSync(server, original.replace('Hello from nodejs-express-app!', 'v2 answers'));
  await new Promise((r) => setTimeout(r, 1500));
  writeFileSync(server, original.replace('Hello from nodejs-express-app!', 'v3 answers'));
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port}/`).catch(() => ({ body: '' }))).body.includes('v3 answers'), 120_000, 250).catch(
    (e) => {
      throw new Error(`${e.message}\n${up.tail()}`);
    },
  );
  await new Promise((r) => setTimeout(r, 1000));
  watching = false;
  await poll;
  assert.deepEqual(pulls, [], `pods reported pull errors:\n${pulls.join('\n')}\n${up.tail()}`);
  const since = up.output.slice(mark);
  assert.doesNotMatch(since, /v2 answers/);
  assert.match(since, /Superseded by newer changes|was cancelled/);
  assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body.trim(), 'v3 answers');
});

test('the project is its directory: after up -f devloop.live.ts, get and trigger find it and down deletes it', async (t) => {
  const end = onEnd(t);
  const { dir } = await nodejsExpress(end);
  const up = new DevloopProcess(['up', '-f', 'devloop.live.ts'], { cwd: dir, env });
  end(() => up.stop());
  await up.waitFor(/✓ ready/, 180_000);
  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /nodejs-express-app\s+k8s\s+ready/);
  await up.stop();
  const down = await runDevloop(['down'], { cwd: dir, env, timeoutMs: 120_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.doesNotMatch(down.stderr, /Nothing to delete/);
  assert.match(down.stderr, /Deployment\/nodejs-express-app/);
});

test("a config reload moves the port forward to the new port and prints the new config's warnings", async (t) => {
  const end = onEnd(t);
  const { dir, port } = await nodejsExpress(end);
  const up = new DevloopProcess(['up'], { cwd: dir, env });
  end(() => up.stop());
  await up.waitFor(/✓ ready/, 180_000);
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port}/`)).status === 200, 30_000);
  const port2 = await freePort();
  const cfg = join(dir, 'devloop.ts');
  const mark = up.mark();
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(`port_forwards: '${port}:3000'`, `port_forwards: '${port2}:3000', resource_deps: ['no-such-resource']`));
  await up.waitFor(new RegExp(`Forwarding http://127\\.0\\.0\\.1:${port2}`), 60_000, mark);
  assert.match(up.output.slice(mark), /warning: .*no-such-resource/);
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port2}/`)).status === 200, 30_000);
  await assert.rejects(httpGet(`http://127.0.0.1:${port}/`), 'the old port is no longer forwarded');
});

test('ci --dry-run prints the tags that up deploys, with the registry the cluster advertises', async (t) => {
  const end = onEnd(t);
  const { dir } = await nodejsExpress(end);
  const dry = await runDevloop(['ci', '--dry-run'], { cwd: dir, env });
  assert.equal(dry.code, 0, dry.stderr);
  const tag = /image: nodejs-express-app-image:(devloop-[0-9a-f]{16})/.exec(dry.stdout)?.[1];
  assert.ok(tag, dry.stdout);
  const ci = await runDevloop(['ci'], { cwd: dir, env, timeoutMs: 180_000 });
  assert.equal(ci.code, 0, ci.stderr);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const d = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'nodejs-express-app', namespace: 'default' });
  assert.equal(d.spec!.template.spec!.containers[0].image, `127.0.0.1:5005/nodejs-express-app-image:${tag}`);
});

test('devloop up > up.out inside the project (a build context): its own output is ignored, no build loop', async (t) => {
  const end = onEnd(t);
  const { dir } = await nodejsExpress(end);
  const { openSync, closeSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const logFile = join(dir, 'up.out'); // not up.log: the fixture's .dockerignore already leaves out *.log
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, 'up'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((ok) => child.on('close', ok));
  end(async () => {
    child.kill('SIGINT');
    await exited;
  });
  const read = () => readFileSync(logFile, 'utf8');
  await eventually(async () => /✓ ready/.test(read()), 180_000).catch((e) => {
    throw new Error(`${e.message}\n${read()}`);
  });
  // Lines keep landing in up.log (pod logs, the port forward); give a loop time to show.
  writeFileSync(join(dir, 'server.js'), readFileSync(join(dir, 'server.js'), 'utf8').replace('Hello from', 'Hi from'));
  await eventually(async () => (read().match(/STEP \d+\/\d+ — Building Dockerfile: \[nodejs-express-app-image\]/g) ?? []).length >= 2, 60_000);
  await new Promise((r) => setTimeout(r, 4000));
  const out = read();
  assert.equal(
    (out.match(/STEP \d+\/\d+ — Building Dockerfile: \[nodejs-express-app-image\]/g) ?? []).length,
    2,
    `one initial build and one for server.js, no loop:\n${out}`,
  );
  assert.match(out, /up\.out is where devloop's own output goes: its changes are ignored/);
});

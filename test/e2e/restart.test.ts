/**
 * restart_process end to end: fixtures/tilt-example-go-restart (ported from tilt-dev/tilt-example-go, whose server
 * reads its template once at start) under `devloop up` against the test cluster. A synced change shows only after
 * devloop restarted the process; the pod and its container stay; SIGTERM to the container stops the app with the
 * app's own exit code, and the restarted container gets the synced files and a restarted process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { copyFixture, DevloopProcess, eventually, httpGet, runDevloop, freePort } from './helpers.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;
let dir: string;
let port: number;
let up: DevloopProcess;
const cleanup: (() => Promise<unknown> | void)[] = [];

const answer = async () => (await httpGet(`http://127.0.0.1:${port}/`).catch(() => ({ body: '' }))).body;

function kube() {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return kc;
}

async function pods(): Promise<k8s.V1Pod[]> {
  const list = await kube().makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: 'app=example-go' });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
}

async function execIn(pod: string, cmd: string[]): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(c, _e, cb) {
      out += c;
      cb();
    },
  });
  await new Promise<void>((ok, fail) => {
    new k8s.Exec(kube()).exec('default', pod, 'example-go', cmd, sink, sink, null, false, () => ok()).catch(fail);
  });
  return out;
}

const template = () => join(dir, 'web/templates/index.tmpl');
const setGreeting = (text: string) =>
  writeFileSync(template(), readFileSync(template(), 'utf8').replace(/<div>Hello[^<]*<\/div>|<div>Congratulations[^<]*<\/div>/g, `<div>${text}</div>`));

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
  const p = copyFixture('tilt-example-go-restart', ['web']);
  dir = p.dir;
  port = await freePort();
  const cfg = join(dir, 'devloop.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 8000', `port_forwards: '${port}:8000'`));
  up = new DevloopProcess(['up'], { cwd: dir, env });
  cleanup.push(async () => {
    await up.stop();
    await runDevloop(['down'], { cwd: dir, env });
    p.remove();
  });
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 180_000);
  await eventually(async () => (await answer()).includes('Time from') && true, 60_000);
});

after(async () => {
  for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  await cluster?.stop();
});

test('the server reads its template only at start: a change written into the container by hand does not show', async () => {
  const pod = (await pods())[0].metadata!.name!;
  await execIn(pod, ['sh', '-c', "sed -i 's/Hello cats!/By hand/; s/Congratulations, you set up live_update!/By hand/' /app/web/templates/index.tmpl"]);
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(await answer(), /By hand/);
});

test("editing the template syncs it and restarts the process: the new answer, the same pod and container, the app's logs", async () => {
  const before = (await pods())[0];
  const from = up.mark();
  setGreeting('Hello restarted cats!');
  await up.waitFor(/live update example-go: 1 file synced, restarted the process, \d+ ms/, 30_000, from);
  // "restarted" is said once the new process runs; it answers once it listens.
  await eventually(async () => (await answer()).includes('Hello restarted cats!') && true, 10_000, 20);
  const since = up.output.slice(from);
  assert.match(since, /Serving on port 8000/, "the new process's log lines show");
  assert.doesNotMatch(since, /Building Dockerfile|Objects applied/);
  const now = (await pods())[0];
  assert.equal(now.metadata!.uid, before.metadata!.uid, 'the same pod');
  assert.equal(now.status!.containerStatuses![0].restartCount ?? 0, before.status!.containerStatuses![0].restartCount ?? 0, 'the container did not restart');
});

test('editing the source runs the compile step, whose output is synced and the process restarted', async () => {
  const from = up.mark();
  const main = join(dir, 'main.js');
  writeFileSync(main, readFileSync(main, 'utf8').replace("res.end('404 page not found\\n')", "res.end('not here, restarted\\n')"));
  await up.waitFor(/live update example-go: 1 file synced, restarted the process, \d+ ms/, 60_000, from);
  await eventually(
    async () => (await httpGet(`http://127.0.0.1:${port}/nope`).catch(() => ({ body: '' }))).body.includes('not here, restarted') && true,
    10_000,
    50,
  );
});

test("SIGTERM to the container stops the app with the app's exit code; the restarted container gets the synced files and a restarted process", async () => {
  const pod = (await pods())[0];
  const from = up.mark();
  // PID 1 is the supervisor: it passes SIGTERM to node, which has no handler and dies of it (128 + 15).
  await execIn(pod.metadata!.name!, ['kill', '-TERM', '1']).catch(() => '');
  const st = await eventually(async () => {
    const p = (await pods()).find((x) => x.metadata!.uid === pod.metadata!.uid);
    const c = p?.status?.containerStatuses?.[0];
    return c && (c.restartCount ?? 0) > (pod.status!.containerStatuses![0].restartCount ?? 0) && c.lastState?.terminated ? c : undefined;
  }, 60_000);
  assert.equal(st.lastState!.terminated!.exitCode, 143);
  await up.waitFor(
    /re-seeded pod example-go-[a-z0-9-]+\/example-go with \d+ files? \(changed since its image was built\), restarted the process/,
    60_000,
    from,
  );
  await eventually(async () => (await answer()).includes('Hello restarted cats!') && true, 30_000, 50);
});

/**
 * Live update end to end: fixtures/nodejs-express with devloop.live.ts (sync('.', '/var/www/app'),
 * entrypoint node --watch server.js) under `devloop up` against the test cluster.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { copyFixture, DevloopProcess, eventually, httpGet, runDevloop, freePort } from './helpers.js';
import { removeProject, writeProject } from '../helpers/project.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;
let dir: string;
let port: number;
let up: DevloopProcess;
const cleanup: (() => Promise<unknown> | void)[] = [];

const answer = async () => (await httpGet(`http://127.0.0.1:${port}/`)).body.trim();

async function podList(): Promise<k8s.V1Pod[]> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=nodejs-express-app' });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
}

async function execIn(pod: string, cmd: string[]): Promise<string> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const { Writable } = await import('node:stream');
  let out = '';
  const sink = new Writable({
    write(c, _e, cb) {
      out += c;
      cb();
    },
  });
  await new Promise<void>((ok, fail) => {
    new k8s.Exec(kc).exec('default', pod, 'app', cmd, sink, sink, null, false, () => ok()).catch(fail);
  });
  return out;
}

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
  const p = copyFixture('nodejs-express', ['.', 'package']);
  dir = p.dir;
  port = await freePort();
  const cfg = join(dir, 'devloop.live.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000'`));
  up = new DevloopProcess(['up', '-f', 'devloop.live.ts'], { cwd: dir, env });
  cleanup.push(async () => {
    await up.stop();
    await runDevloop(['down', '-f', 'devloop.live.ts'], { cwd: dir, env });
    p.remove();
  });
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 120_000);
  await eventually(async () => (await answer()).startsWith('Hello from') && true, 60_000);
});

after(async () => {
  for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  await cluster?.stop();
});

test('editing server.js changes the answer with no new pod and no build', async () => {
  const podsBefore = (await podList()).map((p) => p.metadata!.uid);
  const from = up.mark();
  const server = join(dir, 'server.js');
  writeFileSync(server, readFileSync(server, 'utf8').replace('Hello from', 'Synced:'));
  await eventually(async () => (await answer()).startsWith('Synced:') && true, 30_000, 50);
  const since = up.output.slice(from);
  assert.match(since, /live update nodejs-express-app: 1 file synced, \d+ ms/);
  assert.doesNotMatch(since, /Building Dockerfile|STEP \d|Objects applied/);
  assert.deepEqual(
    (await podList()).map((p) => p.metadata!.uid),
    podsBefore,
    'the same pod keeps running',
  );
});

test('two edits in quick succession give one update with both files', async () => {
  const from = up.mark();
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'b.txt'), 'b\n');
  await up.waitFor(/live update nodejs-express-app: \d+ files? synced/, 20_000, from);
  await new Promise((r) => setTimeout(r, 500));
  const updates = up.output.slice(from).match(/live update nodejs-express-app: .*/g) ?? [];
  assert.deepEqual(
    updates.map((u) => u.replace(/, \d+ ms$/, '')),
    ['live update nodejs-express-app: 2 files synced'],
  );
});

test('deleting a synced file deletes it in the container', async () => {
  writeFileSync(join(dir, 'notes.txt'), 'temporary\n');
  await up.waitFor(/live update nodejs-express-app: 1 file synced/, 20_000, up.mark() - 1);
  const pod = (await podList())[0].metadata!.name!;
  await eventually(async () => (await execIn(pod, ['cat', '/var/www/app/notes.txt'])).includes('temporary') && true, 10_000);
  const from = up.mark();
  rmSync(join(dir, 'notes.txt'));
  await up.waitFor(/live update nodejs-express-app: 0 files synced, 1 deleted/, 20_000, from);
  assert.equal((await execIn(pod, ['sh', '-c', 'test -e /var/www/app/notes.txt && echo present || echo gone'])).trim(), 'gone');
});

test('a run step with a trigger runs only when its trigger changes', async () => {
  let from = up.mark();
  appendFileSync(join(dir, 'server.js'), '\n// touch\n');
  await up.waitFor(/live update nodejs-express-app: 1 file synced, \d+ ms/, 20_000, from);
  assert.doesNotMatch(up.output.slice(from), /ran "/);
  from = up.mark();
  writeFileSync(join(dir, 'config/settings.json'), '{ "greeting": "hey" }\n');
  await up.waitFor(/live update nodejs-express-app: 1 file synced, ran "node -e .*" \(trigger config\/settings\.json\), \d+ ms/, 20_000, from);
});

test('killing the container gets the restarted container the synced files back', async () => {
  const pod = (await podList())[0];
  const id = pod.status!.containerStatuses![0].containerID!.replace('docker://', '');
  const from = up.mark();
  await new Docker().getContainer(id).kill();
  await up.waitFor(/re-seeded pod nodejs-express-app-[a-z0-9-]+\/app with \d+ files?/, 60_000, from);
  // config/settings.json was synced before: its run step runs again in the new container.
  assert.match(up.output.slice(from), /re-seeded pod nodejs-express-app-[a-z0-9-]+\/app with \d+ files? .*ran "node -e .*" \(trigger config\/settings\.json\)/);
  await eventually(async () => (await answer()).startsWith('Synced:') && true, 30_000);
  const again = (await podList())[0];
  assert.equal(again.metadata!.uid, pod.metadata!.uid, 'same pod, restarted container');
  assert.ok((again.status!.containerStatuses![0].restartCount ?? 0) >= 1);
});

test('a failing run step is reported with its output and exit code, fails the resource, and the next change (even one restoring the file) rebuilds', async () => {
  let from = up.mark();
  const settings = join(dir, 'config/settings.json');
  const original = readFileSync(settings, 'utf8');
  writeFileSync(settings, '{ not json\n');
  await up.waitFor(/run step "node -e .*" exited with code 1/, 20_000, from);
  await up.waitFor(/— FAILED/, 20_000, from);
  assert.match(up.output.slice(from), /SyntaxError/);
  await up.waitFor(/✗ failed: live update of nodejs-express-app-image failed/, 20_000, from);
  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.match(get.stdout, /nodejs-express-app\s+k8s\s+failed/, 'the status says failed, not ready');
  from = up.mark();
  // The file as it was when the image was built: the container still holds the broken one, so this rebuilds too.
  writeFileSync(settings, original);
  await up.waitFor(/no live update: the last live update failed/, 20_000, from);
  await up.waitFor(/Building Dockerfile: \[nodejs-express-app-image\]/, 30_000, from);
  await up.waitFor(/✓ ready/, 60_000, from);
});

test('a fall_back_on file rebuilds, saying which file', async () => {
  const from = up.mark();
  appendFileSync(join(dir, 'app.dockerfile'), '\n# a comment\n');
  await up.waitFor(/no live update: app\.dockerfile matches fall_back_on\(app\.dockerfile\)/, 20_000, from);
  await up.waitFor(/Building Dockerfile: \[nodejs-express-app-image\]/, 30_000, from);
  await up.waitFor(/✓ ready/, 60_000, from);
});

test('trigger_mode manual: a change waits for devloop trigger, which syncs it (no build)', async () => {
  const cfg = join(dir, 'devloop.live.ts');
  const auto = readFileSync(cfg, 'utf8');
  let from = up.mark();
  writeFileSync(cfg, auto.replace(/k8s_resource\('nodejs-express-app', \{/, "k8s_resource('nodejs-express-app', { trigger_mode: 'manual',"));
  await up.waitFor(/Config changed \(devloop\.live\.ts\): evaluated again/, 30_000, from);
  try {
    from = up.mark();
    const server = join(dir, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace(/Hello from|Synced:|Manual:/, 'Manual:'));
    await up.waitFor(/pending until triggered \(trigger_mode manual\)/, 20_000, from);
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(up.output.slice(from), /live update nodejs-express-app: /, 'nothing synced before the trigger');
    assert.doesNotMatch(await answer(), /^Manual:/);
    const trig = await runDevloop(['trigger', '-f', 'devloop.live.ts', 'nodejs-express-app'], { cwd: dir, env });
    assert.equal(trig.code, 0, trig.stderr);
    // devloop.live.ts is in the synced context too: it is pending as well.
    await up.waitFor(/live update nodejs-express-app: \d+ files? synced, \d+ ms/, 20_000, from);
    await eventually(async () => (await answer()).startsWith('Manual:') && true, 30_000, 50);
    assert.match(up.output.slice(from), /Triggered by devloop trigger \(\d+ changed file\(s\)\): live update/);
    assert.doesNotMatch(up.output.slice(from), /Building Dockerfile|STEP \d/);
  } finally {
    from = up.mark();
    writeFileSync(cfg, auto);
    await up.waitFor(/Config changed \(devloop\.live\.ts\): evaluated again/, 30_000, from);
  }
});

test('editing package/package.json rebuilds both images', async () => {
  const from = up.mark();
  appendFileSync(join(dir, 'package/package.json'), '\n');
  await up.waitFor(/no live update: .*base image|rebuilding nodejs-express-base-image/, 20_000, from).catch(() => undefined);
  await up.waitFor(/Building Dockerfile: \[nodejs-express-base-image\]/, 30_000, from);
  await up.waitFor(/Building Dockerfile: \[nodejs-express-app-image\]/, 30_000, from);
  await up.waitFor(/✓ ready/, 60_000, from);
});

test('a container running as a non-root user over root-owned files gets a clear error', async () => {
  const p = writeProject({
    Dockerfile: 'FROM node:16-alpine\nWORKDIR /app\nCOPY server.js /app/server.js\n',
    'server.js': "require('http').createServer((q, s) => s.end('v1')).listen(8080);\n",
    'app.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nonroot\nspec:\n  selector:\n    matchLabels: { app: nonroot }\n  template:\n    metadata:\n      labels: { app: nonroot }\n    spec:\n      securityContext: { runAsUser: 1000 }\n      containers:\n        - name: main\n          image: nonroot-image\n',
    'devloop.ts':
      "import { docker_build, k8s_yaml, sync } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('nonroot-image', '.', { live_update: [sync('server.js', '/app/server.js')], entrypoint: 'node --watch server.js' });\n",
  });
  const nr = new DevloopProcess(['up', '--port', '0'], { cwd: p, env });
  cleanup.push(async () => {
    await nr.stop();
    await runDevloop(['down'], { cwd: p, env });
    removeProject(p);
  });
  await nr.waitFor(/✓ ready/, 120_000);
  const from = nr.mark();
  writeFileSync(join(p, 'server.js'), "require('http').createServer((q, s) => s.end('v2')).listen(8080);\n");
  await nr.waitFor(/live update nodejs|live update nonroot/, 30_000, from);
  const since = nr.output.slice(from);
  assert.match(since, /the container runs as uid 1000 and may not write to the sync destination/);
  assert.match(since, /hint: make the destination writable by that user in the Dockerfile \(e\.g\. RUN chown -R 1000 \/app\), or run the container as root/);
});

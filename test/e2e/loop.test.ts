/**
 * `devloop up`, `ci` and `down` end to end: the real CLI, the real engine and registry, and the test
 * cluster (test/cluster), whose pods run as containers on the engine.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { copyFixture, DevloopProcess, eventually, httpGet, runDevloop, freePort } from './helpers.js';
import { removeProject, writeProject, DEPLOYMENT } from '../helpers/project.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;
const cleanup: (() => Promise<unknown> | void)[] = [];

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
});
after(async () => {
  for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
  await cluster?.stop();
});

function api(): k8s.KubernetesObjectApi {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return k8s.KubernetesObjectApi.makeApiClient(kc);
}

async function listLabelled(project?: string): Promise<string[]> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const sel = project ? `devloop.dev/project=${project}` : 'app.kubernetes.io/managed-by=devloop';
  const [d, s, c] = await Promise.all([
    apps.listDeploymentForAllNamespaces({ labelSelector: sel }),
    core.listServiceForAllNamespaces({ labelSelector: sel }),
    core.listConfigMapForAllNamespaces({ labelSelector: sel }),
  ]);
  return [
    ...d.items.map((x) => `Deployment/${x.metadata!.name}`),
    ...s.items.map((x) => `Service/${x.metadata!.name}`),
    ...c.items.map((x) => `ConfigMap/${x.metadata!.name}`),
  ];
}

async function nodejsExpress(): Promise<{ dir: string; port: number }> {
  const p = copyFixture('nodejs-express', ['.', 'package']);
  cleanup.push(() => p.remove());
  const port = await freePort();
  const cfg = join(p.dir, 'devloop.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000'`));
  return { dir: p.dir, port };
}

test('up: builds both images, deploys, answers through the port forward, rebuilds only what a change touches', async () => {
  const { dir, port } = await nodejsExpress();
  const up = new DevloopProcess(['up'], { cwd: dir, env });
  cleanup.push(() => up.stop());
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 120_000);
  const first = await eventually(async () => (await httpGet(`http://127.0.0.1:${port}/`)).body.includes('Hello from') && 'ok');
  assert.equal(first, 'ok');
  assert.match(up.output, /Building Dockerfile: \[nodejs-express-base-image\]/);
  assert.match(up.output, /Building Dockerfile: \[nodejs-express-app-image\]/);

  // server.js: only the app image is rebuilt, and the new pod answers with the new text.
  let from = up.mark();
  const server = join(dir, 'server.js');
  writeFileSync(server, readFileSync(server, 'utf8').replace('Hello from', 'Edited:'));
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port}/`)).body.startsWith('Edited:') && true, 90_000);
  let since = up.output.slice(from);
  assert.match(since, /1 File Changed: \[server\.js\] → rebuilding nodejs-express-app-image/);
  assert.match(since, /Image nodejs-express-base-image is up to date/);
  assert.doesNotMatch(since, /Building Dockerfile: \[nodejs-express-base-image\]/);

  // package.json: both images.
  from = up.mark();
  appendFileSync(join(dir, 'package/package.json'), '\n');
  await up.waitFor(/✓ ready/, 120_000, from);
  since = up.output.slice(from);
  assert.match(since, /Building Dockerfile: \[nodejs-express-base-image\]/);
  assert.match(since, /Building Dockerfile: \[nodejs-express-app-image\]/);

  // Saving unchanged content, or an ignored file, rebuilds and restarts nothing.
  from = up.mark();
  writeFileSync(server, readFileSync(server, 'utf8'));
  writeFileSync(join(dir, 'debug.log'), 'ignored by app.dockerfile.dockerignore\n');
  await up.waitFor(/nothing to rebuild/, 30_000, from);
  await new Promise((r) => setTimeout(r, 1500));
  since = up.output.slice(from);
  assert.doesNotMatch(since, /Building Dockerfile|Objects applied|STEP \d/);

  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /nodejs-express-app\s+k8s\s+ready/);

  assert.equal(await up.stop(), 0);
  assert.ok((await listLabelled()).includes('Deployment/nodejs-express-app'), 'Ctrl-C leaves the deployed objects');
  const down = await runDevloop(['down'], { cwd: dir, env });
  assert.equal(down.code, 0, down.stderr);
});

test('ci exits 0 when the fixture is ready; down removes exactly the project objects, even with a broken devloop.ts', async () => {
  const { dir } = await nodejsExpress();
  const r = await runDevloop(['ci'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /SUCCESS\. All 1 resource is ready/);

  await api().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre-existing', namespace: 'default' }, data: { keep: 'me' } });
  cleanup.push(() => api().delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre-existing', namespace: 'default' } }));
  appendFileSync(join(dir, 'devloop.ts'), '\nthis is not typescript(\n');
  const down = await runDevloop(['down'], { cwd: dir, env });
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, /does not evaluate/);
  assert.match(down.stderr, /→ Deployment\/nodejs-express-app/);
  assert.match(down.stderr, /→ Service\/nodejs-express-app/);
  const left = await listLabelled();
  assert.ok(!left.some((x) => x.includes('nodejs-express-app')), left.join(', '));
  const kept = await api().read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre-existing', namespace: 'default' } });
  assert.equal((kept as k8s.V1ConfigMap).data?.keep, 'me');
});

const header = "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\n";

function project(files: Record<string, string>): string {
  const dir = writeProject(files);
  cleanup.push(async () => {
    await runDevloop(['down'], { cwd: dir, env });
    removeProject(dir);
  });
  return dir;
}

test("ci exits 1 with the crashing container's logs", async () => {
  const dir = project({
    Dockerfile: `FROM busybox:latest\nCMD ["sh", "-c", "echo crashing on purpose ${Date.now()}; exit 3"]\n`,
    'app.yaml': DEPLOYMENT('crasher', 'crash-image'),
    'devloop.ts': `${header}docker_build('crash-image', '.');\n`,
  });
  const r = await runDevloop(['ci', '--timeout', '90s'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /FAILED: crasher: pod crasher-[a-z0-9-]+: container main: CrashLoopBackOff/);
  assert.match(r.stderr, /Last lines of crasher:[\s\S]*crashing on purpose/);
});

test('ci exits 1 on a failing build', async () => {
  const dir = project({
    Dockerfile: 'FROM busybox:latest\nRUN exit 7\n',
    'app.yaml': DEPLOYMENT('broken', 'broken-image'),
    'devloop.ts': `${header}docker_build('broken-image', '.');\n`,
  });
  const r = await runDevloop(['ci'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /FAILED: broken:/);
  assert.match(r.stderr, /RUN exit 7/);
  assert.doesNotMatch(r.stderr, /Objects applied/);
});

test('ci --timeout names the resource it was waiting for and why', async () => {
  const job = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: slow-job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: busybox:latest\n          command: ["sleep", "600"]\n`;
  const dir = project({ 'app.yaml': job, 'devloop.ts': header });
  const r = await runDevloop(['ci', '--timeout', '4s'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /timed out after 4s: 1 resource not ready: slow-job \(/);
});

test('a non-local context is refused and nothing is applied', async () => {
  const kubeconfig = join(writeProject({}), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: { server: 'https://prod-cluster.invalid:6443' }\ncontexts:\n- name: prod-eu\n  context: { cluster: prod, user: u }\nusers:\n- name: u\n  user: { token: x }\ncurrent-context: prod-eu\n`,
  );
  const { dir } = await nodejsExpress();
  const r = await runDevloop(['ci'], { cwd: dir, env: { KUBECONFIG: kubeconfig } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to deploy to kubeconfig context 'prod-eu'/);
  assert.match(r.stderr, /allow_k8s_contexts\('prod-eu'\)/);
  assert.doesNotMatch(r.stderr, /Applying|Building/);
});

/**
 * Reliability end to end (issue 10): the real CLI, engine and registry, and the test cluster. A crash loop in
 * `ci` shows the crashed container's own last lines; manifest errors stop a deploy before any build or apply;
 * `down --delete-namespaces` leaves hand-made objects and pre-existing namespaces as they were.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { DevloopProcess, freePort, runDevloop } from './helpers.js';
import { createConnection, createServer, type Server } from 'node:net';
import { removeProject, writeProject } from '../helpers/project.js';

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

function project(files: Record<string, string>): string {
  const dir = writeProject(files);
  cleanup.push(async () => {
    await runDevloop(['down'], { cwd: dir, env });
    removeProject(dir);
  });
  return dir;
}

const header = "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\n";

test("ci: a crash loop prints the crashed container's previous run, even when a chatty sidecar fills the resource's log", async () => {
  const marker = `crash-marker-${Date.now()}`;
  const dir = project({
    Dockerfile: `FROM busybox:latest\nCMD ["sh", "-c", "echo ${marker}; echo about to exit; exit 3"]\n`,
    'app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: crasher2 }
spec:
  selector: { matchLabels: { app: crasher2 } }
  template:
    metadata: { labels: { app: crasher2 } }
    spec:
      containers:
        - name: main
          image: crash2-image
        - name: chatty
          image: busybox:latest
          command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo chatter $i; sleep 0.01; done"]
`,
    'devloop.ts': `${header}docker_build('crash2-image', '.');\n`,
  });
  const r = await runDevloop(['ci', '--timeout', '120s'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /FAILED: crasher2: .*container main: CrashLoopBackOff/);
  const m = /Last lines of container main of pod (crasher2-[a-z0-9-]+) before it crashed \(its previous run, exit code 3\):\n((?: {2}.*\n?)*)/.exec(r.stderr);
  assert.ok(m, r.stderr.slice(-3000));
  assert.deepEqual(
    m[2]
      .trimEnd()
      .split('\n')
      .map((l) => l.trim()),
    [marker, 'about to exit'],
  );
});

test('ci: a manifest error stops its resource before its build, applies none of its objects, and names the object and field', async () => {
  const dir = project({
    Dockerfile: 'FROM busybox:latest\nCMD ["sleep", "3600"]\n',
    'app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: badsel }
spec:
  selector: { matchLabels: { app: badsel } }
  template:
    metadata: { labels: { app: badsel-typo } }
    spec:
      containers: [{ name: main, image: badsel-image }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: badsel-config }
data: { a: b }
`,
    'devloop.ts': `${header}docker_build('badsel-image', '.');\nk8s_resource('badsel', { objects: ['badsel-config:configmap'] });\n`,
  });
  const r = await runDevloop(['ci', '--timeout', '60s'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /1 of 2 objects of badsel would be refused \(Deployment\/badsel\); none of its objects was applied and its images were not built/);
  assert.match(
    r.stderr,
    /Deployment\/badsel \(.*app\.yaml:1\):\n\s+spec\.template\.metadata\.labels: Invalid value: \{"app":"badsel-typo"\}: `selector` does not match template `labels`/,
  );
  assert.doesNotMatch(r.stderr, /Building Dockerfile/);
  const got = await runKubectl(['get', 'configmap,deployment', '-o', 'name']);
  assert.doesNotMatch(got, /badsel/);
});

test('ci: an error only the API server finds (an unknown kind) is found by the dry run before any build or apply', async () => {
  const dir = project({
    Dockerfile: 'FROM busybox:latest\nCMD ["sleep", "3600"]\n',
    'app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: srvcheck }
spec:
  selector: { matchLabels: { app: srvcheck } }
  template:
    metadata: { labels: { app: srvcheck } }
    spec:
      containers: [{ name: main, image: srvcheck-image }]
---
apiVersion: apps/v1
kind: Deploymnet
metadata: { name: srvcheck-typo }
`,
    'devloop.ts': `${header}docker_build('srvcheck-image', '.');\nk8s_resource('srvcheck', { objects: ['srvcheck-typo:deploymnet'] });\n`,
  });
  const r = await runDevloop(['ci', '--timeout', '60s'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /objects of srvcheck would be refused \(Deploymnet\/srvcheck-typo\)/);
  assert.match(r.stderr, /has no kind Deploymnet in apiVersion apps\/v1/);
  assert.doesNotMatch(r.stderr, /Building Dockerfile/);
  assert.doesNotMatch(await runKubectl(['get', 'deployment', '-o', 'name']), /srvcheck/);
});

/** kubectl, asynchronously: the test cluster answers from this process. */
async function runKubectl(args: string[], stdin?: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise((ok, fail) => {
    const p = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => {
      out += b;
    });
    p.stderr.on('data', (b) => {
      err += b;
    });
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? ok(out) : fail(new Error(`kubectl ${args.join(' ')}: exit ${code}\n${err}`))));
    p.stdin.end(stdin ?? '');
  });
}

test('down --delete-namespaces refuses to delete a namespace holding objects made by hand, listing them; --force deletes them', async () => {
  const n = Date.now().toString(36);
  const made = `handmade-${n}`;
  const dir = project({
    'app.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${made} }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: ours, namespace: ${made} }\ndata: { k: v }\n`,
    'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n",
  });
  const ci = await runDevloop(['ci', '--timeout', '60s'], { cwd: dir, env });
  assert.equal(ci.code, 0, ci.stderr);
  await runKubectl(
    ['apply', '-f', '-'],
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: by-hand, namespace: ${made} }\ndata: { k: v }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: by-hand-secret, namespace: ${made} }\nstringData: { k: v }\n`,
  );

  const refused = await runDevloop(['down', '--delete-namespaces'], { cwd: dir, env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /not deleting anything: 2 objects that devloop did not make would be deleted with the namespace/);
  assert.match(refused.stderr, new RegExp(`ConfigMap/by-hand \\(namespace ${made}\\)`));
  assert.match(refused.stderr, new RegExp(`Secret/by-hand-secret \\(namespace ${made}\\)`));
  assert.doesNotMatch(refused.stderr, /ConfigMap\/ours \(|kube-root-ca|ServiceAccount\/default/);
  assert.match(refused.stderr, /--force/);
  assert.match(await runKubectl(['get', 'configmap', '-n', made, '-o', 'name']), /configmap\/ours/, 'nothing deleted');

  const forced = await runDevloop(['down', '--delete-namespaces', '--force'], { cwd: dir, env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, new RegExp(`→ Namespace/${made}\\b`));
  assert.doesNotMatch(await runKubectl(['get', 'namespaces', '-o', 'name']), new RegExp(made));
});

test('up: a forward whose local port is busy starts once the port is freed; a port nothing listens on is named with the ports the container declares', async () => {
  const port = await freePort();
  const holder: Server = createServer();
  await new Promise<void>((ok) => holder.listen(port, '127.0.0.1', () => ok()));
  let held = true;
  cleanup.push(() => (held ? new Promise((ok) => holder.close(ok)) : undefined));
  const dir = project({
    'app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: pf-busy }
spec:
  selector: { matchLabels: { app: pf-busy } }
  template:
    metadata: { labels: { app: pf-busy } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: node:16-alpine
          command: ["node", "-e", "setInterval(() => {}, 1000)"]
          ports: [{ containerPort: 8000, name: http }]
`,
    'devloop.ts': `import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('pf-busy', { port_forwards: '${port}:9000' });\n`,
  });
  const up = new DevloopProcess(['up'], { cwd: dir, env });
  cleanup.push(() => up.stop());
  await up.waitFor(new RegExp(`✗ failed: local port 127\\.0\\.0\\.1:${port} is already in use`), 60_000);
  const from = up.mark();
  await new Promise((ok) => holder.close(ok));
  held = false;
  await up.waitFor(
    new RegExp(`Forwarding http://127\\.0\\.0\\.1:${port} → port 9000 of the resource's ready pod \\(the local port is free now\\)`),
    20_000,
    from,
  );
  let status = '';
  for (let i = 0; i < 60 && !/pf-busy\s+k8s\s+ready/.test(status); i++) {
    status = (await runDevloop(['get'], { cwd: dir, env })).stdout;
    if (!/pf-busy\s+k8s\s+ready/.test(status)) await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(status, /pf-busy\s+k8s\s+ready/, 'no longer failed once the forward listens');
  const from2 = up.mark();
  await new Promise<void>((ok) => {
    const c = createConnection(port, '127.0.0.1', () => c.write('GET / HTTP/1.0\r\n\r\n'));
    c.on('close', () => ok());
    c.on('error', () => ok());
  });
  await up.waitFor(
    /port forward 127\.0\.0\.1:\d+: nothing listens on port 9000 in pod pf-busy-[a-z0-9-]+; its containers declare port 8000 \(http\) in container main — forward to 8000 instead/,
    20_000,
    from2,
  );
});

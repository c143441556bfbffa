/**
 * More of `devloop up` / `ci` / `down` end to end, beyond loop.test.ts: local resources, manual triggers and
 * auto_init, re-evaluation of devloop.ts, port forwards (port in use, following the pod), down and namespaces,
 * extra_pod_selectors. The real CLI, engine and registry, and one test cluster for the whole file.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { DevloopProcess, eventually, httpGet, runDevloop, freePort } from './helpers.js';
import { removeProject, writeProject } from '../helpers/project.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
});
after(async () => {
  await cluster?.stop();
});

// ---------------------------------------------------------------- helpers

/** Runs `fn`s in reverse order when the test ends, passed or failed. */
function cleanups(t: TestContext): (fn: () => unknown) => void {
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

/** A project on disk, removed (after `devloop down`) when the test ends. */
function project(onEnd: (fn: () => unknown) => void, files: Record<string, string>): string {
  const dir = writeProject(files);
  onEnd(() => removeProject(dir));
  onEnd(() => runDevloop(['down', '--delete-namespaces'], { cwd: dir, env, timeoutMs: 60_000 }));
  return dir;
}

function up(onEnd: (fn: () => unknown) => void, dir: string): DevloopProcess {
  const p = new DevloopProcess(['up'], { cwd: dir, env });
  onEnd(() => p.stop());
  return p;
}

const nonce = () => randomBytes(4).toString('hex');

/** eventually(), failing with the tail of devloop's output. */
async function until(p: DevloopProcess, what: string, fn: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  try {
    await eventually(async () => Boolean(await fn()), timeoutMs);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}; devloop output:\n${p.tail()}`);
  }
}

/** A line of the output from `source` (right-aligned before ` │ `) whose text matches `text` (a regexp source). */
function line(source: string, text: string): RegExp {
  return new RegExp(`^ *${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} │ ${text}`, 'm');
}

/** Index of the first line matching, or -1. */
function indexOf(out: string, re: RegExp): number {
  return out.search(re);
}

function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return kc;
}

async function exists(kind: 'Deployment' | 'ConfigMap' | 'Namespace', name: string, namespace = 'default'): Promise<boolean> {
  const kc = kubeConfig();
  try {
    if (kind === 'Deployment') await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name, namespace });
    else if (kind === 'ConfigMap') await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name, namespace });
    else await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name });
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return false;
    throw e;
  }
}

/** A Deployment whose container idles and stops at once when asked (or runs its image's CMD). */
function sleeper(name: string, o: { image?: string; imageCmd?: boolean; namespace?: string; port?: number } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${o.namespace ? `  namespace: ${o.namespace}\n` : ''}spec:
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: ${o.image ?? 'busybox:latest'}
${!o.imageCmd ? `          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n` : ''}${o.port ? `          ports:\n            - containerPort: ${o.port}\n` : ''}`;
}

// A node server rather than busybox httpd: the test cluster forwards into images with node through one long-lived
// relay per container (images without node fall back to one busybox nc per connection).
const WEB_DOCKERFILE =
  'FROM node:16-alpine\nCOPY index.html /www/index.html\nCMD ["node", "-e", "require(\'http\').createServer((q, s) => s.end(require(\'fs\').readFileSync(\'/www/index.html\'))).listen(8000)"]\n';

// ---------------------------------------------------------------- local_resource

test('local_resource: cmd at start and on dep change, serve_cmd logs and restarts, resource_deps order', async (t) => {
  const onEnd = cleanups(t);
  const dir = project(onEnd, {
    'input.txt': 'v1\n',
    'app.yaml': sleeper('after-gen'),
    'devloop.ts': `import { k8s_yaml, k8s_resource, local_resource } from 'devloop';
local_resource('gen', 'echo "cmd-run $(cat input.txt)" && cp input.txt out.txt', {
  deps: ['input.txt'],
  serve_cmd: 'echo $$ > serve.pid; echo "serve-start $(cat out.txt)"; sleep 1; echo serve-still-running; exec sleep 300',
});
k8s_yaml('app.yaml');
k8s_resource('after-gen', { resource_deps: ['gen'] });
`,
  });
  // The serve process is devloop's to stop; should devloop die first, it is ended here (by its pid, checked).
  const servePid = () => Number(readFileSync(join(dir, 'serve.pid'), 'utf8'));
  const alive = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep');
    } catch {
      return false;
    }
  };
  onEnd(() => {
    const pid = servePid();
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const p = up(onEnd, dir);
  await p.waitFor(line('after-gen', '✓ ready'), 90_000);
  const out = p.output;
  assert.match(out, line('gen', 'Running cmd: echo'));
  assert.match(out, line('gen', 'cmd-run v1'));
  assert.match(out, line('gen', 'serve-start v1'));
  const genReady = indexOf(out, line('gen', '✓ ready'));
  const applying = indexOf(out, line('after-gen', 'Applying'));
  assert.ok(genReady >= 0 && applying > genReady, `after-gen must be applied after gen is ready:\n${out}`);
  assert.ok(indexOf(out, line('gen', 'Starting serve_cmd')) < applying, 'serve_cmd started before the dependent deploy');

  await p.waitFor(line('gen', 'serve-still-running'), 10_000);
  const firstServe = servePid();
  assert.ok(alive(firstServe));

  // A change to a dep reruns cmd, then restarts serve_cmd; the k8s resource is left alone.
  const from = p.mark();
  writeFileSync(join(dir, 'input.txt'), 'v2\n');
  await p.waitFor(line('gen', 'serve-start v2'), 30_000, from);
  const since = p.output.slice(from);
  assert.match(since, line('gen', '1 File Changed: \\[input\\.txt\\]'));
  assert.ok(indexOf(since, line('gen', 'cmd-run v2')) < indexOf(since, line('gen', 'serve-start v2')), since);
  assert.doesNotMatch(since, /serve_cmd exited/, 'a restart is not reported as the serve_cmd dying');
  assert.doesNotMatch(since, line('after-gen', 'Applying'));
  assert.notEqual(servePid(), firstServe);
  assert.equal(alive(firstServe), false, 'the previous serve_cmd process was stopped');
  assert.ok(alive(servePid()));

  // Ctrl-C stops the serve process too.
  const last = servePid();
  assert.equal(await p.stop(), 0);
  assert.equal(alive(last), false, 'devloop stops serve_cmd when it stops');
  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.equal(get.code, 1);
  assert.match(get.stderr, /devloop up is not running/, 'and removes its control file (not: "does not answer")');
});

test('ci waits for local cmds before their dependents, ignores auto_init: false, and exits 1 when a cmd fails', async (t) => {
  const onEnd = cleanups(t);
  const ok = project(onEnd, {
    'app.yaml': `${sleeper('ci-app')}---\n${sleeper('ci-lazy')}`,
    'devloop.ts': `import { k8s_yaml, k8s_resource, local_resource } from 'devloop';
local_resource('prep', 'sleep 1; echo prep-finished > marker.txt; echo prep-finished');
k8s_yaml('app.yaml');
k8s_resource('ci-app', { resource_deps: ['prep'] });
k8s_resource('ci-lazy', { auto_init: false });
`,
  });
  const r = await runDevloop(['ci', '--timeout', '90s'], { cwd: ok, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, line('prep', 'prep-finished'));
  assert.match(r.stderr, /SUCCESS\. All 2 resources are ready; not started \(auto_init: false or trigger_mode manual\): ci-lazy/);
  assert.ok(indexOf(r.stderr, line('prep', '✓ ready')) < indexOf(r.stderr, line('ci-app', 'Applying')), r.stderr);
  assert.doesNotMatch(r.stderr, line('ci-lazy', 'Applying'));
  assert.equal(readFileSync(join(ok, 'marker.txt'), 'utf8'), 'prep-finished\n');
  assert.equal(await exists('Deployment', 'ci-app'), true);
  assert.equal(await exists('Deployment', 'ci-lazy'), false, 'auto_init: false is not deployed by ci');

  const bad = project(onEnd, {
    'devloop.ts': `import { local_resource } from 'devloop';\nlocal_resource('bad-cmd', 'echo about-to-fail; exit 4');\n`,
  });
  const f = await runDevloop(['ci', '--timeout', '60s'], { cwd: bad, env });
  assert.equal(f.code, 1, f.stderr);
  assert.match(f.stderr, /FAILED: bad-cmd: .*exited with code 4/);
  assert.match(f.stderr, /about-to-fail/);
});

// ---------------------------------------------------------------- triggers

test('trigger_mode manual waits for devloop trigger; auto_init: false starts on trigger; get lists; unknown names are refused', async (t) => {
  const onEnd = cleanups(t);
  const n = nonce();
  const dir = project(onEnd, {
    'img/Dockerfile': 'FROM busybox:latest\nCOPY msg.txt /msg.txt\nCMD ["sh", "-c", "cat /msg.txt; trap \'exit 0\' TERM; while true; do sleep 1; done"]\n',
    'img/msg.txt': `manual-v1-${n}\n`,
    'app.yaml': `${sleeper('manual-app', { image: 'manual-image', imageCmd: true })}---\n${sleeper('lazy')}`,
    'devloop.ts': `import { docker_build, k8s_yaml, k8s_resource } from 'devloop';
k8s_yaml('app.yaml');
docker_build('manual-image', 'img');
k8s_resource('manual-app', { trigger_mode: 'manual' });
k8s_resource('lazy', { auto_init: false });
`,
  });
  const p = up(onEnd, dir);
  await p.waitFor(line('manual-app', '✓ ready'), 120_000);
  await p.waitFor(line('manual-app', `manual-v1-${n}`), 30_000);
  assert.doesNotMatch(p.output, line('lazy', 'Applying'));
  assert.equal(await exists('Deployment', 'lazy'), false, 'auto_init: false is not deployed at start');

  let get = await runDevloop(['get'], { cwd: dir, env });
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /^RESOURCE\s+TYPE\s+STATUS\s+TRIGGER/m);
  assert.match(get.stdout, /^manual-app\s+k8s\s+ready\s+manual\b/m);
  assert.match(get.stdout, /^lazy\s+k8s\s+disabled\s+auto\b/m);

  // A change to a manual resource's image is held until triggered.
  const from = p.mark();
  writeFileSync(join(dir, 'img/msg.txt'), `manual-v2-${n}\n`);
  await p.waitFor(line('manual-app', '.*pending until triggered.*devloop trigger manual-app'), 30_000, from);
  await new Promise((r) => setTimeout(r, 2000));
  assert.doesNotMatch(p.output.slice(from), /Building Dockerfile|Applying|STEP \d/, 'nothing is built before the trigger');
  get = await runDevloop(['get'], { cwd: dir, env });
  assert.match(get.stdout, /^manual-app\s+k8s\s+ready\s+manual \(1 pending\)/m);

  const trig = await runDevloop(['trigger', 'manual-app'], { cwd: dir, env });
  assert.equal(trig.code, 0, trig.stderr);
  assert.match(trig.stderr, /Triggered manual-app/);
  await p.waitFor(line('manual-app', `manual-v2-${n}`), 90_000, from);
  assert.match(p.output.slice(from), /Triggered by devloop trigger \(1 changed file/);

  // auto_init: false: deployed when triggered.
  const lazy = await runDevloop(['trigger', 'lazy'], { cwd: dir, env });
  assert.equal(lazy.code, 0, lazy.stderr);
  await p.waitFor(line('lazy', '✓ ready'), 60_000, from);
  assert.equal(await exists('Deployment', 'lazy'), true);
  get = await runDevloop(['get'], { cwd: dir, env });
  assert.match(get.stdout, /^lazy\s+k8s\s+ready\b/m);

  const none = await runDevloop(['trigger', 'no-such'], { cwd: dir, env });
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /no resource named 'no-such'/);
  assert.match(none.stderr, /manual-app/);
  assert.match(none.stderr, /lazy/);
});

// ---------------------------------------------------------------- re-evaluation and port forwards

test('devloop.ts: a broken one keeps the last good plan running, fixed resumes, additions are deployed; the forward follows a replaced pod', async (t) => {
  const onEnd = cleanups(t);
  const port = await freePort();
  const n = nonce();
  const good = `import { docker_build, k8s_yaml, k8s_resource, local_resource } from 'devloop';
k8s_yaml('web.yaml');
docker_build('web-image', 'web');
k8s_resource('web', { port_forwards: '${port}:8000' });
`;
  const dir = project(onEnd, {
    'web/Dockerfile': WEB_DOCKERFILE,
    'web/index.html': `web-v1-${n}`,
    'web.yaml': sleeper('web', { image: 'web-image', imageCmd: true, port: 8000 }),
    'extra.yaml': sleeper('extra'),
    'devloop.ts': good,
  });
  const cfg = join(dir, 'devloop.ts');
  const url = `http://127.0.0.1:${port}/`;
  const p = up(onEnd, dir);
  await p.waitFor(new RegExp(`Forwarding http://127\\.0\\.0\\.1:${port}`), 120_000);
  await until(p, 'the forward answers with v1', async () => (await httpGet(url)).body === `web-v1-${n}`);

  // Broken: the error with file:line; the last good plan keeps running.
  let from = p.mark();
  writeFileSync(cfg, `${good}docker_build('other-image', 'web', { buildargs: { a: '1' } });\n`);
  const brokenLine = good.split('\n').length; // the appended line's number
  await p.waitFor(/Config error, still running the last good config: .*/, 30_000, from);
  assert.match(p.output.slice(from), new RegExp(`Config error, still running the last good config: .*buildargs.*devloop\\.ts:${brokenLine}\\b`));
  assert.equal((await httpGet(url)).body, `web-v1-${n}`, 'the port forward still answers');
  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.match(get.stdout, /config error: .*buildargs/);
  assert.match(get.stdout, /^web\s+k8s\s+ready/m);

  // Fixed: said so, and changes are followed again; the same local port answers from the new pod.
  from = p.mark();
  writeFileSync(cfg, good);
  await p.waitFor(/Config fixed\./, 30_000, from);
  from = p.mark();
  writeFileSync(join(dir, 'web/index.html'), `web-v2-${n}`);
  await p.waitFor(line('web', '.*→ rebuilding web-image'), 30_000, from);
  await until(p, 'the same local port answers from the new pod', async () => (await httpGet(url)).body === `web-v2-${n}`, 60_000);

  // Additions: a second k8s_yaml and a new local_resource are evaluated and started (Engine.applyResolved must
  // queue the first update of a resource that is new to the config).
  from = p.mark();
  writeFileSync(cfg, `${good}k8s_yaml('extra.yaml');\nlocal_resource('added', 'echo added-ran-${n}');\n`);
  await p.waitFor(/Config changed \(devloop\.ts\): evaluated again/, 30_000, from);
  await p.waitFor(line('extra', '✓ ready'), 30_000, from);
  await p.waitFor(line('added', `added-ran-${n}`), 10_000, from);
  assert.equal(await exists('Deployment', 'extra'), true);
  assert.equal((await httpGet(url)).body, `web-v2-${n}`);
});

test('a local port already in use is an error naming the port', async (t) => {
  const onEnd = cleanups(t);
  const port = await freePort();
  const holder: Server = createServer();
  await new Promise<void>((ok) => holder.listen(port, '127.0.0.1', () => ok()));
  onEnd(() => new Promise((ok) => holder.close(ok)));
  const dir = project(onEnd, {
    'app.yaml': sleeper('busy-pf', { port: 8000 }),
    'devloop.ts': `import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('busy-pf', { port_forwards: '${port}:8000' });\n`,
  });
  const p = up(onEnd, dir);
  await p.waitFor(line('busy-pf', '✗ failed'), 60_000);
  assert.match(p.output, line('busy-pf', `✗ failed: local port 127\\.0\\.0\\.1:${port} is already in use by PID ${process.pid} `));
  const get = await runDevloop(['get'], { cwd: dir, env });
  assert.match(get.stdout, new RegExp(`^busy-pf\\s+k8s\\s+failed\\s+auto\\s+local port 127\\.0\\.0\\.1:${port} is already in use`, 'm'));
});

// ---------------------------------------------------------------- down and namespaces

test('down keeps namespaces unless --delete-namespaces, and never deletes one devloop did not create', async (t) => {
  const onEnd = cleanups(t);
  const n = nonce();
  const made = `made-${n}`;
  const pre = `pre-${n}`;
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: pre } } });
  onEnd(() => core.deleteNamespace({ name: pre }));
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
  const cm = (name: string, namespace: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  k: v\n`;
  const dir = project(onEnd, {
    'app.yaml': [ns(made), ns(pre), cm('in-made', made), cm('in-pre', pre), sleeper('ns-app', { namespace: pre })].join('---\n'),
    'devloop.ts': `import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n`,
  });
  const ci = await runDevloop(['ci', '--timeout', '90s'], { cwd: dir, env });
  assert.equal(ci.code, 0, ci.stderr);
  assert.equal(await exists('ConfigMap', 'in-made', made), true);
  assert.equal(await exists('Deployment', 'ns-app', pre), true);

  const down = await runDevloop(['down'], { cwd: dir, env });
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stderr, new RegExp(`→ ConfigMap/in-made \\(namespace ${made}\\)`));
  assert.match(down.stderr, new RegExp(`→ ConfigMap/in-pre \\(namespace ${pre}\\)`));
  assert.match(down.stderr, new RegExp(`→ Deployment/ns-app \\(namespace ${pre}\\)`));
  assert.doesNotMatch(down.stderr, /→ Namespace\//);
  assert.match(down.stderr, /--delete-namespaces/);
  assert.equal(await exists('ConfigMap', 'in-made', made), false);
  assert.equal(await exists('ConfigMap', 'in-pre', pre), false);
  assert.equal(await exists('Deployment', 'ns-app', pre), false);
  assert.equal(await exists('Namespace', made), true, 'a created namespace stays without --delete-namespaces');
  assert.equal(await exists('Namespace', pre), true);
  assert.match(down.stderr, new RegExp(`Namespace/${pre} existed before devloop: removed the labels and annotations devloop added`));
  const preLabels = (await core.readNamespace({ name: pre })).metadata?.labels ?? {};
  assert.deepEqual(
    Object.keys(preLabels).filter((k) => k.includes('devloop')),
    [],
    'the pre-existing namespace no longer carries devloop labels',
  );

  const down2 = await runDevloop(['down', '--delete-namespaces'], { cwd: dir, env });
  assert.equal(down2.code, 0, down2.stderr);
  assert.match(down2.stderr, new RegExp(`→ Namespace/${made}\\b`));
  assert.doesNotMatch(down2.stderr, new RegExp(`→ Namespace/${pre}\\b`));
  assert.doesNotMatch(down2.stderr, new RegExp(`Namespace/${pre}`), "no longer devloop's: not even looked at");
  assert.equal(await exists('Namespace', made), false, 'deleted with --delete-namespaces, and down waited for it');
  assert.equal(await exists('Namespace', pre), true, 'a namespace that existed before is never deleted');
});

// ---------------------------------------------------------------- extra_pod_selectors

test('extra_pod_selectors: a pod created outside devloop is attributed to the resource', async (t) => {
  const onEnd = cleanups(t);
  const n = nonce();
  const dir = project(onEnd, {
    'app.yaml': sleeper('selected'),
    'devloop.ts': `import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('selected', { extra_pod_selectors: { 'extra-sel': 'yes-${n}' } });\n`,
  });
  const p = up(onEnd, dir);
  await p.waitFor(line('selected', '✓ ready'), 60_000);
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const name = `outsider-${n}`;
  const from = p.mark();
  await core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name, labels: { 'extra-sel': `yes-${n}` } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'main', image: 'busybox:latest', command: ['sh', '-c', 'echo outsider-says-hi; trap "exit 0" TERM; while true; do sleep 1; done'] },
        ],
      },
    },
  });
  onEnd(() => core.deleteNamespacedPod({ name, namespace: 'default', gracePeriodSeconds: 0 }));
  await p.waitFor(line('selected', `pod ${name}: Running`), 60_000, from);
  await p.waitFor(line('selected', 'outsider-says-hi'), 30_000, from);
});

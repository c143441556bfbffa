/**
 * The CLI views against a running `devloop up` (real CLI, engine, registry and test cluster): get in every format,
 * describe, logs (kept, filtered, followed), wait (ready, updated, timeout exit code), disable/enable by name and
 * by label, and `up --disable-port-forwards`.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
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

async function project(end: (fn: () => unknown) => void) {
  const p = copyFixture('nodejs-express', ['.', 'package']);
  end(() => p.remove());
  end(() => runDevloop(['down'], { cwd: p.dir, env, timeoutMs: 60_000 }));
  const port = await freePort();
  const cfg = join(p.dir, 'devloop.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000', labels: ['frontend']`));
  return { dir: p.dir, port };
}

const APP = 'nodejs-express-app';

test('get, describe, logs, wait and disable/enable on a running up', async (t) => {
  const end = onEnd(t);
  const { dir, port } = await project(end);
  const up = new DevloopProcess(['up'], { cwd: dir, env });
  end(() => up.stop());

  // wait --for ready returns 0 once the resource is ready.
  await up.waitFor(/Control API on/, 120_000);
  const ready = await runDevloop(['wait', APP, '--for', 'ready', '--timeout', '3m'], { cwd: dir, env, timeoutMs: 200_000 });
  assert.equal(ready.code, 0, ready.stderr);
  assert.match(ready.stderr, /ready: nodejs-express-app/);
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port}`).catch(() => undefined))?.status === 200, 30_000);

  // get: table, wide, json, yaml; one resource; an unknown one.
  const table = await runDevloop(['get'], { cwd: dir, env });
  assert.match(table.stdout, /^RESOURCE\s+TYPE\s+STATUS\s+TRIGGER\s+DETAIL/m);
  assert.match(table.stdout, /^nodejs-express-app\s+k8s\s+ready\s+auto/m);
  const wide = await runDevloop(['get', APP, '-o', 'wide'], { cwd: dir, env });
  assert.match(wide.stdout, /^RESOURCE\s+TYPE\s+STATUS\s+TRIGGER\s+POD\s+RESTARTS\s+CHANGED\s+ENDPOINTS\s+LABELS\s+DETAIL/m);
  assert.match(
    wide.stdout,
    new RegExp(
      `^nodejs-express-app\\s+k8s\\s+ready\\s+auto\\s+nodejs-express-app-\\S+\\s+0\\s+\\d+s ago\\s+http://(localhost|127\\.0\\.0\\.1):${port}\\s+frontend\\s`,
      'm',
    ),
  );
  const json = JSON.parse((await runDevloop(['get', '-o', 'json'], { cwd: dir, env })).stdout);
  assert.equal(json.resources[0].name, APP);
  assert.equal(json.resources[0].phase, 'ready');
  assert.deepEqual(json.resources[0].labels, ['frontend']);
  const yaml = parseYaml((await runDevloop(['get', APP, '-o', 'yaml'], { cwd: dir, env })).stdout);
  assert.equal(yaml.resources[0].pod.name, json.resources[0].pod.name);
  const none = await runDevloop(['get', 'no-such'], { cwd: dir, env });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no resource named 'no-such'[\s\S]*resources: nodejs-express-app/);

  // describe: objects with where they came from, images with the refs deployed, pods, endpoints, the update with timings and why.
  const desc = await runDevloop(['describe', APP], { cwd: dir, env });
  assert.equal(desc.code, 0, desc.stderr);
  assert.match(desc.stdout, /^Status:\s+ready/m);
  assert.match(desc.stdout, /^Labels:\s+frontend$/m);
  assert.match(desc.stdout, new RegExp(`^Endpoints:\\s+http://(localhost|127\\.0\\.0\\.1):${port}$`, 'm'));
  assert.match(desc.stdout, /^ {2}Deployment\/nodejs-express-app\b.*from .*app\.yml/m);
  assert.match(desc.stdout, /^ {2}nodejs-express-app-image → \S+:devloop-[0-9a-f]+/m);
  assert.match(desc.stdout, /^ {2}nodejs-express-base-image → \S+:devloop-[0-9a-f]+/m);
  assert.match(desc.stdout, /^ {2}nodejs-express-app-\S+ {2}Running, Ready {2}\(namespace default\)/m);
  assert.match(desc.stdout, /^ {4}why: Initial Build$/m);
  assert.match(desc.stdout, /^ {4}build nodejs-express-app-image {2}\d+(ms|\.\ds)$/m);
  const descNone = await runDevloop(['describe', 'nope'], { cwd: dir, env });
  assert.equal(descNone.code, 1);
  assert.match(descNone.stderr, /no resource named 'nope'/);

  // logs: kept lines of every source; --source runtime has the container's line and no build lines; --since; --level.
  const all = await runDevloop(['logs'], { cwd: dir, env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /nodejs-express-app │ .*Building Dockerfile/);
  assert.match(all.stdout, /nodejs-express-app │ listening on 3000/);
  const runtime = await runDevloop(['logs', APP, '--source', 'runtime'], { cwd: dir, env });
  assert.match(runtime.stdout, /^listening on 3000$/m, 'one resource: no prefix');
  assert.match(runtime.stdout, /^pod nodejs-express-app-\S+: Running/m);
  assert.doesNotMatch(runtime.stdout, /Building Dockerfile|Control API/);
  const build = await runDevloop(['logs', APP, '--source', 'build'], { cwd: dir, env });
  assert.match(build.stdout, /Building Dockerfile/);
  assert.doesNotMatch(build.stdout, /listening on 3000/);
  const recent = await runDevloop(['logs', '--since', '1ms'], { cwd: dir, env });
  assert.equal(recent.stdout, '', 'nothing was logged in the last millisecond');
  const warn = await runDevloop(['logs', '--level', 'warn'], { cwd: dir, env });
  assert.doesNotMatch(warn.stdout, /listening on 3000|Building Dockerfile/);

  // logs -f prints a line that comes later, and ends when up stops (checked at the end).
  const follower = spawn(process.execPath, [bin, 'logs', '-f', '--source', 'build'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let followed = '';
  follower.stdout.on('data', (d) => {
    followed += d;
  });
  follower.stderr.on('data', (d) => {
    followed += d;
  });
  const followerDone = new Promise<number | null>((ok) => follower.on('close', (c) => ok(c)));
  end(() => follower.kill('SIGKILL'));

  // disable by label: no update on a change, forwards stop; wait for ready on it times out with exit 3.
  const dis = await runDevloop(['disable', '-l', 'frontend'], { cwd: dir, env });
  assert.equal(dis.code, 0, dis.stderr);
  assert.match(dis.stderr, /Disabled: nodejs-express-app/);
  await up.waitFor(/Disabled \(devloop disable\)/, 10_000);
  const got = await runDevloop(['get', APP], { cwd: dir, env });
  assert.match(got.stdout, /^nodejs-express-app\s+k8s\s+disabled\s/m);
  await eventually(
    async () =>
      await httpGet(`http://127.0.0.1:${port}`).then(
        () => false,
        () => true,
      ),
    10_000,
  );
  const server = join(dir, 'server.js');
  const mark = up.mark();
  writeFileSync(server, readFileSync(server, 'utf8').replace('Hello from nodejs-express-app!', 'enabled again'));
  await new Promise((r) => setTimeout(r, 3000));
  assert.doesNotMatch(up.output.slice(mark), /Building Dockerfile|rebuilding/, 'a disabled resource is not updated on changes');
  const timedOut = await runDevloop(['wait', APP, '--timeout', '1s'], { cwd: dir, env });
  assert.equal(timedOut.code, 3, timedOut.stderr);
  assert.match(timedOut.stderr, /timed out after 1s waiting for ready: nodejs-express-app is disabled/);
  const trig = await runDevloop(['trigger', APP], { cwd: dir, env });
  assert.equal(trig.code, 1);
  assert.match(trig.stderr, /is disabled[\s\S]*devloop enable nodejs-express-app/);

  // enable by name: it updates (with the saved change) and wait --for updated returns 0; its forward is back.
  const waitUpdated = runDevloop(['wait', APP, '--for', 'updated', '--timeout', '3m'], { cwd: dir, env, timeoutMs: 200_000 });
  await new Promise((r) => setTimeout(r, 500));
  const en = await runDevloop(['enable', APP], { cwd: dir, env });
  assert.equal(en.code, 0, en.stderr);
  assert.match(en.stderr, /Enabled: nodejs-express-app/);
  const upd = await waitUpdated;
  assert.equal(upd.code, 0, upd.stderr);
  await eventually(async () => (await httpGet(`http://127.0.0.1:${port}`).catch(() => undefined))?.body.includes('enabled again'), 60_000);
  await eventually(async () => /Enabled \(devloop enable\)/.test(followed) && /Building Dockerfile/.test(followed), 10_000);
  assert.doesNotMatch(followed, /listening on 3000/, '--source build leaves out runtime lines');
  const desc2 = await runDevloop(['describe', APP], { cwd: dir, env });
  assert.match(desc2.stdout, /^ {4}why: Enabled by devloop enable$/m);

  const again = await runDevloop(['enable', APP], { cwd: dir, env });
  assert.match(again.stderr, /Already enabled: nodejs-express-app/);
  const badLabel = await runDevloop(['disable', '-l', 'nope'], { cwd: dir, env });
  assert.equal(badLabel.code, 1);
  assert.match(badLabel.stderr, /no resource has label 'nope'[\s\S]*labels: frontend/);

  assert.equal(await up.stop(), 0);
  assert.equal(await followerDone, 0, followed);
  assert.match(followed, /devloop up stopped/);
  const after = await runDevloop(['logs'], { cwd: dir, env });
  assert.equal(after.code, 1);
  assert.match(after.stderr, /devloop up is not running/);
});

test('up --disable-port-forwards deploys without forwarding', async (t) => {
  const end = onEnd(t);
  const { dir, port } = await project(end);
  const up = new DevloopProcess(['up', '--disable-port-forwards', '--no-watch'], { cwd: dir, env });
  end(() => up.stop());
  await up.waitFor(/✓ ready/, 180_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.doesNotMatch(up.output, /Forwarding http/);
  await assert.rejects(httpGet(`http://127.0.0.1:${port}`));
  assert.equal(await up.stop(), 0);
});

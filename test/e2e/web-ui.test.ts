/**
 * The web UI in a real browser (Debian's chromium via playwright-core) against a running `devloop up` on the test
 * cluster: resources in their label groups with statuses, a log line arriving, a log filter, a trigger that
 * rebuilds, a config error with its file:line; and a page on another origin that can neither read nor trigger.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { launchBrowser, testOutput } from '../helpers/browser.js';
import { repoRoot } from '../helpers/project.js';
import { copyFixture, DevloopProcess, freePort, runDevloop } from './helpers.js';

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

/** nodejs-express with a label and a local_resource in another label group that prints a known line. */
async function project(end: (fn: () => unknown) => void) {
  const p = copyFixture('nodejs-express', ['.', 'package']);
  end(() => p.remove());
  end(() => runDevloop(['down'], { cwd: p.dir, env, timeoutMs: 60_000 }));
  const port = await freePort();
  const cfg = join(p.dir, 'devloop.ts');
  const text = readFileSync(cfg, 'utf8')
    .replace(
      "import { docker_build, k8s_resource, k8s_yaml } from 'devloop';",
      "import { docker_build, k8s_resource, k8s_yaml, local_resource } from 'devloop';",
    )
    .replace('port_forwards: 3000', `port_forwards: '${port}:3000', labels: ['frontend']`);
  writeFileSync(cfg, `${text}\nlocal_resource('greeter', 'echo greeting-from-greeter', { labels: ['tools'] });\n`);
  return { dir: p.dir, cfg };
}

async function startUp(dir: string, end: (fn: () => unknown) => void) {
  const up = new DevloopProcess(['up', '--port', '0', '--no-browser'], { cwd: dir, env });
  end(() => up.stop());
  const m = await up.waitFor(/Web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/, 60_000);
  return { up, url: m[1] };
}

test('the web UI shows label groups, statuses and logs, filters, triggers a rebuild and shows a config error at its line', async (t) => {
  const end = onEnd(t);
  const { dir, cfg } = await project(end);
  const { up, url } = await startUp(dir, end);
  assert.match(up.output.split('\n').find((l) => l.trim()) ?? '', /Web UI: http/, 'the URL is the first line printed');
  const b = await launchBrowser();
  end(() => b.close());
  const page = await b.context.newPage();
  await page.goto(url);
  // Resources in their label groups.
  await page.locator('[data-group="frontend"] [data-resource="nodejs-express-app"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-group="tools"] [data-resource="greeter"]').waitFor();
  // Statuses: both become ready.
  await page.locator('[data-resource="nodejs-express-app"] [data-status="ready"]').waitFor({ timeout: 180_000 });
  await page.locator('[data-resource="greeter"] [data-status="ready"]').waitFor({ timeout: 30_000 });
  // A log line arrives in the all-resources view.
  await page.locator('.log-line', { hasText: 'greeting-from-greeter' }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: testOutput('web-ui-ready.png') });
  // A text filter keeps only matching lines; a regex filter too.
  await page.fill('#log-filter', 'greeting-from');
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('.log-line')].every((l) => l.textContent!.includes('greeting-from')) && document.querySelectorAll('.log-line').length > 0,
  );
  await page.check('#log-regex');
  await page.fill('#log-filter', '^greeting-from-gr[e]+ter$');
  await page.waitForFunction(() => {
    const ls = [...document.querySelectorAll('.log-line .x')];
    return ls.length > 0 && ls.every((l) => l.textContent === 'greeting-from-greeter');
  });
  await page.fill('#log-filter', '');
  await page.uncheck('#log-regex');
  // The name filter hides the others.
  await page.fill('#name-filter', 'greet');
  assert.equal(await page.locator('[data-resource="nodejs-express-app"]').count(), 0);
  await page.fill('#name-filter', '');
  // The trigger button rebuilds: a new build of the image, shown in the resource's build history.
  await page.click('[data-resource="nodejs-express-app"] .name');
  const mark = up.mark();
  const buildsBefore = await page.locator('#detail .build').count();
  await page.click('[data-trigger="nodejs-express-app"]');
  await up.waitFor(/Replacing the pods \(devloop trigger\)/, 60_000, mark);
  await up.waitFor(/✓ ready/, 180_000, mark);
  await page.locator('[data-resource="nodejs-express-app"] [data-status="ready"]').waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => document.querySelectorAll('#detail .build').length > n, buildsBefore, { timeout: 30_000 });
  await page.locator('.log-line', { hasText: 'Replacing the pods (devloop trigger)' }).first().waitFor({ timeout: 10_000 });
  await page.screenshot({ path: testOutput('web-ui-resource.png') });
  // Switching greeter to manual at run time: the list says so, and the switch holds.
  await page.click('[data-mode="greeter"]');
  await page.locator('[data-mode="greeter"]', { hasText: 'manual' }).waitFor({ timeout: 10_000 });
  await page.click('[data-mode="greeter"]');
  await page.locator('[data-mode="greeter"]', { hasText: 'auto' }).waitFor({ timeout: 10_000 });
  // A config error, with its file:line and hint.
  const good = readFileSync(cfg, 'utf8');
  writeFileSync(cfg, `${good}\nk8s_resource('nodejs-express-app', { no_such_option: 1 } as never);\n`);
  const err = page.locator('#config-error .config-error');
  await err.waitFor({ timeout: 60_000 });
  const where = await err.locator('.where').textContent();
  assert.match(where ?? '', /devloop\.ts:\d+/, 'the error names file:line');
  await page.screenshot({ path: testOutput('web-ui-config-error.png') });
  if (process.env.DEVLOOP_UPDATE_DOCS) {
    mkdirSync(join(repoRoot, 'docs'), { recursive: true });
    copyFileSync(testOutput('web-ui-resource.png'), join(repoRoot, 'docs/web-ui.png'));
    copyFileSync(testOutput('web-ui-config-error.png'), join(repoRoot, 'docs/web-ui-config-error.png'));
  }
  // Fixed: the error goes.
  writeFileSync(cfg, good);
  await err.waitFor({ state: 'detached', timeout: 60_000 });
});

test('a page on another origin can neither read the UI or API nor trigger anything', async (t) => {
  const end = onEnd(t);
  const { dir } = await project(end);
  const { up, url } = await startUp(dir, end);
  await up.waitFor(/greeting-from-greeter/, 60_000);
  const api = url.replace(/\/\?token=.*$/, '');
  // The other site: another port on the same machine (as close as an attacker gets).
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><body><iframe id="f" src="${api}/"></iframe><script>
      const tries = {
        page: () => fetch('${api}/').then((r) => r.text()),
        resources: () => fetch('${api}/api/resources').then((r) => r.text()),
        events: () => fetch('${api}/api/events').then((r) => r.text()),
        triggerNoCors: () => fetch('${api}/api/trigger/greeter', { method: 'POST', mode: 'no-cors' }).then((r) => 'opaque:' + r.status),
        triggerForm: () => new Promise((ok) => { const f = document.createElement('form'); f.method = 'POST'; f.action = '${api}/api/trigger/greeter'; f.target = 'sink'; const i = document.createElement('iframe'); i.name = 'sink'; document.body.append(i, f); f.submit(); setTimeout(() => ok('submitted'), 1000); }),
        frame: () => new Promise((ok) => setTimeout(() => { try { ok('read:' + document.getElementById('f').contentDocument.body.innerHTML); } catch (e) { ok('blocked'); } }, 1000)),
      };
      window.results = Promise.all(Object.entries(tries).map(([k, f]) => f().then((v) => [k, 'ok:' + String(v).slice(0, 200)], (e) => [k, 'error:' + e.message]))).then(Object.fromEntries);
    </script></body>`);
  });
  await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', ok));
  end(() => new Promise((ok) => evil.close(ok)));
  const evilUrl = `http://localhost:${(evil.address() as { port: number }).port}/`;
  const b = await launchBrowser();
  end(() => b.close());
  const page = await b.context.newPage();
  const mark = up.mark();
  await page.goto(evilUrl);
  const results = await page.evaluate(() => (window as unknown as { results: Promise<Record<string, string>> }).results);
  for (const k of ['page', 'resources', 'events']) assert.match(results[k], /^error:/, `${k}: ${results[k]}`);
  assert.doesNotMatch(JSON.stringify(results), /devloop-token|greeting|nodejs-express-app/, 'nothing of the UI or API was read');
  assert.notEqual(results.frame.startsWith('read:') && results.frame.includes('devloop'), true, results.frame);
  await new Promise((r) => setTimeout(r, 1500));
  assert.doesNotMatch(up.output.slice(mark), /Triggered by/, 'no trigger ran');
});

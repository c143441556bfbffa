/**
 * Issue 10 item 6 in `devloop up`: a devloop.ts edited into one that never finishes (or loops) is an error while
 * the last good plan keeps running, later edits are still followed, and SIGTERM still ends devloop at once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { DevloopProcess, runDevloop } from './helpers.js';
import { removeProject, writeProject } from '../helpers/project.js';

let cluster: TestCluster;
const dirs: string[] = [];
before(async () => {
  cluster = await startTestCluster();
});
after(async () => {
  dirs.forEach(removeProject);
  await cluster?.stop();
});

const good = (word: string) => `import { local_resource } from 'devloop';\nlocal_resource('hello', 'echo said-${word}');\n`;

test('up: a config that never settles or loops is an error, the last plan keeps running, a later fix is taken, SIGTERM works', async () => {
  const dir = writeProject({ 'devloop.ts': good('one') });
  dirs.push(dir);
  const cfg = join(dir, 'devloop.ts');
  const env = { KUBECONFIG: cluster.kubeconfigPath, DEVLOOP_CONFIG_TIMEOUT: '3s' };
  const p = new DevloopProcess(['up', '--plain'], { cwd: dir, env });
  try {
    await p.waitFor(/said-one/, 60_000);
    await p.waitFor(/ready: cmd succeeded/, 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // the watcher settles

    let from = p.mark();
    writeFileSync(cfg, `${good('one')}await new Promise(() => {});\n`);
    await p.waitFor(/Config error, still running the last good config: .*never finished/, 20_000, from);
    const get = await runDevloop(['get'], { cwd: dir, env });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /config error: the config never finished/);

    from = p.mark();
    writeFileSync(cfg, `${good('one')}while (true) {}\n`);
    await p.waitFor(/Config error, still running the last good config: .*did not finish within 3s: it is still running code/, 20_000, from);

    from = p.mark();
    writeFileSync(cfg, good('two'));
    await p.waitFor(/Config fixed\./, 30_000, from);

    // A loop again, and SIGTERM while it runs: devloop ends promptly and cleanly.
    writeFileSync(cfg, `${good('two')}while (true) {}\n`);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    p.kill('SIGTERM');
    const code = await p.exited;
    assert.ok(Date.now() - t0 < 5000, `SIGTERM took ${Date.now() - t0} ms`);
    assert.equal(code, 0, p.tail());
  } finally {
    await p.stop();
  }
});

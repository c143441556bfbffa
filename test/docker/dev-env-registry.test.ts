// Issue 10 item 18: scripts/dev-env.sh uses only its own registry. A registry someone else serves on the address
// stops `up` with whose it is (pid, user, command); the one dev-env starts carries its mark and is used again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/helpers.js';
import { repoRoot } from '../helpers/project.js';

const script = join(repoRoot, 'scripts/dev-env.sh');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function devEnv(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn('bash', [script, cmd], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

test('a registry someone else serves is not adopted: up stops and says whose it is', async () => {
  const port = await freePort();
  const foreign = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((ok) => foreign.listen(port, '127.0.0.1', ok));
  const state = mkdtempSync(join(tmpdir(), 'devloop-env-state-'));
  dirs.push(state);
  try {
    const r = await devEnv('up', { DEVLOOP_REGISTRY_ADDR: `127.0.0.1:${port}`, DEVLOOP_ENV_DIR: state });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`a registry dev-env did not start answers at http://127\\.0\\.0\\.1:${port}/v2/: pid ${process.pid} \\(root: \\S*node`));
    assert.match(r.stderr, /DEVLOOP_REGISTRY_ADDR=127\.0\.0\.1:5006/);
    assert.doesNotMatch(r.stdout, /export DEVLOOP_REGISTRY/, 'no environment for the tests to use');
    const s = await devEnv('status', { DEVLOOP_REGISTRY_ADDR: `127.0.0.1:${port}`, DEVLOOP_ENV_DIR: state });
    assert.match(s.stdout, new RegExp(`registry: up at http://127\\.0\\.0\\.1:${port}/v2/, NOT dev-env's: pid ${process.pid}`));
  } finally {
    await new Promise((ok) => foreign.close(ok));
  }
});

test('the registry dev-env starts is marked as its own and used again; down stops it', async () => {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'devloop-env-state-'));
  dirs.push(state);
  const env = { DEVLOOP_REGISTRY_ADDR: `127.0.0.1:${port}`, DEVLOOP_ENV_DIR: state };
  try {
    const first = await devEnv('up', env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`export DEVLOOP_REGISTRY=127\\.0\\.0\\.1:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/v2/`);
    assert.equal(res.headers.get('x-devloop-env'), `devloop-env ${state}`);
    const again = await devEnv('up', env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /registry answers at .* \(dev-env's own\)/);
  } finally {
    const down = await devEnv('down', env);
    assert.match(down.stderr, /stopping registry/);
  }
});

/**
 * Tilt's options end to end with the real CLI and the test cluster: resources named on the command line,
 * Secret values scrubbed from the log, ci_settings' timeout, a serve_cmd's readiness probe.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { runDevloop } from './helpers.js';
import { removeProject, writeProject } from '../helpers/project.js';

let cluster: TestCluster;
let env: NodeJS.ProcessEnv;
const dirs: string[] = [];

before(async () => {
  cluster = await startTestCluster();
  env = { KUBECONFIG: cluster.kubeconfigPath };
});
after(async () => {
  for (const d of dirs) {
    await runDevloop(['down'], { cwd: d, env, timeoutMs: 60_000 }).catch(() => undefined);
    removeProject(d);
  }
  await cluster?.stop();
});

test('ci RESOURCE runs it and its deps only; a Secret value it prints is redacted', async () => {
  const dir = writeProject({
    'devloop.ts': `import { k8s_yaml, local_resource, secret_from_dict } from 'devloop';
k8s_yaml(secret_from_dict('db-creds', { inputs: { password: 'hunter2-very-secret' } }));
local_resource('prep', 'echo prep-ran');
local_resource('leak', 'echo the password is hunter2-very-secret', { resource_deps: ['prep'] });
local_resource('other', 'echo other-ran');
`,
  });
  dirs.push(dir);
  const r = await runDevloop(['ci', '--timeout', '90s', 'leak'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the password is \[redacted secret db-creds:password\]/);
  assert.doesNotMatch(`${r.stdout}${r.stderr}`, /hunter2-very-secret/);
  assert.match(r.stderr, /prep-ran/);
  assert.doesNotMatch(r.stderr, /other-ran/);
});

test("ci_settings' timeout is ci's limit; a serve_cmd whose probe never passes is not ready", async () => {
  const dir = writeProject({
    'devloop.ts': `import { ci_settings, local_resource, probe, http_get_action } from 'devloop';
ci_settings({ timeout: '4s' });
// argv, not 'sleep 60': stopping a serve_cmd run by sh -c leaves its child holding the output open (a separate issue).
local_resource('srv', { serve_cmd: ['sleep', '60'], readiness_probe: probe({ period_secs: 1, http_get: http_get_action(1) }) });
`,
  });
  dirs.push(dir);
  const t0 = Date.now();
  const r = await runDevloop(['ci'], { cwd: dir, env, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /timed out after 4s: 1 resource not ready: srv \(serve_cmd started; waiting for its readiness probe\)/);
  assert.ok(Date.now() - t0 < 30_000, 'the config timeout, not the 30m default');
});

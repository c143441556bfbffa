/**
 * Issue 10 item 7: `ci` with nothing to deploy stops at once with Tilt's answer (an error: no resources found),
 * instead of waiting out the timeout; item 17 (part): `--kubeconfig` names the kubeconfig (here the test cluster's,
 * with $KUBECONFIG pointing nowhere).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { runDevloop } from './helpers.js';
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

const cases: { name: string; files: Record<string, string>; message: RegExp }[] = [
  {
    name: 'an empty config',
    files: { 'devloop.ts': '' },
    message: /nothing to deploy: devloop\.ts declares no Kubernetes YAML \(k8s_yaml\) and no local_resource/,
  },
  {
    name: 'an empty YAML file',
    files: { 'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n", 'app.yaml': '' },
    message: /nothing to deploy: the YAML given to k8s_yaml \(app\.yaml\) holds no Kubernetes objects/,
  },
  {
    name: 'YAML that is only ---',
    files: { 'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n", 'app.yaml': '---\n---\n' },
    message: /nothing to deploy: the YAML given to k8s_yaml \(app\.yaml\) holds no Kubernetes objects/,
  },
];

for (const c of cases) {
  test(`ci with ${c.name} says at once that there is nothing to deploy`, async () => {
    const dir = writeProject(c.files);
    dirs.push(dir);
    const t0 = Date.now();
    const r = await runDevloop(['ci', '--kubeconfig', cluster.kubeconfigPath], { cwd: dir, env: { KUBECONFIG: '/nonexistent/kubeconfig' }, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
    assert.match(r.stderr, new RegExp(`^error: devloop\\.ts: ${c.message.source}`, 'm'));
    assert.match(r.stderr, /^hint: declare something in devloop\.ts: k8s_yaml\('app\.yaml'\)/m);
    assert.doesNotMatch(r.stderr, /\n\s+at |internal error|not ready/);
    assert.doesNotMatch(r.stderr, /no kubeconfig file/, '--kubeconfig wins over $KUBECONFIG');
  });
}

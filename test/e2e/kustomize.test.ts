/**
 * kustomize() end to end on the test cluster: `devloop up` deploys a rendered overlay (base, patch, a
 * configMapGenerator); editing one patch re-renders and re-applies only the object it changes; editing the
 * generator's file re-applies the new ConfigMap and the Deployment that refers to it, and nothing else.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../cluster/index.js';
import { DevloopProcess, runDevloop } from './helpers.js';
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

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: busybox:latest
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
          envFrom:
            - configMapRef: { name: web-config }
`;
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports:\n    - port: 80\n';
const PORT_PATCH = (port: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n      targetPort: ${port}\n`;

/** The object names listed under the last "Objects applied to cluster:" after `from`. */
function appliedAfter(out: string, from: number): string[] {
  const tail = out.slice(from);
  const names: string[] = [];
  for (const m of tail.matchAll(/→ ((?:Deployment|Service|ConfigMap)\/[\w.-]+)\s*$/gm)) names.push(m[1]);
  return names;
}

test('kustomize(): an edit re-renders and re-applies only the objects it changed', async (t) => {
  const dir = writeProject({
    'base/kustomization.yaml': 'resources:\n- deployment.yaml\n- service.yaml\nconfigMapGenerator:\n- name: web-config\n  envs:\n  - web.env\n',
    'base/deployment.yaml': DEPLOYMENT,
    'base/service.yaml': SERVICE,
    'base/web.env': 'COLOR=blue\n',
    'overlay/kustomization.yaml': 'resources:\n- ../base\npatches:\n- path: port.yaml\n',
    'overlay/port.yaml': PORT_PATCH(8080),
    'devloop.ts': "import { k8s_yaml, kustomize } from 'devloop';\nk8s_yaml(kustomize('overlay'));\n",
  });
  const p = new DevloopProcess(['up'], { cwd: dir, env });
  t.after(async () => {
    await p.stop();
    await runDevloop(['down'], { cwd: dir, env, timeoutMs: 60_000 });
    removeProject(dir);
  });
  await p.waitFor(/web\s+│ .*✓ ready/, 120_000);
  const first = appliedAfter(p.output, 0);
  assert.ok(
    first.includes('Deployment/web') && first.includes('Service/web') && first.some((n) => n.startsWith('ConfigMap/web-config-')),
    `first apply: ${first.join(', ')}\n${p.tail()}`,
  );

  // A patch that changes the Service only.
  let from = p.mark();
  writeFileSync(join(dir, 'overlay/port.yaml'), PORT_PATCH(9090));
  await p.waitFor(/Config changed \(overlay\/port\.yaml\): evaluated again/, 30_000, from);
  await p.waitFor(/Objects applied to cluster:(\n.*→ .*)+/, 30_000, from);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(appliedAfter(p.output, from), ['Service/web'], p.tail());

  // The generator's file: a new ConfigMap (its name has the content's hash) and the Deployment referring to it.
  from = p.mark();
  writeFileSync(join(dir, 'base/web.env'), 'COLOR=green\n');
  await p.waitFor(/Config changed \(base\/web\.env\): evaluated again/, 30_000, from);
  await p.waitFor(/Objects applied to cluster:(\n.*→ .*)+/, 30_000, from);
  await p.waitFor(/web\s+│ .*✓ ready/, 60_000, from);
  const applied = appliedAfter(p.output, from);
  assert.deepEqual(
    applied.filter((n) => !n.startsWith('ConfigMap/')),
    ['Deployment/web'],
    p.tail(),
  );
  assert.equal(applied.filter((n) => n.startsWith('ConfigMap/web-config-')).length, 1, p.tail());
  assert.notEqual(
    applied.find((n) => n.startsWith('ConfigMap/')),
    first.find((n) => n.startsWith('ConfigMap/')),
  );
});

/** Manifest checks before apply: the checks that need no server (a table), and a resource applying all or none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { checkObject } from '../../src/engine/manifest-checks.js';
import { checkResource } from '../../src/engine/validate.js';
import { Deployer } from '../../src/engine/deploy.js';
import { FakeCluster } from '../fakes/ports.js';
import { DevloopError, isDevloopError } from '../../src/model/errors.js';
import type { K8sObject } from '../../src/resolve/manifests.js';
import type { KObject } from '../../src/ports/cluster.js';

const deploy = (over: string) =>
  yaml.load(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web, tier: front } }
    spec:
      containers: [{ name: main, image: busybox, ports: [{ containerPort: 8080 }], env: [{ name: A, value: "1" }] }]
${over}`) as K8sObject;

const cases: { name: string; obj: K8sObject; field?: string }[] = [
  { name: 'a valid Deployment', obj: deploy('') },
  {
    name: 'selector by matchExpressions that matches',
    obj: { ...deploy(''), spec: { ...(deploy('').spec as object), selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] } } },
  },
  {
    name: 'a ClusterRole named with colons (RBAC names are not DNS names)',
    obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:my-role' } },
  },
  { name: 'a custom resource with any fields', obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 'many' } } },
  { name: 'an upper-case ConfigMap name', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }, field: 'metadata.name' },
  {
    name: 'a Service name with a dot (a label, not a subdomain)',
    obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web.svc' }, spec: { ports: [{ port: 80 }] } },
    field: 'metadata.name',
  },
  {
    name: 'a selector that does not match the template labels',
    obj: { ...deploy(''), spec: { ...(deploy('').spec as object), selector: { matchLabels: { app: 'other' } } } },
    field: 'spec.template.metadata.labels',
  },
  { name: 'no selector', obj: { ...deploy(''), spec: { ...(deploy('').spec as object), selector: undefined } }, field: 'spec.selector' },
  { name: 'replicas as a string', obj: { ...deploy(''), spec: { ...(deploy('').spec as object), replicas: 'two' } }, field: 'spec.replicas' },
  {
    name: 'a containerPort as a string',
    obj: yaml.load(yaml.dump(deploy('')).replace('containerPort: 8080', 'containerPort: http')) as K8sObject,
    field: 'spec.template.spec.containers[0].ports[0].containerPort',
  },
  {
    name: 'an env value as a number',
    obj: yaml.load(yaml.dump(deploy('')).replace("value: '1'", 'value: 1')) as K8sObject,
    field: 'spec.template.spec.containers[0].env[0].value',
  },
  {
    name: 'a label value that is a number',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { v: 2 as unknown as string } } },
    field: 'metadata.labels.v',
  },
  { name: 'a label value with a space', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { v: 'a b' } } }, field: 'metadata.labels' },
  {
    name: 'ConfigMap data that is not a string',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { port: 80 } },
    field: 'data.port',
  },
  { name: 'no containers', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }, field: 'spec.containers' },
  {
    name: 'two containers of one name',
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'a', image: 'y' },
        ],
      },
    },
    field: 'spec.containers[1].name',
  },
  {
    name: 'a Service port out of range',
    obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 70000 }] } },
    field: 'spec.ports[0].port',
  },
];

for (const c of cases) {
  test(`client-side check: ${c.name}: ${c.field ? `refused at ${c.field}` : 'passes'}`, () => {
    const p = checkObject(c.obj);
    if (!c.field) assert.deepEqual(p, []);
    else
      assert.deepEqual(
        p.map((x) => x.field),
        [c.field],
        JSON.stringify(p),
      );
  });
}

/** A fake with the server's dry run: refuses kinds it does not know, records what it was asked. */
class DryRunCluster extends FakeCluster {
  readonly dryRuns: string[] = [];
  async dryRunApply(obj: KObject): Promise<KObject> {
    this.dryRuns.push(`${obj.kind}/${obj.metadata.name}`);
    if (obj.kind === 'Deploymnet')
      throw new DevloopError('cluster-refused', `apply failed: the cluster has no kind Deploymnet in apiVersion ${obj.apiVersion}`, {
        object: `Deploymnet/${obj.metadata.name}`,
      });
    if (obj.metadata.namespace === 'made-here' || obj.metadata.namespace === 'missing')
      throw new DevloopError('cluster-refused', `apply failed: namespaces "${obj.metadata.namespace}" not found`);
    return obj;
  }
}

test('a resource with one refused object applies none of them; the error names each object and field', async () => {
  const c = new DryRunCluster();
  const d = new Deployer(c, 'p');
  const objects: K8sObject[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fine' }, data: { a: 'b' } },
    { ...deploy(''), spec: { ...(deploy('').spec as object), selector: { matchLabels: { app: 'other' } } } },
    { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'typo' } },
  ];
  const e = await d
    .applyAll('web', objects, () => {})
    .then(
      () => undefined,
      (x: unknown) => x,
    );
  assert.ok(isDevloopError(e), String(e));
  assert.equal(e.code, 'manifest-invalid');
  assert.match(e.message, /2 of 3 objects of web would be refused \(Deployment\/web, Deploymnet\/typo\); none of its objects was applied/);
  assert.deepEqual(e.details, [
    'Deployment/web:',
    '  spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: `selector` does not match template `labels`',
    'Deploymnet/typo:',
    '  the cluster has no kind Deploymnet in apiVersion apps/v1',
  ]);
  assert.deepEqual(c.applied, [], 'nothing applied');
});

test('objects in a namespace the resource itself creates pass the dry run; one in a namespace nobody creates is refused', async () => {
  const c = new DryRunCluster();
  await checkResource(c, 'r', [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'made-here' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'made-here' } },
  ]);
  await assert.rejects(
    checkResource(c, 'r', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'missing' } }]),
    (e: DevloopError) => e.code === 'manifest-invalid' && e.details!.includes('  namespaces "missing" not found'),
  );
});

test('preflight: every resource checked once before any build, the error names file:line; passed objects are not asked again; a refused resource is checked again on its next update', async () => {
  const { Preflight } = await import('../../src/engine/validate.js');
  const c = new DryRunCluster();
  const good: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good' }, data: { a: 'b' } };
  const typo: K8sObject = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'typo' } };
  const plan = (objs: K8sObject[]) =>
    ({
      rendered: objs,
      objects: objs.map((object, i) => ({ object, source: 'app.yaml', loc: { file: 'app.yaml', line: 1 + i * 5 } })),
      resources: objs.map((o, i) => ({ name: o.metadata.name, type: 'k8s', objects: [i] })),
    }) as unknown as import('../../src/resolve/resolve.js').Resolved;
  const pre = new Preflight(c);
  const p1 = plan([good, typo]);
  assert.equal(await pre.errorFor(p1, 'good'), undefined);
  assert.deepEqual(c.dryRuns, ['ConfigMap/good', 'Deploymnet/typo'], 'both resources checked at the first update');
  const e = await pre.errorFor(p1, 'typo');
  assert.equal(e?.code, 'manifest-invalid');
  assert.match(e!.message, /1 of 1 object of typo would be refused \(Deploymnet\/typo\); none of its objects was applied and its images were not built/);
  assert.equal(e!.details![0], 'Deploymnet/typo (app.yaml:6):');
  assert.deepEqual(c.dryRuns, ['ConfigMap/good', 'Deploymnet/typo'], 'not asked twice for one plan');
  await pre.errorFor(p1, 'typo');
  assert.deepEqual(c.dryRuns.slice(2), ['Deploymnet/typo'], 'a refused resource is checked again on its next update');
  const p2 = plan([good, typo]);
  await pre.errorFor(p2, 'good');
  assert.deepEqual(c.dryRuns.slice(3), ['Deploymnet/typo'], 'a new plan asks again only about what did not pass');
});

// The API server's own behaviour, through @kubernetes/client-node, on a fake pod runtime (no engine needed):
// discovery, CRUD with Status errors, patches, server-side apply, watches and informers, controllers, GC, CRDs.
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeRuntime } from './fake-runtime.js';
import { clusterForFile, waitFor } from './helpers.js';

const cluster = await clusterForFile({ runtime: new FakeRuntime() });
const core = cluster.kc.makeApiClient(CoreV1Api);
const apps = cluster.kc.makeApiClient(AppsV1Api);
const objects = KubernetesObjectApi.makeApiClient(cluster.kc);

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox:latest' }] },
});

const deploy = (name: string, image = 'busybox:latest', replicas = 1): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
  },
});

async function status(
  p: Promise<unknown>,
): Promise<{ code: number; body: { reason: string; message: string; details?: { causes?: Array<{ field?: string }> } } }> {
  try {
    await p;
  } catch (e) {
    const x = e as { code: number; body: string };
    return { code: x.code, body: JSON.parse(x.body) };
  }
  throw new Error('expected the request to fail');
}

describe('discovery and errors', () => {
  it('serves /version and the group lists', async () => {
    const v = await (await fetch(`${cluster.server}/version`)).json();
    assert.equal(v.gitVersion, 'v1.32.4');
    const apis = await (await fetch(`${cluster.server}/apis`)).json();
    assert.deepEqual(apis.groups.map((g: { name: string }) => g.name).sort(), ['apiextensions.k8s.io', 'apps', 'batch']);
    const v1 = await (await fetch(`${cluster.server}/api/v1`)).json();
    const names = v1.resources.map((r: { name: string }) => r.name);
    for (const r of ['pods', 'pods/log', 'pods/exec', 'pods/portforward', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'events', 'namespaces'])
      assert.ok(names.includes(r), r);
  });

  it('advertises the local registry in kube-public/local-registry-hosting', async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'local-registry-hosting', namespace: 'kube-public' });
    assert.match(cm.data?.['localRegistryHosting.v1'] ?? '', /^host: 127\.0\.0\.1:\d+$/m);
  });

  it('answers with Kubernetes Status errors: 404, 409 AlreadyExists, 422 Invalid', async () => {
    const missing = await status(core.readNamespacedPod({ name: 'nope', namespace: 'default' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.reason, 'NotFound');
    assert.equal(missing.body.message, 'pods "nope" not found');
    await core.createNamespacedPod({ namespace: 'default', body: pod('dup') });
    const dup = await status(core.createNamespacedPod({ namespace: 'default', body: pod('dup') }));
    assert.equal(dup.code, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');
    const bad = await status(
      core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bad' }, spec: { containers: [{ name: 'main' }] } } as V1Pod }),
    );
    assert.equal(bad.code, 422);
    assert.equal(bad.body.reason, 'Invalid');
    assert.equal(bad.body.details?.causes?.[0].field, 'spec.containers[0].image');
    const noNs = await status(core.createNamespacedPod({ namespace: 'nowhere', body: pod('x') }));
    assert.equal(noNs.code, 404);
    assert.equal(noNs.body.message, 'namespaces "nowhere" not found');
  });
});

describe('objects', () => {
  it('sets uid, resourceVersion, creationTimestamp and generation, and rejects stale updates', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deploy('gen') });
    assert.ok(created.metadata?.uid && created.metadata.resourceVersion && created.metadata.creationTimestamp);
    assert.equal(created.metadata?.generation, 1);
    // the controllers write status and annotations meanwhile: take the latest before replacing
    await waitFor('observed', async () => (await apps.readNamespacedDeployment({ name: 'gen', namespace: 'default' })).status?.observedGeneration === 1);
    const d = await apps.readNamespacedDeployment({ name: 'gen', namespace: 'default' });
    const scaled = await apps.replaceNamespacedDeployment({ name: 'gen', namespace: 'default', body: { ...d, spec: { ...d.spec!, replicas: 2 } } });
    assert.equal(scaled.metadata?.generation, 2);
    assert.notEqual(scaled.metadata?.resourceVersion, d.metadata?.resourceVersion);
    const stale = await status(apps.replaceNamespacedDeployment({ name: 'gen', namespace: 'default', body: d }));
    assert.equal(stale.code, 409);
    assert.equal(stale.body.reason, 'Conflict');
    const labelsOnly = await apps.patchNamespacedDeployment(
      { name: 'gen', namespace: 'default', body: { metadata: { labels: { extra: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(labelsOnly.metadata?.generation, 2, 'a metadata change leaves generation alone');
  });

  it('lists with label and field selectors', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-a', { tier: 'web', env: 'dev' }) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('sel-b', { tier: 'db', env: 'dev' }) });
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedPod({ namespace: 'default', ...q })).items.map((p) => p.metadata?.name).filter((n) => n?.startsWith('sel-'));
    assert.deepEqual(await names({ labelSelector: 'tier=web' }), ['sel-a']);
    assert.deepEqual(await names({ labelSelector: 'env=dev,tier!=web' }), ['sel-b']);
    assert.deepEqual(await names({ labelSelector: 'tier in (web,db)' }), ['sel-a', 'sel-b']);
    assert.deepEqual(await names({ labelSelector: '!tier' }), []);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name=sel-b' }), ['sel-b']);
  });

  it('applies merge, strategic-merge and JSON patches', async () => {
    const base = deploy('patched');
    base.spec!.template.spec!.containers[0].env = [{ name: 'A', value: '1' }];
    await apps.createNamespacedDeployment({ namespace: 'default', body: base });
    const smpBody = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'patched', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1', env: [{ name: 'B', value: '2' }] }] } } },
    };
    const smp = (await objects.patch(smpBody as KubernetesObject, undefined, undefined, 'test', undefined, PatchStrategy.StrategicMergePatch)) as V1Deployment;
    assert.equal(smp.spec?.template.spec?.containers[0].image, 'busybox:1');
    assert.deepEqual(
      smp.spec?.template.spec?.containers[0].env?.map((e) => e.name),
      ['A', 'B'],
      'env merged by name',
    );
    await core.createNamespacedPod({ namespace: 'default', body: pod('patched') });
    const viaCore = await core.patchNamespacedPod(
      { name: 'patched', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels', value: { j: 'p' } }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.deepEqual(viaCore.metadata?.labels, { j: 'p' });
    const illegal = await status(
      core.patchNamespacedPod(
        { name: 'patched', namespace: 'default', body: { spec: { restartPolicy: 'Never' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(illegal.code, 422, 'pod spec is immutable but for images');
  });
});

describe('server-side apply', () => {
  const ssa = (o: KubernetesObject, manager: string, force = false) => objects.patch(o, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

  it('creates when absent and records managedFields', async () => {
    const d = (await ssa(deploy('ssa'), 'devloop')) as V1Deployment;
    assert.equal(d.metadata?.generation, 1);
    const mf = d.metadata?.managedFields ?? [];
    assert.equal(mf.length, 1);
    assert.equal(mf[0].manager, 'devloop');
    assert.equal(mf[0].operation, 'Apply');
    const fields = mf[0].fieldsV1 as Record<string, Record<string, unknown>>;
    assert.ok(fields['f:spec']['f:replicas']);
    assert.ok((fields['f:spec']['f:template'] as Record<string, Record<string, Record<string, unknown>>>)['f:spec']['f:containers']['k:{"name":"main"}']);
  });

  it('bumps generation on spec changes and removes fields the applier dropped', async () => {
    const withLabel = deploy('ssa2');
    withLabel.metadata!.labels = { app: 'ssa2', drop: 'me' };
    await ssa(withLabel, 'devloop');
    const again = (await ssa({ ...deploy('ssa2', 'busybox:1') }, 'devloop')) as V1Deployment;
    assert.equal(again.metadata?.generation, 2);
    assert.deepEqual(again.metadata?.labels, { app: 'ssa2' });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noop', namespace: 'default' }, data: { a: '1' } };
    const first = await ssa(cm, 'devloop');
    const same = await ssa(cm, 'devloop');
    assert.equal(same.metadata?.resourceVersion, first.metadata?.resourceVersion, 'a no-op apply changes nothing');
  });

  it('reports conflicts with another manager, and takes the field over with force', async () => {
    await ssa(deploy('ssa3'), 'devloop');
    const other = deploy('ssa3');
    other.spec!.replicas = 3;
    const conflict = await status(ssa(other, 'someone-else'));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.body.reason, 'Conflict');
    assert.match(conflict.body.message, /Apply failed with 1 conflict: conflict with "devloop" using apps\/v1: \.spec\.replicas/);
    const forced = (await ssa(other, 'someone-else', true)) as V1Deployment;
    assert.equal(forced.spec?.replicas, 3);
    const mine = forced.metadata?.managedFields?.find((m) => m.manager === 'devloop')?.fieldsV1 as Record<string, Record<string, unknown>>;
    assert.equal(mine['f:spec']['f:replicas'], undefined, 'the forced field changed owner');
  });
});

describe('watch', () => {
  it('streams changes from a list resourceVersion (Watch) and feeds an informer', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    const w = await new Watch(cluster.kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj) => seen.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    const informer = makeInformer(cluster.kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const informed: string[] = [];
    informer.on('add', (o) => o.metadata?.name === 'w1' && informed.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => informed.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => informed.push(`delete ${o.metadata?.name}`));
    await informer.start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' }, data: { a: '1' } } });
    await core.patchNamespacedConfigMap(
      { name: 'w1', namespace: 'default', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
    await waitFor('watch events', () => seen.length >= 3);
    await waitFor('informer events', () => informed.length >= 3);
    assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.deepEqual(informed, ['add w1', 'update w1', 'delete w1']);
    w.abort();
    await informer.stop();
  });

  it('starts a watch without resourceVersion with ADDED for what exists, and ends it at timeoutSeconds', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w2' } } });
    const started = Date.now();
    const res = await fetch(`${cluster.server}/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dw2&timeoutSeconds=1`);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w2'],
    );
    assert.ok(Date.now() - started >= 900);
  });
});

describe('controllers', () => {
  it('Deployment -> ReplicaSet -> Pods, a new ReplicaSet only when the template changes', async () => {
    await ssa2(deploy('web', 'busybox:latest', 2));
    const pods = await waitFor('2 ready pods', async () => {
      const l = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
      return l.length === 2 && l.every((p) => p.status?.phase === 'Running') && l;
    });
    const hash = pods[0].metadata?.labels?.['pod-template-hash'];
    assert.ok(hash);
    const d = await waitFor('rolled out', async () => {
      const x = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
      return x.status?.availableReplicas === 2 && x.status.observedGeneration === x.metadata?.generation && x;
    });
    assert.equal(d.status?.updatedReplicas, 2);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    await ssa2(deploy('web', 'busybox:latest', 3));
    await waitFor('3 pods of the same ReplicaSet', async () => {
      const l = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return l.length === 3 && l.every((p) => p.metadata?.labels?.['pod-template-hash'] === hash);
    });
    await ssa2(deploy('web', 'busybox:1', 3));
    await waitFor('pods replaced by the new template', async () => {
      const l = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
      return l.length === 3 && l.every((p) => p.metadata?.labels?.['pod-template-hash'] !== hash && p.spec?.containers[0].image === 'busybox:1');
    });
    const rs = (await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=web' })).items;
    assert.equal(rs.length, 2);
    assert.deepEqual(rs.map((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
  });

  it('Recreate removes the old pods before it creates new ones', async () => {
    const d = deploy('rec', 'busybox:latest', 2);
    d.spec!.strategy = { type: 'Recreate' };
    await ssa2(d);
    await waitFor(
      '2 running',
      async () =>
        (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=rec' })).items.filter((p) => p.status?.phase === 'Running').length === 2,
    );
    const live = new Map<string, string>();
    let overlap = false;
    const w = await new Watch(cluster.kc).watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'app=rec' },
      (type, p: V1Pod) => {
        const hash = p.metadata!.labels!['pod-template-hash'];
        if (type === 'DELETED') live.delete(p.metadata!.name!);
        else live.set(p.metadata!.name!, hash);
        if (new Set(live.values()).size > 1) overlap = true;
      },
      () => {},
    );
    d.spec!.template.spec!.containers[0].image = 'busybox:1';
    await ssa2(d);
    await waitFor('2 new pods', async () => {
      const l = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=rec' })).items;
      return l.length === 2 && l.every((p) => p.spec?.containers[0].image === 'busybox:1' && p.status?.phase === 'Running');
    });
    w.abort();
    assert.equal(overlap, false);
  });

  it("garbage-collects a deleted Deployment's ReplicaSets and Pods, and a namespace's contents", async () => {
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
    await waitFor('ReplicaSets and Pods gone', async () => {
      const rs = (await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=web' })).items;
      const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
      return rs.length === 0 && pods.length === 0;
    });
    await core.createNamespace({ body: { metadata: { name: 'scratch' } } });
    await waitFor('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: 'scratch' }));
    await core.createNamespacedPod({ namespace: 'scratch', body: pod('p') });
    await core.createNamespacedConfigMap({ namespace: 'scratch', body: { metadata: { name: 'c' } } });
    const ns = await core.deleteNamespace({ name: 'scratch' });
    void ns;
    const terminating = await core.readNamespace({ name: 'scratch' }).catch(() => undefined);
    if (terminating) assert.equal(terminating.status?.phase, 'Terminating');
    await waitFor('namespace gone', async () => (await status(core.readNamespace({ name: 'scratch' }))).code === 404);
  });

  it('keeps a deleted object while it has finalizers, and lets it go when they are removed', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { ...pod('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedPod({ name: 'held', namespace: 'default' });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'default' });
    await new Promise((r) => setTimeout(r, 200));
    const p = await core.readNamespacedPod({ name: 'held', namespace: 'default' });
    assert.ok(p.metadata?.deletionTimestamp);
    assert.ok((await core.readNamespacedConfigMap({ name: 'held', namespace: 'default' })).metadata?.deletionTimestamp);
    const release = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await core.patchNamespacedPod({ name: 'held', namespace: 'default', body: { metadata: { finalizers: null } } }, release);
    await core.patchNamespacedConfigMap({ name: 'held', namespace: 'default', body: { metadata: { finalizers: null } } }, release);
    await waitFor(
      'both gone',
      async () =>
        (await status(core.readNamespacedPod({ name: 'held', namespace: 'default' }))).code === 404 &&
        (await status(core.readNamespacedConfigMap({ name: 'held', namespace: 'default' }))).code === 404,
    );
  });

  it('serves the kinds of a CRD as soon as it is created, and drops them with it', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await ssa2(crd as KubernetesObject);
    const w = (await ssa2({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'default' },
      spec: { size: 3 },
    } as KubernetesObject)) as KubernetesObject & { spec: { size: number } };
    assert.equal(w.spec.size, 3);
    assert.equal(w.metadata?.generation, 1);
    const established = await waitFor('Established', async () => {
      const c = (await objects.read({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
      })) as KubernetesObject & { status?: { conditions?: Array<{ type: string; status: string }> } };
      return c.status?.conditions?.find((x) => x.type === 'Established' && x.status === 'True');
    });
    assert.ok(established);
    await objects.delete(crd as KubernetesObject);
    await waitFor('widgets gone', async () => (await fetch(`${cluster.server}/apis/example.com/v1/namespaces/default/widgets/w`)).status === 404);
  });
});

function ssa2(o: KubernetesObject) {
  return objects.patch(o, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
}

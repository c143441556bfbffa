// Pods on the Docker engine: time to Running, restarts with back-off, image pull errors, restart policies,
// probes and env, Jobs, StatefulSets, DaemonSets, and container cleanup (stop, pod deletion, sweeper, two servers).
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, type V1ContainerStatus, type V1Pod } from '@kubernetes/client-node';
import Docker from 'dockerode';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { startTestCluster } from '../cluster/index.js';
import { clusterForFile, HELLO_SERVER, waitFor } from './helpers.js';

const docker = new Docker();
const cluster = await clusterForFile();
const core = cluster.kc.makeApiClient(CoreV1Api);
const apps = cluster.kc.makeApiClient(AppsV1Api);
const batch = cluster.kc.makeApiClient(BatchV1Api);

const podSpec = (name: string, command: string[], extra: Partial<V1Pod['spec']> = {}, image = 'busybox:latest'): V1Pod => ({
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, command }], ...extra },
});

const statusOf = async (name: string): Promise<V1ContainerStatus | undefined> =>
  (await core.readNamespacedPod({ name, namespace: 'default' })).status?.containerStatuses?.[0];

const labelled = (id: string) => docker.listContainers({ all: true, filters: { label: [`devloop-test-cluster=${id}`] } });

describe('pods on the engine', () => {
  it('starts a server and gets one pod Running in under 2 s', async (t) => {
    const started = Date.now();
    const c = await startTestCluster();
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(c.kubeconfigPath);
      const api = kc.makeApiClient(CoreV1Api);
      await api.createNamespacedPod({ namespace: 'default', body: podSpec('quick', ['sleep', '60']) });
      await waitFor('Running', async () => (await api.readNamespacedPod({ name: 'quick', namespace: 'default' })).status?.phase === 'Running', 10_000);
      const ms = Date.now() - started;
      t.diagnostic(`start-to-Running: ${ms} ms`);
      assert.ok(ms < 2000, `took ${ms} ms`);
    } finally {
      await c.stop();
    }
    assert.equal((await labelled(c.id)).length, 0, 'stop() removed the containers');
  });

  it('restarts a crashing container with growing back-off (CrashLoopBackOff), keeping the previous logs', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podSpec('crash', ['sh', '-c', 'echo boom; exit 2']) });
    const s = await waitFor('CrashLoopBackOff', async () => {
      const st = await statusOf('crash');
      return st?.state?.waiting?.reason === 'CrashLoopBackOff' && st;
    });
    assert.equal(s.lastState?.terminated?.exitCode, 2);
    assert.equal(s.lastState?.terminated?.reason, 'Error');
    assert.ok(s.restartCount >= 1);
    assert.match(s.state?.waiting?.message ?? '', /^back-off \d+s restarting failed container=c pod=crash_default\(/);
    // From the first back-off on, the crashed run is the previous container (kubectl logs --previous).
    assert.equal(await core.readNamespacedPodLog({ name: 'crash', namespace: 'default', previous: true }), 'boom\n');
    const backoffs = new Map<number, string>();
    await waitFor(
      'two back-offs',
      async () => {
        const st = await statusOf('crash');
        const m = /^back-off (\d+s)/.exec(st?.state?.waiting?.message ?? '');
        if (m) backoffs.set(st!.restartCount, m[1]);
        return backoffs.has(2);
      },
      10_000,
    );
    assert.deepEqual([backoffs.get(1), backoffs.get(2)], ['1s', '2s'], 'the delay doubles');
    const pod = await core.readNamespacedPod({ name: 'crash', namespace: 'default' });
    assert.equal(pod.status?.phase, 'Running');
    const prev = await core.readNamespacedPodLog({ name: 'crash', namespace: 'default', previous: true });
    assert.equal(prev, 'boom\n');
  });

  it('ErrImagePull then ImagePullBackOff for an image the engine does not have, without pulling it', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podSpec('noimage', ['true'], {}, 'example.invalid/not/there:1') });
    const seen = new Set<string>();
    await waitFor(
      'ImagePullBackOff',
      async () => {
        const r = (await statusOf('noimage'))?.state?.waiting?.reason;
        if (r) seen.add(r);
        return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
      },
      10_000,
    );
    assert.equal((await core.readNamespacedPod({ name: 'noimage', namespace: 'default' })).status?.phase, 'Pending');
  });

  it('pulls an image from the local registry (127.0.0.1), and only from there', {
    skip: !process.env.DEVLOOP_REGISTRY && 'DEVLOOP_REGISTRY is not set',
  }, async () => {
    const ref = `${process.env.DEVLOOP_REGISTRY}/test-cluster-pull:${cluster.id}`;
    const img = docker.getImage('busybox:latest');
    await img.tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: cluster.id });
    const pushed = await docker.getImage(ref).push({ authconfig: { serveraddress: process.env.DEVLOOP_REGISTRY } });
    await new Promise((resolve, reject) => docker.modem.followProgress(pushed, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
    await docker.getImage(ref).remove();
    try {
      await core.createNamespacedPod({ namespace: 'default', body: podSpec('pulled', ['sleep', '60'], {}, ref) });
      await waitFor('Running', async () => (await core.readNamespacedPod({ name: 'pulled', namespace: 'default' })).status?.phase === 'Running', 10_000);
      assert.match((await statusOf('pulled'))?.imageID ?? '', /^docker-pullable:\/\/.*@sha256:[0-9a-f]{64}$/);
    } finally {
      await core.deleteNamespacedPod({ name: 'pulled', namespace: 'default', gracePeriodSeconds: 0 });
      await waitFor('container gone', async () => !(await labelled(cluster.id)).some((c) => c.Labels['io.kubernetes.pod.name'] === 'pulled'));
      await docker
        .getImage(ref)
        .remove()
        .catch(() => {});
    }
  });

  it('honours restartPolicy: Never fails, OnFailure succeeds after the command succeeds', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podSpec('never', ['sh', '-c', 'exit 4'], { restartPolicy: 'Never' }) });
    await core.createNamespacedPod({ namespace: 'default', body: podSpec('onfailure', ['sh', '-c', 'echo ok'], { restartPolicy: 'OnFailure' }) });
    await waitFor('Failed', async () => (await core.readNamespacedPod({ name: 'never', namespace: 'default' })).status?.phase === 'Failed');
    const t = (await statusOf('never'))?.state?.terminated;
    assert.equal(t?.exitCode, 4);
    assert.equal(t?.reason, 'Error');
    await waitFor('Succeeded', async () => (await core.readNamespacedPod({ name: 'onfailure', namespace: 'default' })).status?.phase === 'Succeeded');
    assert.equal((await statusOf('onfailure'))?.state?.terminated?.reason, 'Completed');
  });

  it('resolves env (value, configMapKeyRef, fieldRef), runs as runAsUser, and waits for an exec readinessProbe', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { colour: 'blue' } } });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'envy' },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsUser: 1234 },
          containers: [
            {
              name: 'c',
              image: 'busybox:latest',
              command: ['sh', '-c', 'echo "$PLAIN $COLOUR $ME $(id -u)"; sleep 60'],
              env: [
                { name: 'PLAIN', value: 'v' },
                { name: 'COLOUR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'colour' } } },
                { name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    await waitFor('Running', async () => (await core.readNamespacedPod({ name: 'envy', namespace: 'default' })).status?.phase === 'Running');
    assert.equal(await waitFor('logs', () => core.readNamespacedPodLog({ name: 'envy', namespace: 'default' })), 'v blue envy 1234\n');
    assert.equal((await statusOf('envy'))?.ready, false);
    const { Exec } = await import('@kubernetes/client-node');
    await new Promise<void>(
      (resolve) => void new Exec(cluster.kc).exec('default', 'envy', 'c', ['touch', '/tmp/ready'], null, null, null, false, () => resolve()),
    );
    await waitFor('Ready', async () => (await statusOf('envy'))?.ready === true, 5000);
  });

  it('runs init containers to completion before the main containers', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        ...podSpec('inited', ['sleep', '60']),
        spec: {
          ...podSpec('inited', ['sleep', '60']).spec!,
          initContainers: [{ name: 'init', image: 'busybox:latest', command: ['sh', '-c', 'echo preparing'] }],
        },
      },
    });
    const pod = await waitFor('Running', async () => {
      const p = await core.readNamespacedPod({ name: 'inited', namespace: 'default' });
      return p.status?.phase === 'Running' && p;
    });
    assert.equal(pod.status?.initContainerStatuses?.[0].state?.terminated?.reason, 'Completed');
    assert.equal(await core.readNamespacedPodLog({ name: 'inited', namespace: 'default', container: 'init' }), 'preparing\n');
  });

  it("mounts emptyDir (shared by the pod's containers), configMap and secret volumes", async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'files' }, data: { 'app.conf': 'mode=test\n', other: 'x' } } });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } } });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'mounted' },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsUser: 1234 },
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'conf', configMap: { name: 'files', items: [{ key: 'app.conf', path: 'etc/app.conf' }] } },
            { name: 'creds', secret: { secretName: 'creds' } },
          ],
          initContainers: [
            {
              name: 'init',
              image: 'busybox:latest',
              command: ['sh', '-c', 'echo from-init > /scratch/seed'],
              volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
            },
          ],
          containers: [
            {
              name: 'c',
              image: 'busybox:latest',
              command: ['sh', '-c', 'cat /scratch/seed /conf/etc/app.conf /creds/token; echo; ls /conf; sleep 60'],
              volumeMounts: [
                { name: 'scratch', mountPath: '/scratch' },
                { name: 'conf', mountPath: '/conf', readOnly: true },
                { name: 'creds', mountPath: '/creds', readOnly: true },
              ],
            },
          ],
        },
      },
    });
    await waitFor('Running', async () => (await core.readNamespacedPod({ name: 'mounted', namespace: 'default' })).status?.phase === 'Running');
    const logs = await waitFor('logs', async () => {
      const l = await core.readNamespacedPodLog({ name: 'mounted', namespace: 'default', container: 'c' });
      return l.includes('etc') && l;
    });
    assert.equal(logs, 'from-init\nmode=test\ns3cret\netc\n');
  });

  it('lets the containers of one pod talk over localhost, and nothing else', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'duo' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            { name: 'server', image: 'node:16-alpine', command: ['node', '-e', HELLO_SERVER] },
            {
              name: 'client',
              image: 'node:16-alpine',
              command: [
                'sh',
                '-c',
                'until wget -q -O - http://127.0.0.1:8080/from-sidecar 2>/dev/null; do sleep 0.2; done; echo; ip -o link | cut -d: -f2; echo end-of-links; sleep 60',
              ],
            },
          ],
        },
      },
    });
    const logs = await waitFor('the sidecar reached the server', async () => {
      const l = await core.readNamespacedPodLog({ name: 'duo', namespace: 'default', container: 'client' });
      return l.includes('end-of-links') && l;
    });
    assert.equal(logs.split('\n')[0], 'hello /from-sidecar');
    const links = logs
      .split('\n')
      .slice(1, logs.split('\n').indexOf('end-of-links'))
      .filter(Boolean)
      .map((x) => x.trim());
    assert.deepEqual(links, ['lo'], 'a loopback interface and no other');
  });

  it('deleting a pod stops and removes its container', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: podSpec('doomed', ['sleep', '60']) });
    await waitFor('Running', async () => (await core.readNamespacedPod({ name: 'doomed', namespace: 'default' })).status?.phase === 'Running');
    const mine = async () => (await labelled(cluster.id)).filter((c) => c.Labels['io.kubernetes.pod.name'] === 'doomed');
    assert.equal((await mine()).length, 1);
    const deleted = await core.deleteNamespacedPod({ name: 'doomed', namespace: 'default' });
    assert.ok(deleted.metadata?.deletionTimestamp, 'graceful: the pod is Terminating first');
    await waitFor(
      'pod gone',
      async () => !(await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=doomed' })).items.length,
      10_000,
    );
    assert.equal((await mine()).length, 0);
  });
});

describe('workloads on the engine', () => {
  it('a Job completes, and one that keeps failing stops at backoffLimit', async () => {
    const job = (name: string, command: string[], backoffLimit = 6) => ({
      metadata: { name },
      spec: {
        backoffLimit,
        template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:latest', command }] } },
      },
    });
    await batch.createNamespacedJob({ namespace: 'default', body: job('ok', ['sh', '-c', 'echo done']) });
    await batch.createNamespacedJob({ namespace: 'default', body: job('bad', ['sh', '-c', 'exit 1'], 1) });
    const ok = await waitFor('Complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'ok', namespace: 'default' });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && j;
    });
    assert.equal(ok.status?.succeeded, 1);
    assert.ok(ok.status?.completionTime);
    const bad = await waitFor(
      'Failed',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'bad', namespace: 'default' });
        return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') && j;
      },
      20_000,
    );
    assert.equal(bad.status?.failed, 2);
    assert.equal(bad.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'job-name=bad' })).items;
    assert.equal(pods.length, 2);
  });

  it('a StatefulSet gets ordered pods NAME-0, NAME-1; a DaemonSet gets its one pod; rollout status finishes for both', async () => {
    const template = (app: string) => ({
      metadata: { labels: { app } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '600'] }] },
    });
    await apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: { metadata: { name: 'db' }, spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') } },
    });
    await apps.createNamespacedDaemonSet({
      namespace: 'default',
      body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } },
    });
    for (const target of ['statefulset/db', 'daemonset/agent']) {
      const r = await cluster.kubectl(['rollout', 'status', target, '--timeout=30s']);
      assert.equal(r.code, 0, r.stderr);
    }
    const names = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=db' })).items.map((p) => p.metadata?.name).sort();
    assert.deepEqual(names, ['db-0', 'db-1']);
    assert.equal((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=agent' })).items.length, 1);
  });
});

describe('cleanup', () => {
  it('two servers run side by side; stopping one removes only its containers; leftovers of dead servers are swept', async () => {
    const a = await startTestCluster();
    const b = await startTestCluster();
    try {
      for (const c of [a, b]) {
        const kc = new KubeConfig();
        kc.loadFromFile(c.kubeconfigPath);
        const api = kc.makeApiClient(CoreV1Api);
        await api.createNamespacedPod({ namespace: 'default', body: podSpec('same-name', ['sleep', '60']) });
        await waitFor('Running', async () => (await api.readNamespacedPod({ name: 'same-name', namespace: 'default' })).status?.phase === 'Running');
      }
      assert.notEqual(a.server, b.server);
      await a.stop();
      assert.equal((await labelled(a.id)).length, 0);
      assert.equal((await labelled(b.id)).length, 1);
    } finally {
      await a.stop();
      await b.stop();
    }
    // a container left by a crashed run: its pid label names a process that is gone
    const deadPid = spawnSync('true').pid!;
    const leftover = await docker.createContainer({
      Image: 'busybox:latest',
      Cmd: ['sleep', '60'],
      Labels: { 'devloop-test-cluster': 'crashed0', 'devloop-test-cluster.pid': String(deadPid) },
      HostConfig: { NetworkMode: 'none' },
    });
    const c = await startTestCluster();
    await c.stop();
    await assert.rejects(leftover.inspect(), /no such container/i);
  });
});

// The k8s adapter's pure parts and its error paths that need no API server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCluster } from '../../src/adapters/k8s/cluster.js';
import { isLocalContext } from '../../src/adapters/k8s/kubeconfig.js';
import { toPodView } from '../../src/adapters/k8s/pod-view.js';
import { startPortForward } from '../../src/adapters/k8s/port-forward-server.js';
import { parseLocalRegistryHosting } from '../../src/adapters/k8s/registry.js';
import { isDevloopError, type DevloopError } from '../../src/model/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'devloop-k8s-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(server: string, contexts = ['devloop-test'], current = contexts[0]): string {
  const file = join(dir, `kc-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${current}`,
      'clusters:',
      `- name: c\n  cluster:\n    server: ${server}`,
      'users:',
      '- name: u\n  user:\n    token: t',
      'contexts:',
      ...contexts.map((c) => `- name: ${c}\n  context:\n    cluster: c\n    user: u${c === 'withns' ? '\n    namespace: team' : ''}`),
    ].join('\n'),
  );
  return file;
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<DevloopError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(isDevloopError(e), `expected DevloopError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected DevloopError ${code}`);
}

describe('kubeconfig', () => {
  it('knows local contexts by name and by loopback server', () => {
    for (const c of ['kind-dev', 'k3d-x', 'minikube', 'docker-desktop', 'rancher-desktop', 'colima', 'orbstack', 'microk8s', 'devloop-test']) {
      assert.equal(isLocalContext(c, 'https://10.0.0.1:6443'), true, c);
    }
    assert.equal(isLocalContext('prod', 'https://127.0.0.1:6443'), true);
    assert.equal(isLocalContext('prod', 'https://localhost:6443'), true);
    assert.equal(isLocalContext('prod', 'https://[::1]:6443'), true);
    assert.equal(isLocalContext('gke_prod', 'https://34.1.2.3'), false);
    assert.equal(isLocalContext('kind', 'https://example.com'), false);
  });

  it('reports a missing file, an unknown context, and takes the namespace', async () => {
    const missing = await rejectsWith(() => createCluster({ kubeconfig: join(dir, 'nope') }), 'kubeconfig');
    assert.match(missing.message, /nope/);
    const file = kubeconfig('http://127.0.0.1:1', ['devloop-test', 'withns']);
    const unknown = await rejectsWith(() => createCluster({ kubeconfig: file, context: 'prod' }), 'kubeconfig');
    assert.match(unknown.message, /"prod".*devloop-test, withns/);
    assert.equal(createCluster({ kubeconfig: file }).info().namespace, 'default');
    assert.equal(createCluster({ kubeconfig: file, context: 'withns' }).info().namespace, 'team');
    const info = createCluster({ kubeconfig: file, namespace: 'x' }).info();
    assert.deepEqual(info, { context: 'devloop-test', server: 'http://127.0.0.1:1', namespace: 'x', isLocal: true });
  });

  it('ping of a server that is not there is cluster-unreachable, naming context and server', async () => {
    const free = await freePort();
    const c = createCluster({ kubeconfig: kubeconfig(`http://127.0.0.1:${free}`) });
    const e = await rejectsWith(c.ping(), 'cluster-unreachable');
    assert.match(e.message, new RegExp(`devloop-test.*127\\.0\\.0\\.1:${free}.*connection refused`));
    assert.ok(e.hint);
  });
});

describe('local-registry-hosting', () => {
  it('parses v1 and ignores junk', () => {
    assert.deepEqual(parseLocalRegistryHosting('host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n'), {
      host: 'localhost:5001',
      help: 'https://kind.sigs.k8s.io/docs/user/local-registry/',
    });
    assert.deepEqual(parseLocalRegistryHosting('host: localhost:5001\nhostFromContainerRuntime: kind-registry:5000'), {
      host: 'localhost:5001',
      hostFromContainerRuntime: 'kind-registry:5000',
    });
    assert.equal(parseLocalRegistryHosting('help: only'), undefined);
    assert.equal(parseLocalRegistryHosting(': : ['), undefined);
    assert.equal(parseLocalRegistryHosting(undefined), undefined);
  });
});

describe('pod view', () => {
  it('maps container states, owners and readiness', () => {
    const v = toPodView({
      metadata: { name: 'web-1', namespace: 'ns', uid: 'u1', labels: { app: 'web' }, ownerReferences: [{ uid: 'rs1' }], creationTimestamp: 't0' },
      spec: {
        containers: [
          { name: 'app', image: 'app:1' },
          { name: 'side', image: 'side:1' },
          { name: 'new', image: 'n:1' },
        ],
        initContainers: [{ name: 'init', image: 'i:1' }],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'app',
            image: 'docker.io/library/app:1',
            ready: false,
            restartCount: 3,
            containerID: 'docker://abc',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
            lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: 't1' } },
          },
          { name: 'side', ready: true, restartCount: 0, state: { running: { startedAt: 't2' } } },
        ],
        initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
    });
    assert.equal(v.ready, false);
    assert.equal(v.deleting, false);
    assert.deepEqual(v.ownerUids, ['rs1']);
    assert.deepEqual(v.containers[0], {
      name: 'app',
      image: 'app:1',
      ready: false,
      restartCount: 3,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: 'back-off',
      containerID: 'docker://abc',
      lastTerminated: { exitCode: 2, reason: 'Error', finishedAt: 't1' },
    });
    assert.deepEqual(v.containers[1], { name: 'side', image: 'side:1', ready: true, restartCount: 0, state: 'running', startedAt: 't2' });
    assert.deepEqual(v.containers[2], { name: 'new', image: 'n:1', ready: false, restartCount: 0, state: 'unknown' });
    assert.equal(v.initContainers[0].state, 'terminated');
    assert.equal(v.initContainers[0].exitCode, 0);
    assert.equal(v.initContainers[0].reason, 'Completed');
  });

  it('says why a pod is not scheduled', () => {
    const v = toPodView({
      metadata: { name: 'p', namespace: 'n', uid: 'u', deletionTimestamp: 'x' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] },
    });
    assert.equal(v.deleting, true);
    assert.equal(v.reason, 'Unschedulable');
    assert.equal(v.message, '0/1 nodes are available');
  });
});

describe('port-forward server', () => {
  it('a port already in use is port-in-use, naming the port and the owning PID', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const e = await rejectsWith(
        startPortForward({
          localPort: port,
          containerPort: 80,
          resolvePod: async () => undefined,
          cluster: { portForward: async () => assert.fail('not called') },
        }),
        'port-in-use',
      );
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port} is already in use by PID ${process.pid}`));
      assert.match(e.hint ?? '', /kill|another local port/);
    } finally {
      blocker.close();
    }
  });

  it('a connection without a ready pod is closed and reported; the listener stays', async () => {
    const errors: Error[] = [];
    const srv = await startPortForward({
      localPort: 0,
      containerPort: 80,
      resolvePod: async () => undefined,
      cluster: { portForward: async () => assert.fail('not called') },
      onError: (e) => errors.push(e),
    });
    try {
      for (let i = 0; i < 2; i++) {
        await new Promise<void>((resolve) => {
          const s = net.connect(srv.port, '127.0.0.1');
          s.on('error', () => undefined);
          s.on('close', () => resolve());
        });
      }
      assert.equal(errors.length, 2);
      assert.equal((errors[0] as DevloopError).code, 'port-forward-no-pod');
    } finally {
      await srv.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

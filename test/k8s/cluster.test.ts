// The k8s adapter against the test API server (test/cluster): apply, list by labels, delete, pods, logs,
// exec and port-forward, with pods running as Docker containers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import tar from 'tar-stream';
import WebSocket from 'ws';
import { createCluster, type K8sCluster } from '../../src/adapters/k8s/cluster.js';
import { startPortForward } from '../../src/adapters/k8s/port-forward-server.js';
import { isDevloopError } from '../../src/model/errors.js';
import type { KObject, PodView } from '../../src/ports/cluster.js';
import type { ContainerExecutor } from '../../src/ports/container-exec.js';
import { warmShellExecutor } from '../../src/engine/live-update/warm-shell.js';
import { startTestCluster, type TestCluster } from '../cluster/index.js';

const RUN = Math.random().toString(36).slice(2, 8);
const LABELS = { 'app.kubernetes.io/managed-by': 'devloop', 'devloop.dev/run': RUN };
const NS = 'default';

let tc: TestCluster;
let cluster: K8sCluster;
/** pods seen by one watch for the whole file, by name */
const pods = new Map<string, PodView>();
let stopWatch: (() => void) | undefined;
const watchErrors: Error[] = [];

before(async () => {
  tc = await startTestCluster();
  cluster = createCluster({ kubeconfig: tc.kubeconfigPath });
  const w = cluster.watchPods(
    NS,
    (e) => (e.type === 'delete' ? pods.delete(e.pod.name) : pods.set(e.pod.name, e.pod)),
    (e) => watchErrors.push(e),
  );
  stopWatch = () => w.stop();
});

after(async () => {
  stopWatch?.();
  cluster?.close();
  await tc?.stop();
});

function deployment(name: string, image: string, command: string[], extraLabels: Record<string, string> = {}): KObject {
  const sel = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...LABELS, ...extraLabels } },
    spec: {
      replicas: 1,
      selector: { matchLabels: sel },
      template: {
        metadata: { labels: sel },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command }] },
      },
    },
  };
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) {
      const seen = [...pods.values()].map(
        (p) =>
          `${p.name} ${p.phase} ready=${p.ready} ${p.containers.map((c) => `${c.name}:${c.state}${c.reason ? `(${c.reason} ${c.message ?? ''})` : ''}`).join(',')}`,
      );
      throw new Error(
        `timed out waiting for ${what}; pods seen: ${seen.join('; ') || 'none'}; watch errors: ${watchErrors.map((e) => e.message).join('; ') || 'none'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readyPod(app: string): PodView | undefined {
  return [...pods.values()].find((p) => p.labels.app === app && p.ready && !p.deleting);
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error & { code: string; hint?: string; object?: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isDevloopError(e), `expected DevloopError ${code}, got ${(e as Error)?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected DevloopError ${code}`);
}

/** The least an exec can cost: one WebSocket, no auth plumbing, wait for the status frame. */
function rawExec(server: string, pod: string, command: string[]): Promise<void> {
  const q = new URLSearchParams({ container: 'main', stdout: 'true', stderr: 'true' });
  for (const c of command) q.append('command', c);
  const ws = new WebSocket(`${server.replace('http', 'ws')}/api/v1/namespaces/${NS}/pods/${pod}/exec?${q}`, ['v5.channel.k8s.io'], {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.on('message', (d: Buffer) => {
      if (d[0] === 3) {
        ws.close();
        resolve();
      }
    });
    ws.on('error', reject);
  });
}

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('k8s adapter against the test cluster', () => {
  it('pings, is local, and reads the advertised registry', async () => {
    await cluster.ping();
    assert.equal(cluster.info().isLocal, true);
    assert.equal(cluster.info().context, 'devloop-test');
    const reg = await cluster.advertisedRegistry();
    assert.ok(reg?.host, 'a registry host');
  });

  it('applies, gets, lists by labels (only ours), re-applies idempotently, deletes and waits', async () => {
    // a ConfigMap that is not ours, without the labels
    await cluster.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `other-${RUN}` }, data: { a: '1' } });
    const objs: KObject[] = [
      deployment(`web-${RUN}`, 'busybox:latest', ['sh', '-c', 'sleep 3600']),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `web-${RUN}`, labels: { ...LABELS } },
        spec: { selector: { app: `web-${RUN}` }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${RUN}`, labels: { ...LABELS } }, data: { k: 'v' } },
    ];
    const first: KObject[] = [];
    for (const o of objs) first.push(await cluster.apply(o));
    for (const live of first) {
      assert.equal(live.metadata.namespace, NS);
      assert.ok(live.metadata.uid);
      const got = await cluster.get({ apiVersion: live.apiVersion, kind: live.kind, name: live.metadata.name });
      assert.equal(got?.metadata.uid, live.metadata.uid);
    }
    const again = await cluster.apply(objs[0]);
    assert.equal(again.metadata.uid, first[0].metadata.uid);
    assert.equal(
      again.metadata.resourceVersion,
      (await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: `web-${RUN}` }))?.metadata.resourceVersion,
    );
    assert.equal(
      (again.metadata as { generation?: number }).generation,
      (first[0].metadata as { generation?: number }).generation,
      'a no-op apply does not bump the generation',
    );

    const found = await cluster.listByLabels(LABELS);
    const names = found.map((r) => `${r.kind}/${r.name}`).sort();
    assert.deepEqual(names, [`ConfigMap/cfg-${RUN}`, `Deployment/web-${RUN}`, `Service/web-${RUN}`]);
    assert.ok(found.every((r) => r.namespace === NS && r.uid));

    for (const r of found) await cluster.delete(r);
    await cluster.delete(found[0]); // NotFound is success
    await cluster.waitGone(found, 30_000);
    assert.deepEqual(await cluster.listByLabels(LABELS), []);
    assert.equal(await cluster.get(found[0]), undefined);
    await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: `other-${RUN}` });
  });

  it('marks objects controlled by another (ReplicaSet, Pod of a labelled template)', async () => {
    const labels = { ...LABELS, 'devloop.dev/run': `${RUN}-tpl` };
    const d = deployment(`tpl-${RUN}`, 'busybox:latest', ['sleep', '3600'], { 'devloop.dev/run': `${RUN}-tpl` });
    const tpl = (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata;
    tpl.labels = { ...tpl.labels, ...labels };
    await cluster.apply(d);
    try {
      const found = await until('Deployment, ReplicaSet and Pod', async () => {
        const refs = await cluster.listByLabels(labels);
        return refs.length >= 3 ? refs : undefined;
      });
      const byKind = Object.fromEntries(found.map((r) => [r.kind, r]));
      assert.equal(byKind.Deployment.controlled, undefined);
      assert.equal(byKind.ReplicaSet.controlled, true);
      assert.equal(byKind.Pod.controlled, true);
    } finally {
      await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: `tpl-${RUN}` });
    }
  });

  it('refuses a bad object with the API message and the object name', async () => {
    const e = await rejectsWith(
      cluster.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `bad-${RUN}` }, spec: { template: { spec: { containers: [] } } } }),
      'cluster-refused',
    );
    assert.equal(e.object, `Deployment/bad-${RUN}`);
    assert.match(e.message, /apply failed: .+/);
    const unknown = await rejectsWith(cluster.apply({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } }), 'cluster-refused');
    assert.match(unknown.message, /no kind Nope in apiVersion example.com\/v1/);
  });

  it('applies a CRD, waits until Established, then a custom resource of it', async () => {
    const group = `t${RUN}.devloop.dev`;
    const crd: KObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}`, labels: { ...LABELS } },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await cluster.apply(crd);
    const cr = await cluster.apply({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', labels: { ...LABELS } }, spec: { size: 3 } });
    assert.equal(cr.metadata.namespace, NS);
    const found = await cluster.listByLabels(LABELS);
    assert.deepEqual(found.map((r) => `${r.kind}/${r.name}`).sort(), [`CustomResourceDefinition/widgets.${group}`, 'Widget/w1']);
    const crRef = found.find((r) => r.kind === 'Widget')!;
    await cluster.delete(crRef);
    await cluster.waitGone([crRef], 30_000);
    const crdRef = found.find((r) => r.kind === 'CustomResourceDefinition')!;
    await cluster.delete(crdRef);
    await cluster.waitGone([crdRef], 30_000);
  });

  describe('with a running pod', () => {
    const app = `busy-${RUN}`;
    let pod: PodView;
    before(async () => {
      await cluster.apply(deployment(app, 'busybox:latest', ['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done']));
      pod = await until('a ready busybox pod', () => readyPod(app));
    });
    after(async () => {
      await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
    });

    it('watchPods sees it Running and Ready, owned through its ReplicaSet', async () => {
      assert.equal(pod.phase, 'Running');
      assert.equal(pod.containers[0].state, 'running');
      assert.equal(pod.containers[0].ready, true);
      assert.ok(pod.containers[0].containerID);
      const dep = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
      const owned = await cluster.ownedUids!(NS, [dep!.metadata.uid!]);
      assert.ok(
        pod.ownerUids.some((u) => owned.includes(u)),
        'the pod belongs to the Deployment',
      );
      assert.deepEqual(watchErrors, []);
    });

    it('streams log lines and stops cleanly', async () => {
      const lines: string[] = [];
      let ended = false;
      const s = cluster.streamLogs(NS, pod.name, 'main', (l) => lines.push(l), { onEnd: () => (ended = true) });
      try {
        await until('3 log lines', () => lines.length >= 3 || undefined, 20_000);
      } finally {
        s.stop();
      }
      assert.match(lines[0], /^line \d+$/);
      const n = lines.length;
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(lines.length <= n + 1, 'no lines after stop');
      assert.equal(ended, false, 'onEnd is not called after stop()');
    });

    it('execs with stdin, returns exit codes, and untars', async () => {
      const r = await cluster.exec(NS, pod.name, 'main', ['sh', '-c', 'cat > /tmp/x; wc -c < /tmp/x'], Buffer.from('hello world'));
      assert.equal(r.exitCode, 0, r.stderr.toString());
      assert.equal(r.stdout.toString().trim(), '11');
      const three = await cluster.exec(NS, pod.name, 'main', ['sh', '-c', 'echo oops >&2; exit 3']);
      assert.equal(three.exitCode, 3);
      assert.equal(three.stderr.toString(), 'oops\n');

      const pack = tar.pack();
      pack.entry({ name: 'a.txt' }, 'alpha\n');
      pack.entry({ name: 'sub/b.txt' }, 'beta\n');
      pack.finalize();
      // a tar-stream pack (a streamx Readable), as live update sends it
      const t = await cluster.exec(
        NS,
        pod.name,
        'main',
        ['sh', '-c', 'mkdir -p /tmp/d && tar -x -C /tmp/d && cat /tmp/d/a.txt /tmp/d/sub/b.txt'],
        pack as unknown as NodeJS.ReadableStream,
      );
      assert.equal(t.exitCode, 0, t.stderr.toString());
      assert.equal(t.stdout.toString(), 'alpha\nbeta\n');

      const big = Buffer.alloc(5 * 1024 * 1024 + 7, 'x');
      const bigR = await cluster.exec(NS, pod.name, 'main', ['sh', '-c', 'wc -c'], big);
      assert.equal(bigR.stdout.toString().trim(), String(big.length));

      // round trip of a small exec, against a bare WebSocket exec in the same process as the baseline
      const times: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < 20; i++) {
        let t0 = performance.now();
        const x = await cluster.exec(NS, pod.name, 'main', ['true']);
        times.push(performance.now() - t0);
        assert.equal(x.exitCode, 0);
        t0 = performance.now();
        await rawExec(tc.server, pod.name, ['true']);
        raw.push(performance.now() - t0);
      }
      console.log(
        `# exec round trip p50 ${p50(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}); bare WebSocket exec p50 ${p50(raw).toFixed(1)} ms; ratio ${(p50(times) / p50(raw)).toFixed(2)}`,
      );
    });

    it('a warm shell runs scripts as one-off execs do (stdin, exit code, stderr), over one session, and falls back when the session ends', async () => {
      const target = { label: pod.name, namespace: NS, pod: pod.name, container: 'main', containerID: `warm-${RUN}` };
      const calls: string[] = [];
      const base: ContainerExecutor = {
        exec: (t, cmd, stdin) => {
          calls.push('exec');
          return cluster.exec(NS, t.pod!, t.container, cmd, stdin);
        },
        session: (t, cmd) => {
          calls.push('session');
          return cluster.execSession!(NS, t.pod!, t.container, cmd);
        },
      };
      const warm = warmShellExecutor(base);
      try {
        const script = 'cat > /tmp/w; wc -c < /tmp/w; echo to-stderr >&2; exit 4';
        const payload = Buffer.from('hello\0world\n');
        const [w, cold] = [await warm.exec(target, ['sh', '-c', script], payload), await cluster.exec(NS, pod.name, 'main', ['sh', '-c', script], payload)];
        assert.deepEqual(
          { code: w.exitCode, out: w.stdout.toString(), err: w.stderr.toString() },
          { code: cold.exitCode, out: cold.stdout.toString(), err: cold.stderr.toString() },
        );
        assert.equal(w.exitCode, 4);
        assert.equal(w.stdout.toString().trim(), String(payload.length));

        // `exit` in a script ends that script only: the next one goes through the same session.
        const big = randomBytes(300_000);
        const sum = createHash('sha256').update(big).digest('hex');
        const b = await warm.exec(target, ['sh', '-c', 'sha256sum | cut -c1-64'], big);
        assert.equal(b.stdout.toString().trim(), sum);
        // Without stdin a script reads end of file at once (not the session's input).
        const nothing = await warm.exec(target, ['sh', '-c', 'cat; echo read-done']);
        assert.equal(nothing.stdout.toString(), 'read-done\n');
        // Output without a final newline stays as it is.
        assert.equal((await warm.exec(target, ['sh', '-c', 'printf no-newline'])).stdout.toString(), 'no-newline');
        assert.deepEqual(calls, ['session'], 'one session, no one-off exec');

        const times: number[] = [];
        const coldTimes: number[] = [];
        for (let i = 0; i < 15; i++) {
          let t0 = performance.now();
          await warm.exec(target, ['sh', '-c', 'true']);
          times.push(performance.now() - t0);
          t0 = performance.now();
          await cluster.exec(NS, pod.name, 'main', ['sh', '-c', 'true']);
          coldTimes.push(performance.now() - t0);
        }
        console.log(`# sh -c true: warm shell p50 ${p50(times).toFixed(1)} ms, one-off exec p50 ${p50(coldTimes).toFixed(1)} ms`);

        // The shell dies during a script that has started no run step: the script is run again as a one-off exec,
        // and the next script opens a new session.
        const once = `if [ -e /tmp/killed-${RUN} ]; then echo second-try; else touch /tmp/killed-${RUN}; kill -9 $PPID; sleep 5; fi`;
        const again = await warm.exec(target, ['sh', '-c', once]);
        assert.equal(again.stdout.toString(), 'second-try\n');
        assert.deepEqual(calls, ['session', 'exec'], 'the lost script ran again as a one-off exec');
        const after = await warm.exec(target, ['sh', '-c', 'echo back']);
        assert.equal(after.stdout.toString(), 'back\n');
        assert.deepEqual(calls, ['session', 'exec', 'session'], 'a new session after the lost one');
      } finally {
        warm.close?.();
      }
    });

    it('exec errors: a missing container is cluster-refused, a missing command is exec-failed', async () => {
      const e = await rejectsWith(cluster.exec(NS, pod.name, 'nope', ['true']), 'cluster-refused');
      assert.equal(e.object, `Pod/${pod.name}`);
      assert.match(e.message, /nope/);
      const gone = await rejectsWith(cluster.exec(NS, `missing-${RUN}`, 'main', ['true']), 'cluster-refused');
      assert.match(gone.message, /not found/);
      try {
        const r = await cluster.exec(NS, pod.name, 'main', ['/no/such/binary']);
        assert.notEqual(r.exitCode, 0); // some runtimes report 126/127 as an exit code
        console.log(`# missing binary: exit ${r.exitCode} ${r.stderr.toString().trim()}`);
      } catch (err) {
        console.log(`# missing binary: ${(err as Error).message}`);
        assert.ok(isDevloopError(err) && err.code === 'exec-failed', String(err));
      }
    });

    it('a log stream ends (onEnd) when its pod is deleted, without crashing', async () => {
      const lines: string[] = [];
      const ended = new Promise<Error | undefined>((resolve) => {
        cluster.streamLogs(NS, pod.name, 'main', (l) => lines.push(l), { onEnd: resolve });
      });
      await until('a log line', () => lines.length > 0 || undefined, 20_000);
      await cluster.delete({ apiVersion: 'v1', kind: 'Pod', name: pod.name });
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
      const how = await Promise.race([ended, timeout]);
      assert.notEqual(how, 'timeout', 'the stream ended');
    });
  });

  describe('port-forward server', () => {
    const app = `node-${RUN}`;
    before(async () => {
      await cluster.apply(deployment(app, 'node:16-alpine', ['node', '-e', "require('http').createServer((q,s)=>s.end('hi')).listen(8080,'127.0.0.1')"]));
      await until('a ready node pod', () => readyPod(app));
    });
    after(async () => {
      await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
    });

    const get = (port: number, agent: http.Agent | false = false) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
            res.on('error', reject);
          })
          .on('error', reject);
      });

    it("answers 'hi' through 127.0.0.1:<free port>, following the current pod", async () => {
      const errors: Error[] = [];
      const srv = await startPortForward({
        localPort: 0,
        containerPort: 8080,
        cluster,
        resolvePod: async () => {
          const p = readyPod(app);
          return p && { namespace: NS, pod: p.name };
        },
        onError: (e) => errors.push(e),
      });
      try {
        // the server may need a moment after Ready (no readiness probe)
        await until('an answer', async () => (await get(srv.port).catch(() => undefined)) === 'hi' || undefined, 30_000);
        const times: number[] = [];
        for (let i = 0; i < 20; i++) {
          const t0 = performance.now();
          assert.equal(await get(srv.port), 'hi');
          times.push(performance.now() - t0);
        }
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const kept: number[] = [];
        for (let i = 0; i < 20; i++) {
          const t0 = performance.now();
          assert.equal(await get(srv.port, agent), 'hi');
          kept.push(performance.now() - t0);
        }
        agent.destroy();
        console.log(
          `# port-forward request p50: ${p50(times).toFixed(1)} ms with a new connection each, ${p50(kept).toFixed(1)} ms on one kept-alive connection`,
        );

        // the pod is replaced: the next connection goes to the new one
        const old = readyPod(app)!;
        await cluster.delete({ apiVersion: 'v1', kind: 'Pod', name: old.name });
        await until('a new ready pod', () => {
          const p = readyPod(app);
          return p && p.name !== old.name ? p : undefined;
        });
        await until('an answer from the new pod', async () => (await get(srv.port).catch(() => undefined)) === 'hi' || undefined, 30_000);
      } finally {
        await srv.close();
      }
    });

    it('a connection to a port nobody listens on fails that connection only', async () => {
      const errors: Error[] = [];
      const srv = await startPortForward({
        localPort: 0,
        containerPort: 9999,
        cluster,
        resolvePod: async () => {
          const p = readyPod(app);
          return p && { namespace: NS, pod: p.name };
        },
        onError: (e) => errors.push(e),
      });
      try {
        await assert.rejects(get(srv.port));
        await until('an error report', () => errors.length > 0 || undefined, 10_000);
        assert.ok(isDevloopError(errors[0]) && errors[0].code === 'port-forward-failed', String(errors[0]));
        await assert.rejects(get(srv.port)); // the listener is still there
      } finally {
        await srv.close();
      }
    });
  });
});

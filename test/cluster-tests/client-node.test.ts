// @kubernetes/client-node (what devloop uses) against the test cluster, pods on the Docker engine:
// server-side apply with KubernetesObjectApi, an informer following a pod to Ready, Exec with stdin (v5), PortForward.
import {
  CoreV1Api,
  Exec,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  PortForward,
  type KubernetesObject,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { clusterForFile, deployment, waitFor } from './helpers.js';

const cluster = await clusterForFile();
const core = cluster.kc.makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(cluster.kc);

const collect = () => {
  const chunks: Buffer[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString() });
};

async function podName(): Promise<string> {
  return waitFor('a Ready pod', async () => {
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' })).items;
    const ready = pods.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !p.metadata?.deletionTimestamp);
    return ready?.metadata?.name;
  });
}

describe('client-node', () => {
  it('server-side applies a Deployment and an informer sees its pod become Ready', async () => {
    const events: string[] = [];
    const informer = makeInformer<V1Pod>(cluster.kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    informer.on('add', (p) => events.push(`add ${p.status?.phase}`));
    informer.on('update', (p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      events.push(`update ${p.status?.phase}${ready ? ' ready' : ''}`);
    });
    await informer.start();
    try {
      const applied = await objects.patch(
        JSON.parse(deployment('api')) as KubernetesObject,
        undefined,
        undefined,
        'devloop',
        true,
        PatchStrategy.ServerSideApply,
      );
      assert.equal(applied.metadata?.managedFields?.[0].manager, 'devloop');
      await waitFor('the informer to see a ready pod', () => events.includes('update Running ready'));
      assert.equal(events[0], 'add Pending');
      assert.ok(informer.list().some((p) => p.metadata?.labels?.app === 'api'));
    } finally {
      await informer.stop();
    }
  });

  it('Exec runs a command with stdin (v5 closes stdin) and reports exit codes', async () => {
    const name = await podName();
    const exec = new Exec(cluster.kc);
    const run = async (command: string[], input?: string) => {
      const stdout = collect(),
        stderr = collect();
      const stdin = input === undefined ? null : new PassThrough();
      let status: V1Status | undefined;
      const ws = await exec.exec('default', name, 'main', command, stdout, stderr, stdin, false, (s) => (status = s));
      if (stdin) stdin.end(input);
      await new Promise<void>((resolve) => ws.on('close', () => resolve()));
      return { stdout: stdout.text(), stderr: stderr.text(), status: status!, protocol: ws.protocol };
    };
    const upper = await run(['tr', 'a-z', 'A-Z'], 'shout this\n');
    assert.equal(upper.protocol, 'v5.channel.k8s.io');
    assert.equal(upper.stdout, 'SHOUT THIS\n');
    assert.deepEqual(upper.status, { metadata: {}, status: 'Success' });
    const failed = await run(['sh', '-c', 'echo oops >&2; exit 7']);
    assert.equal(failed.stderr, 'oops\n');
    assert.equal(failed.status.status, 'Failure');
    assert.equal(failed.status.reason, 'NonZeroExitCode');
    assert.deepEqual(failed.status.details?.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  it('speaks v4.channel.k8s.io to clients that do not offer v5', async () => {
    const { WebSocket } = await import('ws');
    const name = await podName();
    const url = `${cluster.server.replace('http', 'ws')}/api/v1/namespaces/default/pods/${name}/exec?command=sh&command=-c&command=echo+hi;+exit+2&stdout=true&stderr=true`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io']);
    const got: Record<number, string> = {};
    ws.on('message', (b: Buffer) => (got[b[0]] = (got[b[0]] ?? '') + b.subarray(1).toString()));
    await new Promise((resolve) => ws.on('close', resolve));
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    assert.equal(got[1], 'hi\n');
    assert.equal(JSON.parse(got[3]).details.causes[0].message, '2');
  });

  it("PortForward carries a TCP connection to the pod's loopback", async () => {
    const name = await podName();
    const forward = new PortForward(cluster.kc);
    const server = net.createServer((socket) => {
      void forward.portForward('default', name, [8080], socket, null, socket).then((ws) => {
        if (typeof ws !== 'function') ws.on('close', () => socket.end());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/through-client-node', agent: false }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve(t));
          })
          .on('error', reject);
      });
      assert.equal(body, 'hello /through-client-node');
    } finally {
      server.close();
    }
  });
});

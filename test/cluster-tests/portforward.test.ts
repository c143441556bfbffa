// Port-forward through the container's one long-lived relay (test/cluster/streams/relay.ts): many new
// connections without an exec each, refused connections, half-close, a relay killed mid-way, pod deletion,
// and images without node (one exec'd busybox nc per connection). Clients: @kubernetes/client-node PortForward
// (v4 channels) and the real kubectl (SPDY).
import { CoreV1Api, PortForward, type V1Pod } from '@kubernetes/client-node';
import Docker from 'dockerode';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { clusterForFile, waitFor } from './helpers.js';

const cluster = await clusterForFile();
const core = cluster.kc.makeApiClient(CoreV1Api);
const docker = new Docker();

// 8080: HTTP answering "hi"; 8081: raw TCP answering "got <everything read>" once the client half-closes
const SERVERS = [
  "require('http').createServer((q,s)=>s.end('hi')).listen(8080,'127.0.0.1');",
  "require('net').createServer({allowHalfOpen:true},s=>{let b='';s.on('data',d=>b+=d);s.on('end',()=>s.end('got '+b))}).listen(8081,'127.0.0.1');",
].join('');
// the relay's title, as ps shows it (the image has no pgrep)
const RELAY_PIDS = `ps -o pid,args | awk '$2=="devloop-portforward-relay"{print $1}'`;

function pod(name: string, image: string, command: string[]): V1Pod {
  return { metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command, ports: [{ containerPort: 8080 }] }] } };
}

async function runningPod(p: V1Pod, ready: string): Promise<string> {
  await core.createNamespacedPod({ namespace: 'default', body: p });
  const name = p.metadata!.name!;
  await waitFor(`${name} running`, async () => (await core.readNamespacedPod({ namespace: 'default', name })).status?.phase === 'Running');
  await waitFor(`${name} listening`, async () => (await cluster.kubectl(['exec', name, '--', 'sh', '-c', ready])).code === 0);
  return name;
}

/** a local listener forwarding every accepted connection through its own client-node PortForward */
async function forwarder(podName: string, port: number): Promise<{ port: number; errors: string[]; close(): void }> {
  const forward = new PortForward(cluster.kc);
  const errors: string[] = [];
  const server = net.createServer((socket) => {
    let text = '';
    const err = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) });
    void forward.portForward('default', podName, [port], socket, err, socket).then(
      (ws) => {
        if (typeof ws === 'function') return;
        ws.on('close', () => {
          if (text) errors.push(text);
          socket.end();
        });
        socket.on('close', () => ws.close());
      },
      (e) => (errors.push(String(e)), socket.destroy()),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, errors, close: () => server.close() };
}

/** one new TCP connection: writes `send` (then half-closes when `end`), resolves with what came back and when the first byte came */
function exchange(port: number, send: string, end = false): Promise<{ text: string; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let text = '',
      firstByteMs = -1;
    const s = net.connect(port, '127.0.0.1', () => (end ? s.end(send) : s.write(send)));
    s.on('data', (d) => {
      if (firstByteMs < 0) firstByteMs = performance.now() - t0;
      text += d;
    });
    s.on('end', () => resolve({ text, firstByteMs }));
    s.on('error', reject);
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n';
const relayCount = async (name: string) => Number((await cluster.kubectl(['exec', name, '--', 'sh', '-c', `${RELAY_PIDS} | wc -l`])).stdout.trim());

describe('port-forward relays', () => {
  let name: string;
  let fwd: Awaited<ReturnType<typeof forwarder>>;
  after(() => fwd?.close());

  it('20 sequential new connections through client-node PortForward each get an answer, over one relay', async (t) => {
    name = await runningPod(
      pod('relay', 'node:16-alpine', ['node', '-e', SERVERS]),
      "node -e \"require('net').connect(8081,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))\"",
    );
    fwd = await forwarder(name, 8080);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await exchange(fwd.port, GET);
      assert.match(r.text, /^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nhi$/);
      times.push(r.firstByteMs);
    }
    const sorted = [...times].sort((a, b) => a - b);
    t.diagnostic(
      `new connection → first byte through client-node PortForward, 20 connections: p50 ${sorted[9].toFixed(1)} ms, first ${times[0].toFixed(1)} ms, max ${sorted[19].toFixed(1)} ms`,
    );
    assert.deepEqual(fwd.errors, []);
    assert.equal(await relayCount(name), 1);
  });

  it('carries many concurrent connections', async () => {
    const all = await Promise.all(Array.from({ length: 40 }, () => exchange(fwd.port, GET)));
    assert.ok(all.every((r) => r.text.endsWith('\r\n\r\nhi')));
    assert.equal(await relayCount(name), 1);
  });

  it('reports a refused connection on the error channel, and the relay carries on', async () => {
    const refused = await forwarder(name, 9999);
    try {
      const r = await exchange(refused.port, GET);
      assert.equal(r.text, '');
      await waitFor('the error', () => refused.errors.length === 1);
      assert.equal(
        refused.errors[0],
        `error forwarding port 9999 to pod ${name}, uid ${(await core.readNamespacedPod({ namespace: 'default', name })).metadata!.uid}: failed to connect to localhost:9999 inside the container: connect ECONNREFUSED 127.0.0.1:9999`,
      );
    } finally {
      refused.close();
    }
    assert.ok((await exchange(fwd.port, GET)).text.endsWith('hi'));
    assert.equal(await relayCount(name), 1);
  });

  it('passes a half-close through (kubectl port-forward, SPDY), with many connections at once and 4 MB each way', async () => {
    const pf = cluster.kubectl.spawn(['port-forward', `pod/${name}`, ':8081']);
    try {
      let out = '';
      pf.stdout!.on('data', (d) => (out += d));
      const port = await waitFor('forwarding', () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]));
      assert.equal((await exchange(port, 'abc', true)).text, 'got abc');
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(port, `n${i}`, true)));
      assert.deepEqual(
        many.map((r) => r.text),
        Array.from({ length: 20 }, (_, i) => `got n${i}`),
      );
      const big = 'x'.repeat(4_000_000);
      assert.ok((await exchange(port, big, true)).text === `got ${big}`, 'a 4 MB exchange comes back whole');
    } finally {
      pf.kill();
    }
  });

  it('a relay killed mid-way fails its open connections; the next connection starts a new one', async () => {
    const half = await forwarder(name, 8081);
    try {
      const held = exchange(half.port, 'never ended'); // the server answers only after a half-close
      await new Promise((r) => setTimeout(r, 300));
      const kill = await cluster.kubectl(['exec', name, '--', 'sh', '-c', `kill $(${RELAY_PIDS})`]);
      assert.equal(kill.code, 0, kill.stderr);
      assert.equal((await held).text, '');
      await waitFor('the error', () => half.errors.length === 1);
      assert.match(
        half.errors[0],
        /^error forwarding port 8081 to pod relay, uid .*: failed to connect to localhost:8081 inside the container: the port-forward relay in the container exited/,
      );
    } finally {
      half.close();
    }
    assert.ok((await exchange(fwd.port, GET)).text.endsWith('hi'));
    assert.equal(await relayCount(name), 1);
  });

  it('images without node get one busybox nc per connection', async () => {
    const www = await runningPod(
      pod('no-node', 'busybox:latest', ['sh', '-c', 'mkdir -p /www && echo hello-busybox > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www']),
      'wget -q -O /dev/null http://127.0.0.1:8080/index.html',
    );
    const bb = await forwarder(www, 8080);
    try {
      for (let i = 0; i < 3; i++) assert.match((await exchange(bb.port, 'GET /index.html HTTP/1.0\r\n\r\n')).text, /200 OK[\s\S]*hello-busybox\n$/);
      assert.deepEqual(bb.errors, []);
    } finally {
      bb.close();
    }
  });

  it('deleting the pod ends its relay and its connections; stopping the server leaves no container', async () => {
    const held = exchange(fwd.port, 'GET / HTTP/1.1\r\n'); // an unfinished request keeps the connection open
    await new Promise((r) => setTimeout(r, 300));
    await core.deleteNamespacedPod({ namespace: 'default', name });
    assert.equal((await held).text, '');
    await waitFor('the pod gone', async () => !(await core.listNamespacedPod({ namespace: 'default' })).items.some((p) => p.metadata?.name === name));
    const left = await docker.listContainers({ all: true, filters: { label: [`devloop-test-cluster=${cluster.id}`, `io.kubernetes.pod.name=${name}`] } });
    assert.deepEqual(left, []);
    await cluster.stop();
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`devloop-test-cluster=${cluster.id}`] } }), []);
  });
});

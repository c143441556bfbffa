// watchPods and streamLogs against a scripted fake API server: resume after a closed watch, re-list after
// 410 Gone and after errors (emitting deletes for pods that vanished), clean stop; log errors and ends.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCluster, type K8sCluster } from '../../src/adapters/k8s/cluster.js';
import { isDevloopError } from '../../src/model/errors.js';
import type { PodEvent } from '../../src/ports/cluster.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** An API server whose answers the test scripts, one handler per request, in order. */
class FakeApi {
  readonly server = http.createServer((req, res) => this.handle(req, res));
  readonly requests: URL[] = [];
  private handlers: Handler[] = [];
  private waiters: (() => void)[] = [];
  private open = new Set<ServerResponse>();

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    for (const r of this.open) r.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
  next(...h: Handler[]): void {
    this.handlers.push(...h);
  }
  /** resolves when `n` requests have been received in total */
  async received(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${this.requests.map((u) => u.pathname + u.search).join(' ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url);
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    for (const w of this.waiters.splice(0)) w();
    const h = this.handlers.shift();
    if (!h) return void json(res, 500, { kind: 'Status', message: 'no scripted answer', code: 500 });
    h(req, res, url);
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
const pod = (name: string, rv: string, phase = 'Running') => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase },
});
const list =
  (rv: string, ...items: unknown[]): Handler =>
  (_q, res) =>
    json(res, 200, { kind: 'PodList', metadata: { resourceVersion: rv }, items });
/** a watch answer: writes the events, then ends (or holds the response open) */
const watch =
  (events: unknown[], end = true): Handler =>
  (_q, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    for (const e of events) res.write(JSON.stringify(e) + '\n');
    if (end) res.end();
  };

let api: FakeApi;
let cluster: K8sCluster;
let dir: string;

before(async () => {
  api = new FakeApi();
  const server = await api.start();
  dir = mkdtempSync(join(tmpdir(), 'devloop-k8s-fake-'));
  const kc = join(dir, 'kubeconfig');
  writeFileSync(
    kc,
    `apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster:\n    server: ${server}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: u\n`,
  );
  cluster = createCluster({ kubeconfig: kc });
});

after(async () => {
  cluster?.close();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('watchPods', () => {
  it('resumes after a closed watch, re-lists after 410 and errors, and stops cleanly', async () => {
    const events: string[] = [];
    const errors: Error[] = [];
    const seen = (e: PodEvent) => events.push(`${e.type} ${e.pod.name} ${e.pod.phase}`);
    api.next(
      list('1', pod('a', '1')),
      watch([
        { type: 'MODIFIED', object: pod('a', '2', 'Succeeded') },
        { type: 'ADDED', object: pod('b', '3') },
      ]),
      watch(
        [
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '4' } } },
          { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } },
        ],
        false,
      ),
      list('5', pod('b', '3')),
      (_q, res) => json(res, 500, { kind: 'Status', code: 500, message: 'etcd is sad' }),
      list('6', pod('b', '3'), pod('c', '6')),
      watch([], false),
    );
    const w = cluster.watchPods('ns', seen, (e) => errors.push(e));
    try {
      await api.received(7);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      w.stop();
    }
    const [l1, w1, w2, l2, w3, l3, w4] = api.requests;
    assert.equal(l1.searchParams.get('watch'), null);
    assert.equal(w1.searchParams.get('resourceVersion'), '1');
    assert.equal(w2.searchParams.get('resourceVersion'), '3', 'resumes from the last event, without a re-list');
    assert.equal(l2.searchParams.get('watch'), null, '410 Gone: re-list');
    assert.equal(w3.searchParams.get('resourceVersion'), '5');
    assert.equal(l3.searchParams.get('watch'), null, 'an error: re-list');
    assert.equal(w4.searchParams.get('resourceVersion'), '6');
    assert.deepEqual(events, ['upsert a Running', 'upsert a Succeeded', 'upsert b Running', 'delete a Succeeded', 'upsert c Running']);
    assert.equal(errors.length, 1);
    assert.ok(isDevloopError(errors[0]) && errors[0].code === 'cluster-refused' && /etcd is sad/.test(errors[0].message), String(errors[0]));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(api.requests.length, 7, 'nothing after stop()');
  });

  it('stop() during the error backoff ends it without more requests', async () => {
    const before = api.requests.length;
    api.next((_q, res) => json(res, 503, { kind: 'Status', code: 503, message: 'starting' }));
    const errors: Error[] = [];
    const w = cluster.watchPods(
      'ns',
      () => undefined,
      (e) => errors.push(e),
    );
    await api.received(before + 1);
    await new Promise((r) => setTimeout(r, 50));
    w.stop();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(api.requests.length, before + 1);
    assert.equal(errors.length, 1);
  });
});

describe('streamLogs', () => {
  it('splits lines across chunks, and reports the end of the stream once', async () => {
    api.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('one\ntw');
      setTimeout(() => res.end('o\r\nthree'), 20);
    });
    const lines: string[] = [];
    const ended = await new Promise<Error | undefined>((resolve) => {
      cluster.streamLogs('ns', 'p', 'c', (l) => lines.push(l), { tailLines: 10, onEnd: resolve });
    });
    assert.equal(ended, undefined);
    assert.deepEqual(lines, ['one', 'two', 'three']);
    const q = api.requests.at(-1)!;
    assert.equal(q.pathname, '/api/v1/namespaces/ns/pods/p/log');
    assert.equal(q.searchParams.get('follow'), 'true');
    assert.equal(q.searchParams.get('container'), 'c');
    assert.equal(q.searchParams.get('tailLines'), '10');
  });

  it('a refused log request ends with the API message', async () => {
    api.next((_q, res) =>
      json(res, 400, { kind: 'Status', code: 400, reason: 'BadRequest', message: 'container "c" in pod "p" is waiting to start: ContainerCreating' }),
    );
    const ended = await new Promise<Error | undefined>((resolve) => {
      cluster.streamLogs('ns', 'p', 'c', () => undefined, { onEnd: resolve });
    });
    assert.ok(isDevloopError(ended) && ended.code === 'cluster-refused', String(ended));
    assert.match(ended.message, /waiting to start/);
    assert.equal(ended.object, 'Pod/p');
  });

  it('a connection cut mid-stream ends it; stop() never calls onEnd', async () => {
    api.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('x\n');
      setTimeout(() => res.destroy(), 20);
    });
    const ended = await new Promise<Error | undefined | 'none'>((resolve) => {
      cluster.streamLogs('ns', 'p', 'c', () => undefined, { onEnd: resolve });
    });
    assert.notEqual(ended, 'none');
    api.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('y\n');
    });
    let calls = 0;
    const lines: string[] = [];
    const s = cluster.streamLogs('ns', 'p', 'c', (l) => lines.push(l), { onEnd: () => calls++ });
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
    s.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls, 0);
  });
});

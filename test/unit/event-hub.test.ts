/**
 * The engine's event stream: the hub keeps a bounded history and never waits for a slow reader (its queue drops the
 * oldest events and says how many); the control API streams it as server-sent events, token required.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHub } from '../../src/engine/event-hub.js';
import { startControlServer } from '../../src/engine/control-server.js';
import { writeProject } from '../helpers/project.js';

const runtime = mkdtempSync(join(tmpdir(), 'devloop-runtime-'));
const cleanup: string[] = [runtime];
before(() => {
  process.env.XDG_RUNTIME_DIR = runtime;
});
after(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

const line = (text: string) => ({ type: 'log', source: 'web', text }) as const;

test('a subscriber gets the kept history after `since`, then live events, in order', () => {
  const hub = new EventHub(100, 100);
  hub.push(line('a'));
  hub.push(line('b'));
  let woken = 0;
  const sub = hub.subscribe(() => {
    woken++;
  }, 1);
  hub.push(line('c'));
  assert.equal(woken, 1);
  assert.deepEqual(
    sub.drain().map((s) => [s.seq, (s.event as { text: string }).text]),
    [
      [2, 'b'],
      [3, 'c'],
    ],
  );
  assert.deepEqual(sub.drain(), []);
  sub.close();
  hub.push(line('d'));
  assert.deepEqual(sub.drain(), [], 'a closed subscriber gets nothing');
});

test('a slow reader loses its oldest events, is told how many, and the history stays bounded', () => {
  const hub = new EventHub(50, 10);
  const sub = hub.subscribe(() => {});
  for (let i = 0; i < 25; i++) hub.push(line(`l${i}`));
  const got = sub.drain();
  assert.deepEqual(got[0].event, { type: 'dropped', count: 15 });
  assert.deepEqual(
    got.slice(1).map((s) => (s.event as { text: string }).text),
    Array.from({ length: 10 }, (_, i) => `l${i + 15}`),
  );
  for (let i = 0; i < 100; i++) hub.push(line(`m${i}`));
  const late = hub.subscribe(() => {}, 10);
  const replay = late.drain();
  assert.deepEqual(replay[0].event, { type: 'dropped', count: 65 }, 'asked from seq 10, history starts at 76');
  assert.equal(replay.length, 51);
});

test('GET /api/events streams the history and live events as server-sent events, with the token only', async () => {
  const dir = writeProject({ 'devloop.ts': "import { k8s_yaml } from 'devloop';\n" });
  cleanup.push(dir);
  const hub = new EventHub();
  hub.push(line('before'));
  const engine = { status: new Map(), configError: undefined, trigger() {} } as never;
  const server = await startControlServer(engine, join(dir, 'devloop.ts'), 0, undefined, hub);
  try {
    const refused = await new Promise<number>((ok) =>
      get({ host: '127.0.0.1', port: server.port, path: '/api/events' }, (r) => {
        r.resume();
        ok(r.statusCode!);
      }),
    );
    assert.equal(refused, 401);
    const body = await new Promise<string>((ok, fail) => {
      const req = get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { authorization: `Bearer ${server.token}` } }, (r) => {
        assert.equal(r.headers['content-type'], 'text/event-stream');
        let b = '';
        r.on('data', (d) => {
          b += d;
          if (b.includes('"after"')) {
            req.destroy();
            ok(b);
          }
        });
        setTimeout(() => hub.push(line('after')), 50);
      });
      req.on('error', (e) => (e.message.includes('aborted') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : fail(e)));
    });
    const events = body
      .split('\n\n')
      .filter((c) => c.startsWith('id: '))
      .map((c) => ({ id: Number(/^id: (\d+)/.exec(c)![1]), data: JSON.parse(/data: (.*)$/m.exec(c)![1]) }));
    assert.deepEqual(
      events.map((e) => [e.id, e.data.type, e.data.text]),
      [
        [1, 'log', 'before'],
        [2, 'log', 'after'],
      ],
    );
  } finally {
    await server.close();
  }
});

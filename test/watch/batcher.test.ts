// Debounce and merging rules of one handle's batches (no file system involved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatcher, mergeChange, quietAfter, NATIVE_HOLD_MS } from '../../src/adapters/watch/batcher.js';
import type { ChangeBatch, ChangeType } from '../../src/ports/file-watcher.js';
import { sleep } from './harness.js';

test('mergeChange: the net change of two in one batch', () => {
  const cases: [ChangeType, ChangeType, ChangeType][] = [
    ['create', 'update', 'create'],
    ['create', 'delete', 'delete'],
    ['update', 'update', 'update'],
    ['update', 'delete', 'delete'],
    ['delete', 'create', 'update'], // an editor that deletes and writes again
    ['delete', 'update', 'update'],
    ['update', 'create', 'update'],
    ['create', 'create', 'create'],
  ];
  for (const [a, b, want] of cases) assert.equal(mergeChange(a, b), want, `${a} then ${b}`);
});

test('quietAfter: @parcel/watcher holds follow-ups 50 ms, so an immediate delivery waits for them', () => {
  assert.equal(quietAfter('immediate', 50), 50 + NATIVE_HOLD_MS);
  assert.equal(quietAfter('held', 50), 0); // the native side already saw 50 ms of quiet
  assert.equal(quietAfter('held', 200), 200);
  assert.equal(quietAfter('synthetic', 50), 50);
  assert.equal(quietAfter('immediate', 0), 0);
});

function batcher(debounceMs: number, maxWaitMs = 2000): { b: ChangeBatcher; out: ChangeBatch[] } {
  const out: ChangeBatch[] = [];
  return { b: new ChangeBatcher({ debounceMs, maxWaitMs }, (x) => out.push(x)), out };
}

test('one batch per quiet period, each path once, sorted, with the labels of every root that took it', async () => {
  const { b, out } = batcher(20);
  const t = performance.timeOrigin + performance.now();
  b.add('/p/b.ts', 'update', 'web', t);
  b.add('/p/a.ts', 'create', undefined, t);
  b.add('/p/b.ts', 'update', 'api', t);
  b.add('/p/a.ts', 'update', 'web', t);
  b.settle('synthetic', t);
  await sleep(5);
  assert.equal(out.length, 0, 'not before the quiet time');
  await sleep(40);
  assert.deepEqual(out.map((x) => x.files), [[
    { path: '/p/a.ts', type: 'create', labels: ['web'] },
    { path: '/p/b.ts', type: 'update', labels: ['api', 'web'] },
  ]]);
  assert.equal(out[0]!.firstEventAt, t);
  assert.ok(out[0]!.flushedAt >= t + 18, 'after the quiet time (timers have 1 ms steps)');
});

test('a held delivery closes the batch at once when the debounce is no longer than the native hold', async () => {
  const { b, out } = batcher(50);
  const t = performance.timeOrigin + performance.now();
  b.add('/p/a.ts', 'update', undefined, t);
  b.settle('immediate', t); // would wait 100 ms
  b.add('/p/b.ts', 'update', undefined, t + 1);
  b.settle('held', t + 1);
  await sleep(10);
  assert.deepEqual(out.map((x) => x.files.map((f) => f.path)), [['/p/a.ts', '/p/b.ts']]);
});

test('changes that never stop are still delivered after maxWaitMs', async () => {
  const { b, out } = batcher(30, 100);
  const start = performance.timeOrigin + performance.now();
  for (let i = 0; i < 12; i++) {
    const now = performance.timeOrigin + performance.now();
    b.add(`/p/${i}.ts`, 'create', undefined, now);
    b.settle('synthetic', now);
    await sleep(15);
  }
  assert.ok(out.length >= 1);
  assert.ok(out[0]!.flushedAt - start < 100 + 30, `first batch after ${out[0]!.flushedAt - start} ms`);
  b.close();
});

test('close() drops what is pending', async () => {
  const { b, out } = batcher(10);
  const t = performance.timeOrigin + performance.now();
  b.add('/p/a.ts', 'update', undefined, t);
  b.settle('synthetic', t);
  b.close();
  await sleep(30);
  assert.deepEqual(out, []);
});

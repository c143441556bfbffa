// Debounce and merging rules of one handle's batches (no file system involved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatcher, mergeChange, nowMs } from '../../src/adapters/watch/batcher.js';
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

function batcher(debounceMs: number, maxWaitMs = 2000): { b: ChangeBatcher; out: ChangeBatch[] } {
  const out: ChangeBatch[] = [];
  return { b: new ChangeBatcher({ debounceMs, maxWaitMs }, (x) => out.push(x)), out };
}

test('one batch per quiet period, each path once, sorted, with the labels of every root that took it', async () => {
  const { b, out } = batcher(20);
  const t = nowMs();
  b.add('/p/b.ts', 'update', 'web', t);
  b.add('/p/a.ts', 'create', undefined, t);
  b.add('/p/b.ts', 'update', 'api', t);
  b.add('/p/a.ts', 'update', 'web', t);
  await sleep(5);
  assert.equal(out.length, 0, 'not before the quiet time');
  await sleep(40);
  assert.deepEqual(
    out.map((x) => x.files),
    [
      [
        { path: '/p/a.ts', type: 'create', labels: ['web'] },
        { path: '/p/b.ts', type: 'update', labels: ['api', 'web'] },
      ],
    ],
  );
  assert.equal(out[0]!.firstEventAt, t);
  assert.ok(out[0]!.flushedAt >= t + 19, 'after the quiet time');
});

test('the batch closes debounceMs after the LAST change, not the first', async () => {
  const { b, out } = batcher(40);
  const t0 = nowMs();
  b.add('/p/a.ts', 'update', undefined, t0);
  await sleep(25);
  const t1 = nowMs();
  b.add('/p/b.ts', 'update', undefined, t1);
  await sleep(25); // 50 ms after the first change: a first-change timer would have closed it
  assert.equal(out.length, 0);
  await sleep(40);
  assert.deepEqual(
    out.map((x) => x.files.map((f) => f.path)),
    [['/p/a.ts', '/p/b.ts']],
  );
  assert.ok(out[0]!.flushedAt >= t1 + 39, `closed ${(out[0]!.flushedAt - t1).toFixed(1)} ms after the last change`);
  b.add('/p/c.ts', 'create', undefined, nowMs());
  await sleep(60);
  assert.deepEqual(
    out.map((x) => x.files.map((f) => f.path)),
    [['/p/a.ts', '/p/b.ts'], ['/p/c.ts']],
    'a later change is a new batch',
  );
});

test('changes that never stop are still delivered after maxWaitMs', async () => {
  const { b, out } = batcher(30, 100);
  const start = nowMs();
  for (let i = 0; i < 12; i++) {
    b.add(`/p/${i}.ts`, 'create', undefined, nowMs());
    await sleep(15);
  }
  assert.ok(out.length >= 1);
  assert.ok(out[0]!.flushedAt - start < 100 + 30, `first batch after ${out[0]!.flushedAt - start} ms`);
  b.close();
});

test('close() drops what is pending', async () => {
  const { b, out } = batcher(10);
  b.add('/p/a.ts', 'update', undefined, nowMs());
  b.close();
  await sleep(30);
  assert.deepEqual(out, []);
});

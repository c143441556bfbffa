// Native failures: the DevloopErrors they become, the restart with backoff, and a real inotify limit
// (in a user namespace, whose own max_inotify_watches can be lowered without touching the machine's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watchError } from '../../src/adapters/watch/errors.js';
import { createParcelFileWatcher, type NativeWatcher } from '../../src/adapters/watch/parcel-watcher.js';
import { NOTHING_FILTERED } from '../../src/files/filter.js';
import type { ChangeType } from '../../src/ports/file-watcher.js';
import { makeTree, Recorder, rel, removeTree, sleep } from './harness.js';

test('ENOSPC and EMFILE become watch-limit with the sysctl fix; anything else is watch-failed', () => {
  const limit = watchError(new Error("inotify_add_watch on '/p/a' failed: No space left on device"), '/p', 9000);
  assert.equal(limit.code, 'watch-limit');
  assert.match(limit.message, /^cannot watch \/p \(9000 directories\): the inotify watch limit is reached/);
  assert.match(limit.hint!, /sudo sysctl fs\.inotify\.max_user_watches=524288/);
  assert.match(limit.hint!, /\/etc\/sysctl\.d\//);
  const files = watchError(new Error('Unable to initialize inotify: Too many open files'), '/p');
  assert.equal(files.code, 'watch-limit');
  assert.match(files.hint!, /fs\.inotify\.max_user_instances=512/);
  assert.match(files.hint!, /ulimit -n/);
  const other = watchError(new Error('Error reading from inotify: Bad file descriptor'), '/p');
  assert.equal(other.code, 'watch-failed');
  assert.match(other.message, /^watching \/p failed: Error reading from inotify/);
});

type Fn = (err: Error | null, events: { path: string; type: ChangeType }[]) => unknown;

class FakeNative implements NativeWatcher {
  subs: { dir: string; fn: Fn; active: boolean }[] = [];
  fail: Error[] = [];
  async subscribe(dir: string, fn: Fn) {
    const e = this.fail.shift();
    if (e) throw e;
    const s = { dir, fn, active: true };
    this.subs.push(s);
    return { unsubscribe: async () => void (s.active = false) };
  }
  live() {
    return this.subs.filter((s) => s.active);
  }
}

test('watch() rejects with watch-limit when the first subscription hits the limit', async () => {
  const root = makeTree({ 'a.ts': '' });
  const native = new FakeNative();
  native.fail.push(new Error(`inotify_add_watch on '${root}' failed: No space left on device`));
  const rec = new Recorder();
  try {
    await assert.rejects(
      createParcelFileWatcher({ native }).watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError),
      (e: Error & { code?: string }) => e.code === 'watch-limit',
    );
    assert.equal(native.live().length, 0);
  } finally {
    removeTree(root);
  }
});

test('a watcher that breaks is reported through onError and restarted with backoff', async () => {
  const root = makeTree({ 'a.ts': '' });
  const native = new FakeNative();
  const rec = new Recorder();
  const h = await createParcelFileWatcher({ native, retryMs: 30 }).watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError);
  try {
    native.fail.push(new Error('still broken'));
    native.live()[0]!.fn(new Error('Error reading from inotify: Input/output error'), []);
    assert.deepEqual(rec.errors.map((e) => e.code), ['watch-failed']);
    await sleep(200); // first retry fails (30 ms), the second (60 ms later) succeeds
    assert.deepEqual(rec.errors.map((e) => e.code), ['watch-failed', 'watch-failed']);
    assert.equal(native.live().length, 1);
    assert.equal(native.subs.length, 2);
    native.live()[0]!.fn(null, [{ path: path.join(root, 'a.ts'), type: 'update' }]);
    assert.deepEqual(rel(root, await rec.next()), [['a.ts', 'update']]);
  } finally {
    await h.close();
    removeTree(root);
  }
});

test('a real inotify limit: watch-limit, and no watch is left behind', { skip: !canLowerLimit() && 'no user namespaces here' }, () => {
  const root = makeTree(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d${i}/f.ts`, ''])));
  const small = makeTree({ 'a/f.ts': '' });
  const dist = (p: string) => pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src', p)).href;
  const script = `
    const { createParcelFileWatcher } = await import(${JSON.stringify(dist('adapters/watch/parcel-watcher.js'))});
    const { countInotifyWatches } = await import(${JSON.stringify(dist('adapters/watch/inotify.js'))});
    const { NOTHING_FILTERED } = await import(${JSON.stringify(dist('files/filter.js'))});
    const w = createParcelFileWatcher();
    const h = await w.watch([{ path: ${JSON.stringify(small)}, filter: NOTHING_FILTERED }], () => {}, () => {});
    let code = 'none';
    let hint = '';
    try { await w.watch([{ path: ${JSON.stringify(root)}, filter: NOTHING_FILTERED }], () => {}, () => {}); }
    catch (e) { code = e.code; hint = e.hint; }
    const during = countInotifyWatches();
    await h.close();
    console.log(JSON.stringify({ code, hint, during, after: countInotifyWatches() }));`;
  try {
    const r = spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 6 > /proc/sys/user/max_inotify_watches && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.code, 'watch-limit');
    assert.match(out.hint, /sysctl fs\.inotify\.max_user_watches=524288/);
    assert.equal(out.during, 2, 'the watches of the failed subscribe were released; the first handle keeps its 2');
    assert.equal(out.after, 0);
  } finally {
    removeTree(root);
    removeTree(small);
  }
});

function canLowerLimit(): boolean {
  return spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 6 > /proc/sys/user/max_inotify_watches'], { stdio: 'ignore' }).status === 0;
}

// Watch failures: the DevloopErrors they become, the retry with backoff, and a real inotify limit
// (in a user namespace, whose own max_inotify_watches can be lowered without touching the machine's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watchError } from '../../src/adapters/watch/errors.js';
import { createFileWatcher, type WatchDir } from '../../src/adapters/watch/fs-watcher.js';
import { NOTHING_FILTERED } from '../../src/files/filter.js';
import { makeTree, Recorder, rel, removeTree, sleep, write } from './harness.js';

/** An error as fs.watch throws it. */
function errno(code: string, text: string, dir: string): Error {
  return Object.assign(new Error(`${code}: ${text}, watch '${dir}'`), { code });
}

test('ENOSPC and EMFILE become watch-limit with the sysctl fix; anything else is watch-failed', () => {
  const limit = watchError(errno('ENOSPC', 'System limit for number of file watchers reached', '/p/a'), '/p', 9000);
  assert.equal(limit.code, 'watch-limit');
  assert.match(limit.message, /^cannot watch \/p \(9000 directories\): the inotify watch limit is reached/);
  assert.match(limit.hint!, /sudo sysctl fs\.inotify\.max_user_watches=524288/);
  assert.match(limit.hint!, /\/etc\/sysctl\.d\//);
  const files = watchError(errno('EMFILE', 'too many open files', '/p'), '/p');
  assert.equal(files.code, 'watch-limit');
  assert.match(files.hint!, /fs\.inotify\.max_user_instances=512/);
  assert.match(files.hint!, /ulimit -n/);
  const other = watchError(errno('EIO', 'i/o error', '/p'), '/p');
  assert.equal(other.code, 'watch-failed');
  assert.match(other.message, /^watching \/p failed: EIO: i\/o error/);
});

/** fs.watch with failures on demand: `fail` is thrown by the next watches, `break` makes one report an error. */
class FlakyWatchDir {
  fail: Error[] = [];
  readonly live = new Map<string, (err: Error) => void>();
  readonly fn: WatchDir = (dir, onEvent, onError) => {
    const e = this.fail.shift();
    if (e) throw e;
    const w = watch(dir, (_type, name) => onEvent(name));
    this.live.set(dir, onError);
    return { close: () => (w.close(), this.live.delete(dir)) };
  };
}

test('watch() rejects with watch-limit when a watch hits the limit, and holds nothing', async () => {
  const root = makeTree({ 'a.ts': '', 'sub/b.ts': '' });
  const flaky = new FlakyWatchDir();
  flaky.fail.push(errno('ENOSPC', 'System limit for number of file watchers reached', root));
  const rec = new Recorder();
  try {
    await assert.rejects(
      createFileWatcher({ watchDir: flaky.fn }).watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError),
      (e: Error & { code?: string }) => e.code === 'watch-limit',
    );
    assert.equal(flaky.live.size, 0);
  } finally {
    removeTree(root);
  }
});

test('a watch that breaks is reported through onError and tried again with backoff', async () => {
  const root = makeTree({ 'a.ts': '' });
  const flaky = new FlakyWatchDir();
  const rec = new Recorder();
  const h = await createFileWatcher({ watchDir: flaky.fn, retryMs: 30 }).watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError);
  try {
    flaky.fail.push(errno('EIO', 'still broken', root));
    flaky.live.get(root)!(errno('EIO', 'i/o error', root));
    assert.deepEqual(
      rec.errors.map((e) => e.code),
      ['watch-failed'],
    );
    assert.equal(flaky.live.size, 0);
    write(root, 'gap.ts', '1'); // while not watched
    await sleep(200); // the first retry fails (30 ms), the second (60 ms later) works
    assert.deepEqual(
      rec.errors.map((e) => e.code),
      ['watch-failed', 'watch-failed'],
    );
    assert.equal(flaky.live.size, 1);
    // a.ts may come as updated too: after a lost watch, files changed shortly before it count as changed.
    assert.ok(
      rel(root, await rec.next()).some(([p, t]) => p === 'gap.ts' && t === 'create'),
      'what changed in between is reported',
    );
    write(root, 'a.ts', '2');
    assert.deepEqual(rel(root, await rec.next()), [['a.ts', 'update']]);
  } finally {
    await h.close();
    removeTree(root);
  }
});

test('a new directory that hits the limit: onError, its content is still reported, and it is watched later', async () => {
  const root = makeTree({ 'a.ts': '' });
  const flaky = new FlakyWatchDir();
  const rec = new Recorder();
  const h = await createFileWatcher({ watchDir: flaky.fn, retryMs: 50 }).watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError);
  try {
    flaky.fail.push(errno('ENOSPC', 'System limit for number of file watchers reached', path.join(root, 'new')));
    write(root, 'new/x.ts', '1');
    assert.deepEqual(rel(root, await rec.next()), [
      ['new', 'create'],
      ['new/x.ts', 'create'],
    ]);
    assert.deepEqual(
      rec.errors.map((e) => e.code),
      ['watch-limit'],
    );
    await rec.drain(150); // the retry may report new/x.ts again: written just before the watch was missed
    assert.equal(flaky.live.size, 2);
    write(root, 'new/y.ts', '1');
    assert.deepEqual(rel(root, await rec.next()), [['new/y.ts', 'create']]);
    assert.equal(rec.errors.length, 1);
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
    const { createFileWatcher } = await import(${JSON.stringify(dist('adapters/watch/fs-watcher.js'))});
    const { countInotifyWatches } = await import(${JSON.stringify(dist('adapters/watch/inotify.js'))});
    const { NOTHING_FILTERED } = await import(${JSON.stringify(dist('files/filter.js'))});
    const w = createFileWatcher();
    const h = await w.watch([{ path: ${JSON.stringify(small)}, filter: NOTHING_FILTERED }], () => {}, () => {});
    let code = 'none';
    let hint = '';
    try { await w.watch([{ path: ${JSON.stringify(root)}, filter: NOTHING_FILTERED }], () => {}, () => {}); }
    catch (e) { code = e.code; hint = e.hint; }
    const during = countInotifyWatches();
    await h.close();
    console.log(JSON.stringify({ code, hint, during, after: countInotifyWatches() }));`;
  try {
    const r = spawnSync(
      'unshare',
      ['-Ur', 'sh', '-c', 'echo 6 > /proc/sys/user/max_inotify_watches && exec "$0" --input-type=module -e "$1"', process.execPath, script],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.code, 'watch-limit');
    assert.match(out.hint, /sysctl fs\.inotify\.max_user_watches=524288/);
    assert.equal(out.during, 2, 'the watches of the failed watch() were released; the first handle keeps its 2');
    assert.equal(out.after, 0);
  } finally {
    removeTree(root);
    removeTree(small);
  }
});

function canLowerLimit(): boolean {
  return spawnSync('unshare', ['-Ur', 'sh', '-c', 'echo 6 > /proc/sys/user/max_inotify_watches'], { stdio: 'ignore' }).status === 0;
}

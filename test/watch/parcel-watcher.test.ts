// The watcher against the real @parcel/watcher and inotify, on temp trees. inotify watches are counted
// from /proc/self/fdinfo, so the tests in this file run one after another and each closes its handle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { createParcelFileWatcher } from '../../src/adapters/watch/parcel-watcher.js';
import { countInotifyWatches } from '../../src/adapters/watch/inotify.js';
import { anyFilter, NOTHING_FILTERED, rootedFilter, type FileFilter } from '../../src/files/filter.js';
import { contextIgnore } from '../../src/files/ignore.js';
import { watchIgnore } from '../../src/files/watch-ignore.js';
import type { WatchRoot } from '../../src/ports/file-watcher.js';
import { makeTree, Recorder, rel, removeTree, sleep, write } from './harness.js';

const watcher = createParcelFileWatcher();

/** The filter the engine gives a docker_build context: its .dockerignore plus the watch ignores. */
function contextFilter(project: string, context: string): FileFilter {
  return anyFilter([
    rootedFilter(context, contextIgnore({ context }).matcher),
    watchIgnore({ dir: project, roots: [context] }).filter,
  ]);
}

async function withWatch(
  roots: WatchRoot[],
  body: (rec: Recorder, h: Awaited<ReturnType<typeof watcher.watch>>) => Promise<void>,
): Promise<void> {
  const rec = new Recorder();
  const h = await watcher.watch(roots, rec.onBatch, rec.onError);
  try {
    await body(rec, h);
  } finally {
    await h.close();
  }
  assert.deepEqual(rec.errors, []);
}

test('a change inside a root gives one batch with that file', async () => {
  const root = makeTree({ 'src/a.ts': '1', 'src/b.ts': '1' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED, label: 'app' }], async (rec) => {
      write(root, 'src/a.ts', '2');
      const b = await rec.next();
      assert.deepEqual(rel(root, b), [['src/a.ts', 'update']]);
      assert.deepEqual(b.files[0]!.labels, ['app']);
      assert.ok(b.flushedAt >= b.firstEventAt);
      assert.deepEqual(await rec.drain(300), [], 'one batch only');
    });
  } finally {
    removeTree(root);
  }
});

test('two quick writes give one batch with both', async () => {
  const root = makeTree({ 'a.ts': '1', 'sub/b.ts': '1' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      await sleep(600); // let @parcel/watcher's own debounce go idle: its next delivery is immediate
      write(root, 'a.ts', '2');
      write(root, 'sub/b.ts', '2');
      write(root, 'c.ts', 'new');
      const b = await rec.next();
      assert.deepEqual(rel(root, b), [['a.ts', 'update'], ['c.ts', 'create'], ['sub/b.ts', 'update']]);
      assert.deepEqual(await rec.drain(300), []);
    });
  } finally {
    removeTree(root);
  }
});

test('ignored files give no batch: dockerignored, node_modules, .git, editor temp files', async () => {
  const project = makeTree({
    'app/.dockerignore': 'dist\n*.log\n',
    'app/src/a.ts': '1',
    'app/dist/out.js': '1',
    'app/node_modules/x/index.js': '1',
    'app/.git/HEAD': 'ref: refs/heads/main\n',
  });
  const ctx = path.join(project, 'app');
  try {
    await withWatch([{ path: ctx, filter: contextFilter(project, ctx) }], async (rec) => {
      write(ctx, 'dist/out.js', '2');
      write(ctx, 'debug.log', '2');
      write(ctx, 'node_modules/x.js', '2');
      write(ctx, 'node_modules/x/index.js', '2');
      write(ctx, '.git/HEAD', 'ref: refs/heads/other\n');
      write(ctx, 'src/4913', '');
      write(ctx, 'src/a.ts~', '');
      write(ctx, 'src/.a.ts.swp', '');
      assert.deepEqual(await rec.drain(400), []);
      write(ctx, 'src/a.ts', '2');
      assert.deepEqual(rel(ctx, await rec.next()), [['src/a.ts', 'update']]);
    });
  } finally {
    removeTree(project);
  }
});

test('inotify watches: one per directory that is not ignored; ignored directories are never watched', async () => {
  const files: Record<string, string> = { 'app/.dockerignore': 'dist\n', 'devloop.ts': '' };
  for (let i = 0; i < 30; i++) files[`app/node_modules/p${i}/lib/i.js`] = '';
  for (let i = 0; i < 5; i++) files[`app/dist/d${i}/o.js`] = '';
  for (let i = 0; i < 3; i++) files[`app/.git/objects/o${i}/x`] = '';
  for (let i = 0; i < 4; i++) files[`app/src/m${i}/f.ts`] = '';
  const project = makeTree(files);
  const ctx = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: ctx, filter: contextFilter(project, ctx) }, { path: path.join(project, 'devloop.ts'), filter: NOTHING_FILTERED }], async (_rec, h) => {
      const kept = 1 + 1 + 4 + 1; // app, app/src, app/src/m0..3, and the project dir for devloop.ts
      const used = countInotifyWatches()! - base;
      assert.ok(used >= kept && used <= kept + 2, `${used} watches for ${kept} directories`);
      const s = h.stats();
      assert.equal(s.subscriptions, 2);
      assert.equal(s.directories, kept);
    });
    assert.equal(countInotifyWatches(), base, 'close() released every watch');
  } finally {
    removeTree(project);
  }
});

test('a file in a new subdirectory is seen, and the new directories are watched', async () => {
  const root = makeTree({ 'keep.ts': '' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
      write(root, 'a/b/c/new.ts', '1');
      const b = await rec.next();
      assert.deepEqual(rel(root, b), [['a', 'create'], ['a/b', 'create'], ['a/b/c', 'create'], ['a/b/c/new.ts', 'create']]);
      await sleep(200); // the subscription is renewed so that a/b and a/b/c get their watches
      write(root, 'a/b/c/later.ts', '1');
      const b2 = await rec.next();
      assert.deepEqual(rel(root, b2), [['a/b/c/later.ts', 'create']]);
    });
  } finally {
    removeTree(root);
  }
});

test('a directory moved in with content is reported and watched', async () => {
  const root = makeTree({ 'keep.ts': '' });
  const outside = makeTree({ 'pkg/lib/deep/x.ts': '1', 'pkg/y.ts': '1' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      renameSync(path.join(outside, 'pkg'), path.join(root, 'pkg'));
      const b = await rec.next();
      assert.deepEqual(rel(root, b).map(([p]) => p), ['pkg', 'pkg/lib', 'pkg/lib/deep', 'pkg/lib/deep/x.ts', 'pkg/y.ts']);
      await sleep(200);
      write(root, 'pkg/lib/deep/x.ts', '2');
      assert.deepEqual(rel(root, await rec.next()), [['pkg/lib/deep/x.ts', 'update']]);
    });
  } finally {
    removeTree(root);
    removeTree(outside);
  }
});

test('a directory moved out is reported as deleted, and changes inside it are not reported any more', async () => {
  const root = makeTree({ 'lib/deep/x.ts': '1', 'keep.ts': '' });
  const outside = makeTree();
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      renameSync(path.join(root, 'lib'), path.join(outside, 'lib'));
      assert.deepEqual(rel(root, await rec.next()), [['lib', 'delete']]);
      write(outside, 'lib/deep/x.ts', '2');
      assert.deepEqual(await rec.drain(1500), [], 'no change reported under the old path');
      assert.equal(countInotifyWatches()! - base, 1, 'the watches of the moved directory were dropped');
    });
  } finally {
    removeTree(root);
    removeTree(outside);
  }
});

test('deleting is reported as delete', async () => {
  const root = makeTree({ 'a.ts': '1', 'gone/b.ts': '1' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      unlinkSync(path.join(root, 'a.ts'));
      assert.deepEqual(rel(root, await rec.next()), [['a.ts', 'delete']]);
      rmSync(path.join(root, 'gone'), { recursive: true });
      assert.deepEqual(rel(root, await rec.next()), [['gone', 'delete'], ['gone/b.ts', 'delete']]);
    });
  } finally {
    removeTree(root);
  }
});

test('a single watched file outside the roots is seen, its siblings are not', async () => {
  const project = makeTree({ 'devloop.ts': 'v1', 'README.md': '', 'docs/x.md': '', 'app/a.ts': '' });
  const base = countInotifyWatches()!;
  try {
    const roots = [
      { path: path.join(project, 'devloop.ts'), filter: NOTHING_FILTERED, label: 'config' },
      { path: path.join(project, 'app'), filter: NOTHING_FILTERED, label: 'app' },
    ];
    await withWatch(roots, async (rec) => {
      assert.equal(countInotifyWatches()! - base, 2, 'the project dir (not recursively) and app');
      write(project, 'README.md', 'x');
      write(project, 'docs/x.md', 'x');
      write(project, 'docs/new/y.md', 'x');
      assert.deepEqual(await rec.drain(400), []);
      write(project, 'devloop.ts', 'v2');
      const b = await rec.next();
      assert.deepEqual(rel(project, b), [['devloop.ts', 'update']]);
      assert.deepEqual(b.files[0]!.labels, ['config']);
    });
  } finally {
    removeTree(project);
  }
});

test('a missing file is noticed when it is created, and a missing directory root is watched once it exists', async () => {
  const project = makeTree({ 'devloop.ts': '' });
  const base = countInotifyWatches()!;
  try {
    const roots = [
      { path: path.join(project, 'k8s/extra.yaml'), filter: NOTHING_FILTERED },
      { path: path.join(project, 'later'), filter: NOTHING_FILTERED },
    ];
    await withWatch(roots, async (rec) => {
      write(project, 'k8s/other.yaml', '');
      assert.deepEqual(await rec.drain(300), []);
      write(project, 'k8s/extra.yaml', 'kind: x');
      assert.deepEqual(rel(project, await rec.next()), [['k8s/extra.yaml', 'create']]);
      mkdirSync(path.join(project, 'later/node_modules/m'), { recursive: true });
      write(project, 'later/src/a.ts', '');
      const b = await rec.next();
      assert.ok(rel(project, b).some(([p, t]) => p === 'later/src/a.ts' && t === 'create'), JSON.stringify(rel(project, b)));
      assert.ok(!rel(project, b).some(([p]) => p.includes('node_modules')));
      await sleep(200);
      // k8s (the anchor of extra.yaml moved down once k8s existed), later, later/src; not node_modules
      assert.equal(countInotifyWatches()! - base, 3);
      write(project, 'later/src/a.ts', '2');
      assert.deepEqual(rel(project, await rec.next()), [['later/src/a.ts', 'update']]);
    });
  } finally {
    removeTree(project);
  }
});

test('a root deleted and made again is still watched; a deep missing root is found when created', async () => {
  const project = makeTree({ 'app/src/a.ts': '' });
  const app = path.join(project, 'app');
  const deep = path.join(project, 'services/api/src');
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: app, filter: NOTHING_FILTERED }, { path: deep, filter: NOTHING_FILTERED }], async (rec) => {
      rmSync(app, { recursive: true });
      const gone = await rec.next();
      assert.ok(rel(project, gone).some(([p, t]) => p === 'app' && t === 'delete'), JSON.stringify(rel(project, gone)));
      await sleep(200);
      write(project, 'app/src/b.ts', '1');
      const back = await rec.next();
      assert.ok(rel(project, back).some(([p, t]) => p === 'app/src/b.ts' && t === 'create'), JSON.stringify(rel(project, back)));
      mkdirSync(path.join(deep, 'node_modules/x'), { recursive: true });
      write(deep, 'main.ts', '1');
      const made = await rec.next();
      assert.ok(rel(project, made).some(([p]) => p === 'services/api/src/main.ts'), JSON.stringify(rel(project, made)));
      await sleep(300);
      // app, app/src, services/api/src; nothing on the way to it, and not its node_modules
      assert.equal(countInotifyWatches()! - base, 3);
      write(deep, 'main.ts', '2');
      write(app, 'src/b.ts', '2');
      assert.deepEqual(rel(project, await rec.next()), [['app/src/b.ts', 'update'], ['services/api/src/main.ts', 'update']]);
    });
  } finally {
    removeTree(project);
  }
});

test('nested roots share one subscription; each change carries the labels of the roots that took it', async () => {
  const project = makeTree({ 'app/src/a.ts': '', 'app/.dockerignore': 'src/gen\n', 'app/src/gen/g.ts': '' });
  const app = path.join(project, 'app');
  try {
    const roots = [
      { path: project, filter: NOTHING_FILTERED, label: 'all' },
      { path: app, filter: contextFilter(project, app), label: 'app' },
    ];
    await withWatch(roots, async (rec, h) => {
      assert.equal(h.stats().subscriptions, 1);
      write(app, 'src/a.ts', '2');
      const b = await rec.next();
      assert.deepEqual(b.files.map((f) => [path.relative(project, f.path), f.labels]), [['app/src/a.ts', ['all', 'app']]]);
      write(app, 'src/gen/g.ts', '2');
      const b2 = await rec.next();
      assert.deepEqual(b2.files.map((f) => [path.relative(project, f.path), f.labels]), [['app/src/gen/g.ts', ['all']]]);
    });
  } finally {
    removeTree(project);
  }
});

test('update(roots) adds and removes roots without leaking watches', async () => {
  const a = makeTree({ 'x/1.ts': '', 'y/2.ts': '' });
  const b = makeTree({ 'p/q/r/3.ts': '' });
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: a, filter: NOTHING_FILTERED }], async (rec, h) => {
      const onlyA = countInotifyWatches()! - base;
      assert.equal(onlyA, 3);
      await h.update([{ path: a, filter: NOTHING_FILTERED }, { path: b, filter: NOTHING_FILTERED }]);
      assert.equal(countInotifyWatches()! - base, onlyA + 4);
      write(b, 'p/q/r/3.ts', '2');
      assert.deepEqual(rel(b, await rec.next()), [['p/q/r/3.ts', 'update']]);
      await h.update([{ path: b, filter: NOTHING_FILTERED }]);
      assert.equal(countInotifyWatches()! - base, 4);
      write(a, 'x/1.ts', '2');
      assert.deepEqual(await rec.drain(300), []);
      for (let i = 0; i < 5; i++) {
        await h.update([{ path: a, filter: NOTHING_FILTERED }, { path: b, filter: NOTHING_FILTERED }]);
        await h.update([{ path: a, filter: NOTHING_FILTERED }]);
      }
      assert.equal(countInotifyWatches()! - base, onlyA);
      assert.equal(h.stats().subscriptions, 1);
    });
    assert.equal(countInotifyWatches(), base);
  } finally {
    removeTree(a);
    removeTree(b);
  }
});

test('a new directory the filter skips is unwatched again', async () => {
  const project = makeTree({ 'app/.dockerignore': 'dist\n', 'app/src/a.ts': '' });
  const app = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: app, filter: contextFilter(project, app) }], async (rec) => {
      assert.equal(countInotifyWatches()! - base, 2);
      for (let i = 0; i < 5; i++) write(app, `dist/d${i}/out.js`, '1');
      await sleep(1500); // pruned by a renewal about a second later
      assert.equal(countInotifyWatches()! - base, 2);
      write(app, 'dist/d0/out.js', '2');
      write(app, 'src/a.ts', '2');
      assert.deepEqual(rel(app, await rec.next()), [['src/a.ts', 'update']]);
      assert.deepEqual(await rec.drain(200), []);
    });
  } finally {
    removeTree(project);
  }
});

test('a symlinked root reports paths under the name it was given', async () => {
  const real = makeTree({ 'src/a.ts': '' });
  const links = makeTree();
  const link = path.join(links, 'proj');
  symlinkSync(real, link);
  try {
    await withWatch([{ path: link, filter: NOTHING_FILTERED }], async (rec) => {
      write(real, 'src/a.ts', '2');
      const b = await rec.next();
      assert.deepEqual(b.files.map((f) => f.path), [path.join(link, 'src/a.ts')]);
    });
  } finally {
    removeTree(real);
    removeTree(links);
  }
});

test('close() leaves no inotify watches and no more batches', async () => {
  const root = makeTree({ 'a/b.ts': '' });
  const rec = new Recorder();
  const base = countInotifyWatches()!;
  const h = await watcher.watch([{ path: root, filter: NOTHING_FILTERED }], rec.onBatch, rec.onError);
  try {
    assert.equal(countInotifyWatches()! - base, 2);
    write(root, 'a/b.ts', '2');
    await h.close();
    assert.equal(countInotifyWatches(), base);
    assert.deepEqual(await rec.drain(300), []);
  } finally {
    removeTree(root);
  }
});

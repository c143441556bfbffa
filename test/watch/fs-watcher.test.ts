// The watcher against the real fs.watch and inotify, on temp trees. inotify watches are counted from
// /proc/self/fdinfo, so the tests in this file run one after another and each closes its handle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nowMs } from '../../src/adapters/watch/batcher.js';
import { createFileWatcher } from '../../src/adapters/watch/fs-watcher.js';
import { countInotifyWatches } from '../../src/adapters/watch/inotify.js';
import { anyFilter, NOTHING_FILTERED, rootedFilter, type FileFilter } from '../../src/files/filter.js';
import { contextIgnore } from '../../src/files/ignore.js';
import { watchIgnore } from '../../src/files/watch-ignore.js';
import type { WatchHandle, WatchOptions, WatchRoot } from '../../src/ports/file-watcher.js';
import { makeTree, Recorder, rel, removeTree, sleep, write } from './harness.js';

const watcher = createFileWatcher();

/** The filter the engine gives a docker_build context: its .dockerignore plus the watch ignores. */
function contextFilter(project: string, context: string): FileFilter {
  return anyFilter([rootedFilter(context, contextIgnore({ context }).matcher), watchIgnore({ dir: project, roots: [context] }).filter]);
}

async function withWatch(roots: WatchRoot[], body: (rec: Recorder, h: WatchHandle) => Promise<void>, opts?: WatchOptions): Promise<void> {
  const rec = new Recorder();
  const h = await watcher.watch(roots, rec.onBatch, rec.onError, opts);
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
      write(root, 'a.ts', '2');
      write(root, 'sub/b.ts', '2');
      write(root, 'c.ts', 'new');
      const b = await rec.next();
      assert.deepEqual(rel(root, b), [
        ['a.ts', 'update'],
        ['c.ts', 'create'],
        ['sub/b.ts', 'update'],
      ]);
      assert.deepEqual(await rec.drain(300), []);
    });
  } finally {
    removeTree(root);
  }
});

test('a burst of saves within the debounce is one batch, closed debounceMs after the last save', async () => {
  const root = makeTree({ 'a.ts': '0', 'b.ts': '0' });
  const debounceMs = 100;
  try {
    await withWatch(
      [{ path: root, filter: NOTHING_FILTERED }],
      async (rec) => {
        let last = 0;
        for (let i = 1; i <= 6; i++) {
          write(root, i % 2 ? 'a.ts' : 'b.ts', String(i));
          last = nowMs();
          await sleep(15); // 90 ms of saves, each well within the debounce of the one before
        }
        const b = await rec.next();
        assert.deepEqual(rel(root, b), [
          ['a.ts', 'update'],
          ['b.ts', 'update'],
        ]);
        assert.ok(b.flushedAt >= last + debounceMs - 1, `closed ${(b.flushedAt - last).toFixed(1)} ms after the last save`);
        assert.ok(b.flushedAt - b.firstEventAt >= 75, 'the batch stayed open while saves came');
        assert.deepEqual(await rec.drain(200), []);
      },
      { debounceMs },
    );
  } finally {
    removeTree(root);
  }
});

test('a change after the batch closed is a new batch; a lone save is delivered soon after the debounce', async () => {
  const root = makeTree({ 'a.ts': '0' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      const after: number[] = [];
      let prev = 0;
      for (let i = 1; i <= 3; i++) {
        const t = nowMs();
        write(root, 'a.ts', String(i));
        const b = await rec.next();
        assert.deepEqual(rel(root, b), [['a.ts', 'update']]);
        assert.ok(b.firstEventAt > prev, 'a batch of its own');
        after.push(b.flushedAt - t);
        prev = b.flushedAt;
      }
      // The 20 ms debounce and nothing held on top of it (the best of three: timers run late on a loaded machine).
      assert.ok(Math.min(...after) < 20 + 25, `delivered ${after.map((x) => x.toFixed(1)).join(', ')} ms after the saves`);
      write(root, 'a.ts', '4');
      write(root, 'new.ts', '1');
      assert.deepEqual(rel(root, await rec.next()), [
        ['a.ts', 'update'],
        ['new.ts', 'create'],
      ]);
    });
  } finally {
    removeTree(root);
  }
});

test("an editor's atomic save (write a temp file, rename it over) is one update of the file", async () => {
  const root = makeTree({ 'a.ts': '0' });
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec) => {
      writeFileSync(path.join(root, 'a.ts.tmp123'), '1');
      renameSync(path.join(root, 'a.ts.tmp123'), path.join(root, 'a.ts'));
      assert.deepEqual(rel(root, await rec.next()), [['a.ts', 'update']]);
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

test('inotify watches: exactly one per watched directory; ignored directories (node_modules, dockerignored, .git) are never watched', async () => {
  const files: Record<string, string> = { 'app/.dockerignore': 'dist\n', 'devloop.ts': '' };
  for (let i = 0; i < 30; i++) files[`app/node_modules/p${i}/lib/i.js`] = '';
  for (let i = 0; i < 5; i++) files[`app/dist/d${i}/o.js`] = '';
  for (let i = 0; i < 3; i++) files[`app/.git/objects/o${i}/x`] = '';
  for (let i = 0; i < 4; i++) files[`app/src/m${i}/f.ts`] = '';
  const project = makeTree(files);
  const ctx = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    await withWatch(
      [
        { path: ctx, filter: contextFilter(project, ctx) },
        { path: path.join(project, 'devloop.ts'), filter: NOTHING_FILTERED },
      ],
      async (_rec, h) => {
        const kept = 1 + 1 + 4 + 1; // app, app/src, app/src/m0..3, and the project dir for devloop.ts
        assert.equal(countInotifyWatches()! - base, kept);
        assert.deepEqual(h.stats(), { roots: 2, subscriptions: kept, directories: kept, inotifyWatches: base + kept });
      },
    );
    assert.equal(countInotifyWatches(), base, 'close() released every watch');
  } finally {
    removeTree(project);
  }
});

test('a new directory with content made at once (mkdir -p, files) is reported whole, then watched', async () => {
  const root = makeTree({ 'keep.ts': '' });
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec, h) => {
      mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
      write(root, 'a/top.ts', '1');
      write(root, 'a/b/mid.ts', '1');
      write(root, 'a/b/c/new.ts', '1');
      mkdirSync(path.join(root, 'a/node_modules/m'), { recursive: true });
      const b = await rec.next();
      assert.deepEqual(rel(root, b), [
        ['a', 'create'],
        ['a/b', 'create'],
        ['a/b/c', 'create'],
        ['a/b/c/new.ts', 'create'],
        ['a/b/mid.ts', 'create'],
        ['a/top.ts', 'create'],
      ]);
      assert.equal(countInotifyWatches()! - base, 4, 'root, a, a/b, a/b/c; not a/node_modules');
      assert.equal(h.stats().directories, 4);
      write(root, 'a/b/c/later.ts', '1');
      write(root, 'a/b/mid.ts', '2');
      assert.deepEqual(rel(root, await rec.next()), [
        ['a/b/c/later.ts', 'create'],
        ['a/b/mid.ts', 'update'],
      ]);
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
      assert.deepEqual(rel(root, b), [
        ['pkg', 'create'],
        ['pkg/lib', 'create'],
        ['pkg/lib/deep', 'create'],
        ['pkg/lib/deep/x.ts', 'create'],
        ['pkg/y.ts', 'create'],
      ]);
      write(root, 'pkg/lib/deep/x.ts', '2');
      assert.deepEqual(rel(root, await rec.next()), [['pkg/lib/deep/x.ts', 'update']]);
    });
  } finally {
    removeTree(root);
    removeTree(outside);
  }
});

test('a directory moved away is reported as deleted, and is no longer watched', async () => {
  const root = makeTree({ 'lib/deep/x.ts': '1', 'lib/y.ts': '1', 'keep.ts': '' });
  const outside = makeTree();
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec, h) => {
      assert.equal(countInotifyWatches()! - base, 3);
      renameSync(path.join(root, 'lib'), path.join(outside, 'lib'));
      assert.deepEqual(rel(root, await rec.next()), [['lib', 'delete']]);
      assert.equal(countInotifyWatches()! - base, 1, 'the watches of the moved directory were dropped');
      assert.equal(h.stats().directories, 1);
      write(outside, 'lib/deep/x.ts', '2');
      write(outside, 'lib/z.ts', '2');
      assert.deepEqual(await rec.drain(300), [], 'no change reported under the old path');
      write(root, 'keep.ts', '2');
      assert.deepEqual(rel(root, await rec.next()), [['keep.ts', 'update']]);
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
      assert.deepEqual(rel(root, await rec.next()), [
        ['gone', 'delete'],
        ['gone/b.ts', 'delete'],
      ]);
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
      assert.equal(countInotifyWatches()! - base, 2);
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
      assert.ok(
        rel(project, b).some(([p, t]) => p === 'later/src/a.ts' && t === 'create'),
        JSON.stringify(rel(project, b)),
      );
      assert.ok(!rel(project, b).some(([p]) => p.includes('node_modules')));
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
    await withWatch(
      [
        { path: app, filter: NOTHING_FILTERED },
        { path: deep, filter: NOTHING_FILTERED },
      ],
      async (rec) => {
        rmSync(app, { recursive: true });
        const gone = await rec.next();
        assert.ok(
          rel(project, gone).some(([p, t]) => p === 'app' && t === 'delete'),
          JSON.stringify(rel(project, gone)),
        );
        write(project, 'app/src/b.ts', '1');
        const back = await rec.next();
        assert.ok(
          rel(project, back).some(([p, t]) => p === 'app/src/b.ts' && t === 'create'),
          JSON.stringify(rel(project, back)),
        );
        mkdirSync(path.join(deep, 'node_modules/x'), { recursive: true });
        write(deep, 'main.ts', '1');
        const made = await rec.next();
        assert.ok(
          rel(project, made).some(([p]) => p === 'services/api/src/main.ts'),
          JSON.stringify(rel(project, made)),
        );
        // app, app/src, services/api/src; nothing on the way to it, and not its node_modules
        assert.equal(countInotifyWatches()! - base, 3);
        write(deep, 'main.ts', '2');
        write(app, 'src/b.ts', '2');
        assert.deepEqual(rel(project, await rec.next()), [
          ['app/src/b.ts', 'update'],
          ['services/api/src/main.ts', 'update'],
        ]);
      },
    );
  } finally {
    removeTree(project);
  }
});

test("a watched file's directory moved away: the file is reported deleted", async () => {
  const project = makeTree({ 'k8s/x.yaml': '' });
  const outside = makeTree();
  try {
    await withWatch([{ path: path.join(project, 'k8s/x.yaml'), filter: NOTHING_FILTERED }], async (rec) => {
      renameSync(path.join(project, 'k8s'), path.join(outside, 'k8s'));
      assert.deepEqual(rel(project, await rec.next()), [['k8s/x.yaml', 'delete']]);
      write(project, 'k8s/x.yaml', 'back');
      assert.deepEqual(rel(project, await rec.next()), [['k8s/x.yaml', 'create']]);
    });
  } finally {
    removeTree(project);
    removeTree(outside);
  }
});

test('nested roots share the watches of their directories; each change carries the labels of the roots that took it', async () => {
  const project = makeTree({ 'app/src/a.ts': '', 'app/.dockerignore': 'src/gen\n', 'app/src/gen/g.ts': '' });
  const app = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    const roots = [
      { path: project, filter: NOTHING_FILTERED, label: 'all' },
      { path: app, filter: contextFilter(project, app), label: 'app' },
    ];
    await withWatch(roots, async (rec, h) => {
      assert.equal(countInotifyWatches()! - base, 4, 'project, app, app/src, app/src/gen: once each');
      assert.equal(h.stats().subscriptions, 4);
      write(app, 'src/a.ts', '2');
      const b = await rec.next();
      assert.deepEqual(
        b.files.map((f) => [path.relative(project, f.path), f.labels]),
        [['app/src/a.ts', ['all', 'app']]],
      );
      write(app, 'src/gen/g.ts', '2');
      const b2 = await rec.next();
      assert.deepEqual(
        b2.files.map((f) => [path.relative(project, f.path), f.labels]),
        [['app/src/gen/g.ts', ['all']]],
      );
    });
  } finally {
    removeTree(project);
  }
});

test('two handles on one tree: each gets the change, the kernel holds one watch per directory', async () => {
  const root = makeTree({ 'src/a.ts': '' });
  const base = countInotifyWatches()!;
  const other = new Recorder();
  const h2 = await watcher.watch([{ path: root, filter: NOTHING_FILTERED }], other.onBatch, other.onError);
  try {
    await withWatch([{ path: root, filter: NOTHING_FILTERED }], async (rec, h) => {
      assert.equal(countInotifyWatches()! - base, 2);
      assert.deepEqual([h.stats().subscriptions, h.stats().directories], [4, 2]);
      write(root, 'src/a.ts', '2');
      assert.deepEqual(rel(root, await rec.next()), [['src/a.ts', 'update']]);
      assert.deepEqual(rel(root, await other.next()), [['src/a.ts', 'update']]);
    });
    assert.equal(countInotifyWatches()! - base, 2, 'the other handle keeps its watches');
    write(root, 'src/a.ts', '3');
    assert.deepEqual(rel(root, await other.next()), [['src/a.ts', 'update']]);
  } finally {
    await h2.close();
    removeTree(root);
  }
  assert.equal(countInotifyWatches(), base);
});

test('update(roots) adds and removes roots without leaking watches', async () => {
  const a = makeTree({ 'x/1.ts': '', 'y/2.ts': '' });
  const b = makeTree({ 'p/q/r/3.ts': '' });
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: a, filter: NOTHING_FILTERED }], async (rec, h) => {
      const onlyA = countInotifyWatches()! - base;
      assert.equal(onlyA, 3);
      await h.update([
        { path: a, filter: NOTHING_FILTERED },
        { path: b, filter: NOTHING_FILTERED },
      ]);
      assert.equal(countInotifyWatches()! - base, onlyA + 4);
      write(b, 'p/q/r/3.ts', '2');
      assert.deepEqual(rel(b, await rec.next()), [['p/q/r/3.ts', 'update']]);
      await h.update([{ path: b, filter: NOTHING_FILTERED }]);
      assert.equal(countInotifyWatches()! - base, 4);
      write(a, 'x/1.ts', '2');
      assert.deepEqual(await rec.drain(300), []);
      for (let i = 0; i < 5; i++) {
        await h.update([
          { path: a, filter: NOTHING_FILTERED },
          { path: b, filter: NOTHING_FILTERED },
        ]);
        await h.update([{ path: a, filter: NOTHING_FILTERED }]);
      }
      assert.equal(countInotifyWatches()! - base, onlyA);
      assert.equal(h.stats().directories, onlyA);
      write(a, 'x/1.ts', '3');
      assert.deepEqual(rel(a, await rec.next()), [['x/1.ts', 'update']]);
    });
    assert.equal(countInotifyWatches(), base);
  } finally {
    removeTree(a);
    removeTree(b);
  }
});

test('update(roots) with a new filter: directories it now skips are unwatched, those it no longer skips are watched', async () => {
  const project = makeTree({ 'app/src/a.ts': '', 'app/dist/x/o.js': '' });
  const app = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: app, filter: NOTHING_FILTERED }], async (rec, h) => {
      assert.equal(countInotifyWatches()! - base, 4);
      write(app, '.dockerignore', 'dist\n');
      await rec.next();
      await h.update([{ path: app, filter: contextFilter(project, app) }]);
      assert.equal(countInotifyWatches()! - base, 2);
      unlinkSync(path.join(app, '.dockerignore'));
      await rec.next();
      await h.update([{ path: app, filter: contextFilter(project, app) }]);
      assert.equal(countInotifyWatches()! - base, 4);
      write(app, 'dist/x/o.js', '2');
      assert.deepEqual(rel(app, await rec.next()), [['dist/x/o.js', 'update']]);
    });
  } finally {
    removeTree(project);
  }
});

test('a new directory the filter skips is never watched', async () => {
  const project = makeTree({ 'app/.dockerignore': 'dist\n', 'app/src/a.ts': '' });
  const app = path.join(project, 'app');
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: app, filter: contextFilter(project, app) }], async (rec) => {
      assert.equal(countInotifyWatches()! - base, 2);
      for (let i = 0; i < 5; i++) write(app, `dist/d${i}/out.js`, '1');
      assert.deepEqual(await rec.drain(200), []);
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

test('symlinks are not followed; a symlinked root reports paths under the name it was given', async () => {
  const real = makeTree({ 'src/a.ts': '' });
  const links = makeTree({ 'other/b.ts': '' });
  const link = path.join(links, 'proj');
  symlinkSync(real, link);
  const base = countInotifyWatches()!;
  try {
    await withWatch([{ path: link, filter: NOTHING_FILTERED }], async (rec) => {
      symlinkSync(path.join(links, 'other'), path.join(real, 'src/to-other'));
      assert.deepEqual(rel(link, await rec.next()), [['src/to-other', 'create']]);
      assert.equal(countInotifyWatches()! - base, 2, 'the linked directory is not watched');
      write(links, 'other/b.ts', '2');
      assert.deepEqual(await rec.drain(200), []);
      write(real, 'src/a.ts', '2');
      const b = await rec.next();
      assert.deepEqual(
        b.files.map((f) => f.path),
        [path.join(link, 'src/a.ts')],
      );
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
    assert.equal(h.stats().directories, 0);
    assert.deepEqual(await rec.drain(300), []);
  } finally {
    removeTree(root);
  }
});

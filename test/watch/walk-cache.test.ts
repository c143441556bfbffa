// The kept context walks (files/walk-cache.ts) against a fresh walk of the same tree: after random file operations,
// reported by hand and then by the real watcher, the kept walk must equal walkContext entry for entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createFileWatcher } from '../../src/adapters/watch/fs-watcher.js';
import { reportedBy, watchRoots } from '../../src/engine/watch-roots.js';
import { anyFilter, rootedFilter } from '../../src/files/filter.js';
import { contextIgnore } from '../../src/files/ignore.js';
import { WalkCache } from '../../src/files/walk-cache.js';
import { walkContext, type WalkEntry } from '../../src/files/walk.js';
import { watchIgnore } from '../../src/files/watch-ignore.js';
import type { WatchRoot } from '../../src/ports/file-watcher.js';
import { makeTree, Recorder, removeTree, sleep } from './harness.js';

const IGNORE = 'build\n*.log\ncache/**\n';

/** As resolve does: the key of a kept walk holds the rules (an edit of .dockerignore changes it). */
function keyOf(root: string): string {
  try {
    return readFileSync(path.join(root, '.dockerignore'), 'utf8');
  } catch {
    return '';
  }
}

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Random operations on the tree; each returns the absolute paths a watcher would report. */
function operations(root: string, rand: () => number, keepRules = false) {
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rand() * xs.length)] : undefined);
  const files = (): string[] =>
    walkContext(root)
      .filter((e) => e.type === 'file' && !(keepRules && e.path === '.dockerignore'))
      .map((e) => e.path);
  const dirs = (): string[] => [
    '',
    ...walkContext(root)
      .filter((e) => e.type === 'dir')
      .map((e) => e.path),
  ];
  const abs = (rel: string) => path.join(root, ...rel.split('/').filter(Boolean));
  const name = () =>
    ['a', 'b', 'c', 'd', 'e', 'x.log', 'build', 'cache', 'keep'][Math.floor(rand() * 9)]! + (rand() < 0.5 ? '' : String(Math.floor(rand() * 5)));
  const ops: (() => string[])[] = [
    () => {
      // create or overwrite a file
      const d = pick(dirs())!;
      const p = abs(path.posix.join(d, name()));
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st && !st.isFile()) return []; // a directory, or a link (writing would follow it)
      writeFileSync(p, `v${rand()}`);
      return [p];
    },
    () => {
      // modify a file, maybe to another size
      const f = pick(files());
      if (!f) return [];
      writeFileSync(abs(f), rand() < 0.5 ? 'same-size' : `longer ${rand()} ${rand()}`);
      return [abs(f)];
    },
    () => {
      // delete a file
      const f = pick(files());
      if (!f) return [];
      rmSync(abs(f));
      return [abs(f)];
    },
    () => {
      // mkdir -p with content at once
      const d = pick(dirs())!;
      const top = abs(path.posix.join(d, `n${Math.floor(rand() * 1000)}`));
      if (existsSync(top)) return [];
      mkdirSync(path.join(top, 'deep', 'er'), { recursive: true });
      writeFileSync(path.join(top, 'deep', 'er', 'f.txt'), 'x');
      writeFileSync(path.join(top, 'g.log'), 'x');
      return [top];
    },
    () => {
      // rm -rf a directory
      const d = pick(dirs().filter(Boolean));
      if (!d) return [];
      rmSync(abs(d), { recursive: true, force: true });
      return [abs(d)];
    },
    () => {
      // rename a file or a directory
      const src = pick([...files(), ...dirs().filter(Boolean)]);
      if (!src) return [];
      const dst = abs(path.posix.join(pick(dirs())!, `r${Math.floor(rand() * 1000)}`));
      if (existsSync(dst) || dst.startsWith(abs(src) + path.sep)) return [];
      renameSync(abs(src), dst);
      return [abs(src), dst];
    },
    () => {
      // chmod a file
      const f = pick(files());
      if (!f) return [];
      chmodSync(abs(f), rand() < 0.5 ? 0o755 : 0o644);
      return [abs(f)];
    },
    () => {
      // a symlink
      const d = pick(dirs())!;
      const p = abs(path.posix.join(d, `l${Math.floor(rand() * 100)}`));
      if (existsSync(p)) return [];
      symlinkSync(`target-${Math.floor(rand() * 3)}`, p);
      return [p];
    },
  ];
  return () => pick(ops)!();
}

/** Entries as compared: a directory's times change with its content but are never hashed or sent (only its mode is). */
const strip = (es: WalkEntry[]) => es.map((e) => (e.type === 'dir' ? { path: e.path, type: e.type, mode: e.mode, size: e.size } : { ...e }));

function tree(): string {
  return makeTree({
    '.dockerignore': IGNORE,
    'src/a.ts': '1',
    'src/sub/b.ts': '2',
    'build/out.js': 'x',
    'cache/c.bin': 'x',
    'keep/k.txt': 'k',
    'top.log': 'x',
  });
}

test('kept walks equal fresh walks after random operations reported by hand', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const root = tree();
    try {
      const rand = rng(seed);
      const op = operations(root, rand);
      const cache = new WalkCache();
      const matcher = () => contextIgnore({ context: root }).matcher;
      cache.walk(root, matcher(), keyOf(root), () => true);
      for (let i = 0; i < 60; i++) {
        const reported: string[] = [];
        for (let j = 0, n = 1 + Math.floor(rand() * 3); j < n; j++) reported.push(...op());
        cache.changed(reported);
        assert.deepEqual(strip(cache.walk(root, matcher(), keyOf(root), () => true)), strip(walkContext(root, matcher())), `seed ${seed}, step ${i}`);
      }
      assert.ok(cache.stats.incremental > 30, `mostly incremental (${JSON.stringify(cache.stats)})`);
    } finally {
      removeTree(root);
    }
  }
});

test('a context with an entry the watcher does not report (node_modules it keeps) is walked in full every time', () => {
  const root = makeTree({ 'src/a.ts': '1', 'node_modules/m/index.js': 'x' });
  try {
    const roots: WatchRoot[] = [{ path: root, filter: watchIgnore({ dir: root, roots: [root] }).filter }];
    const reported = reportedBy(roots);
    assert.equal(reported(path.join(root, 'src/a.ts')), true);
    assert.equal(reported(path.join(root, 'node_modules/m/index.js')), false);
    const cache = new WalkCache();
    cache.walk(root, contextIgnore({ context: root }).matcher, 'k', reported);
    writeFileSync(path.join(root, 'node_modules/m/index.js'), 'changed, unreported');
    writeFileSync(path.join(root, 'src/a.ts'), '2');
    cache.changed([path.join(root, 'src/a.ts')]);
    assert.deepEqual(strip(cache.walk(root, contextIgnore({ context: root }).matcher, 'k', reported)), strip(walkContext(root)));
    assert.deepEqual(cache.stats, { full: 2, incremental: 0 });
  } finally {
    removeTree(root);
  }
});

test('new ignore rules, a change under an excluded directory that a ! rule re-enters, or the root itself walk in full', () => {
  const root = makeTree({ '.dockerignore': 'docs\n!docs/keep.md\n', 'docs/keep.md': 'k', 'docs/drop.md': 'd', 'a.txt': 'a' });
  try {
    const cache = new WalkCache();
    const m = () => contextIgnore({ context: root }).matcher;
    cache.walk(root, m(), 'k1', () => true);
    writeFileSync(path.join(root, 'docs/new.md'), 'n');
    writeFileSync(path.join(root, 'docs/keep.md'), 'changed');
    cache.changed([path.join(root, 'docs/new.md'), path.join(root, 'docs/keep.md')]);
    assert.deepEqual(strip(cache.walk(root, m(), 'k1', () => true)), strip(walkContext(root, m())));
    assert.deepEqual(cache.stats, { full: 2, incremental: 0 });
    cache.walk(root, m(), 'k2', () => true);
    assert.equal(cache.stats.full, 3, 'a new key walks in full');
    cache.changed([root]);
    cache.walk(root, m(), 'k2', () => true);
    assert.equal(cache.stats.full, 4, 'the root itself reported walks in full');
  } finally {
    removeTree(root);
  }
});

test('kept walks fed by the real watcher equal fresh walks after random operations', async () => {
  const root = tree();
  const rec = new Recorder();
  // The roots and filters the engine gives the watcher for a docker_build of this context.
  const roots: WatchRoot[] = [
    {
      path: root,
      filter: anyFilter([watchIgnore({ dir: root, roots: [root] }).filter, rootedFilter(root, contextIgnore({ context: root }).matcher)]),
    },
  ];
  assert.equal(typeof watchRoots, 'function');
  const reported = reportedBy(roots);
  const h = await createFileWatcher().watch(roots, rec.onBatch, rec.onError);
  try {
    const rand = rng(Number(process.env.DEVLOOP_TEST_SEED ?? 42));
    // The watcher's filter is made once here from the rules, so they stay as they are (the engine makes it again
    // after a batch that changes them).
    const op = operations(root, rand, true);
    const cache = new WalkCache();
    const matcher = () => contextIgnore({ context: root }).matcher;
    cache.walk(root, matcher(), keyOf(root), reported);
    for (let i = 0; i < 25; i++) {
      for (let j = 0, n = 1 + Math.floor(rand() * 3); j < n; j++) op();
      // The batch comes after the debounce (20 ms), later on a loaded machine: compare until they agree, for 3 s at most.
      for (const deadline = Date.now() + 3000; ; ) {
        await sleep(30);
        for (const b of await rec.drain(30)) cache.changed(b.files.map((f) => f.path));
        const kept = strip(cache.walk(root, matcher(), keyOf(root), reported));
        const fresh = strip(walkContext(root, matcher()));
        if (isDeepStrictEqual(kept, fresh)) break;
        if (Date.now() > deadline) assert.deepEqual(kept, fresh, `step ${i}`);
      }
    }
    assert.ok(cache.stats.incremental > 10, `mostly incremental (${JSON.stringify(cache.stats)})`);
  } finally {
    await h.close();
    removeTree(root);
  }
  assert.deepEqual(rec.errors, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearHashCache, hashEntries, hashFiles, hashStats } from '../../src/files/hash.js';
import { dockerignoreMatcher, NOTHING_IGNORED, type PathMatcher } from '../../src/files/ignore.js';
import { rootedFilter } from '../../src/files/filter.js';
import { walkContext } from '../../src/files/walk.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(tmpdir(), 'devloop-hash-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const BASE_TREE: Record<string, string> = { Dockerfile: 'FROM alpine\n', 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'b', 'app.log': 'log' };
function build(root: string, tree: Record<string, string> = BASE_TREE): string {
  for (const [p, content] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
    chmodSync(path.join(root, p), 0o644);
  }
  for (const d of ['', 'src']) chmodSync(path.join(root, d), 0o755);
  return root;
}
const hashOf = (root: string, m: PathMatcher = NOTHING_IGNORED) => hashEntries(root, walkContext(root, m));
const LOGS = dockerignoreMatcher(['*.log']);

// Each case changes the tree after a first hash; `same` says whether the hash must stay the same.
const changes: { name: string; change: (root: string) => void; same: boolean; matcher?: PathMatcher }[] = [
  { name: 'nothing', change: () => {}, same: true },
  { name: 'only mtimes', change: (r) => utimesSync(path.join(r, 'src/a.ts'), 1_000_000, 1_000_000), same: true },
  { name: 'one byte of content', change: (r) => writeFileSync(path.join(r, 'src/a.ts'), 'export const a = 2;\n'), same: false },
  { name: 'exec bit', change: (r) => chmodSync(path.join(r, 'src/b.ts'), 0o755), same: false },
  {
    name: 'a file renamed',
    change: (r) => {
      writeFileSync(path.join(r, 'src/c.ts'), 'b');
      unlinkSync(path.join(r, 'src/b.ts'));
    },
    same: false,
  },
  { name: 'an empty dir added', change: (r) => mkdirSync(path.join(r, 'empty')), same: false },
  { name: 'a symlink added', change: (r) => symlinkSync('src/a.ts', path.join(r, 'l')), same: false },
  { name: 'an ignored file changed', change: (r) => writeFileSync(path.join(r, 'app.log'), 'other'), same: true, matcher: LOGS },
  { name: 'an ignored file added', change: (r) => writeFileSync(path.join(r, 'new.log'), 'x'), same: true, matcher: LOGS },
  { name: 'a non-ignored file changed', change: (r) => writeFileSync(path.join(r, 'app.log'), 'other'), same: false },
];

test('hashEntries: content, paths, modes and links count; mtimes and ignored files do not', async (t) => {
  for (const c of changes) {
    await t.test(c.name, (tt) => {
      const root = build(tmp(tt));
      const before = hashOf(root, c.matcher);
      c.change(root);
      const after = hashOf(root, c.matcher);
      if (c.same) assert.equal(after, before);
      else assert.notEqual(after, before);
    });
  }
});

test('hashEntries: the same tree elsewhere, built at another time, hashes the same', (t) => {
  const a = build(tmp(t));
  const b = build(tmp(t));
  utimesSync(path.join(b, 'Dockerfile'), 12345, 12345);
  assert.match(hashOf(a), /^[0-9a-f]{64}$/);
  assert.equal(hashOf(a), hashOf(b));
  // Symlink targets count.
  symlinkSync('x', path.join(a, 'l'));
  symlinkSync('y', path.join(b, 'l'));
  assert.notEqual(hashOf(a), hashOf(b));
});

test('hashEntries: a re-hash after a one-file change reads only that file', async (t) => {
  const root = build(tmp(t));
  // Files changed in the last 100 ms (ctime) are not cached, as a write in the same clock tick keeps the key.
  await new Promise((r) => setTimeout(r, 150));
  clearHashCache();
  const first = hashOf(root);
  assert.equal(hashStats.reads, 4);
  assert.equal(hashOf(root), first);
  assert.equal(hashStats.reads, 4);
  writeFileSync(path.join(root, 'src/b.ts'), 'c'); // same size, new content
  const changed = hashOf(root);
  assert.notEqual(changed, first);
  assert.equal(hashStats.reads, 5);
  // Just written, so not cached yet: read again until it settles, and never a stale digest.
  assert.equal(hashOf(root), changed);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(hashOf(root), changed);
  const reads = hashStats.reads;
  assert.equal(hashOf(root), changed);
  assert.equal(hashStats.reads, reads);
});

test('hashFiles: deps relative to a base, recursively, with a filter', async (t) => {
  const base = build(tmp(t));
  const deps = ['src', 'Dockerfile', 'missing.txt'];
  const h0 = hashFiles(base, deps);
  assert.equal(hashFiles(base, [...deps].reverse()), h0, 'order of deps does not matter');
  assert.equal(hashFiles(base, [...deps, 'src/a.ts']), h0, 'overlapping deps count once');
  assert.equal(hashFiles(build(tmp(t)), deps), h0, 'same tree elsewhere');
  writeFileSync(path.join(base, 'missing.txt'), '');
  const h1 = hashFiles(base, deps);
  assert.notEqual(h1, h0, 'a missing dep appearing changes the hash');
  writeFileSync(path.join(base, 'app.log'), 'not a dep');
  assert.equal(hashFiles(base, deps), h1, 'files outside the deps do not count');
  const filter = rootedFilter(base, dockerignoreMatcher(['**/*.tmp']));
  const h2 = hashFiles(base, deps, filter);
  writeFileSync(path.join(base, 'src/x.tmp'), 'ignored');
  assert.equal(hashFiles(base, deps, filter), h2, 'filtered files do not count');
  writeFileSync(path.join(base, 'src/a.ts'), 'changed');
  assert.notEqual(hashFiles(base, deps, filter), h2);
});

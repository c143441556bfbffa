import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerignoreMatcher, type PathMatcher } from '../../src/files/ignore.js';
import { walkContext } from '../../src/files/walk.js';
import { isDevloopError } from '../../src/model/errors.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(tmpdir(), 'devloop-walk-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
/** Files: content string; dirs: path ending in '/'; mode applied after. */
function build(root: string, tree: Record<string, string | { content: string; mode: number }>): void {
  for (const [p, v] of Object.entries(tree)) {
    const abs = path.join(root, p);
    if (p.endsWith('/')) {
      mkdirSync(abs, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, typeof v === 'string' ? v : v.content);
    chmodSync(abs, typeof v === 'string' ? 0o644 : v.mode);
  }
}
const brief = (root: string, m?: PathMatcher) =>
  walkContext(root, m).map((e) => `${e.type} ${e.path} ${e.mode.toString(8)} ${e.size}${e.linkTarget ? ' -> ' + e.linkTarget : ''}`);

test('walkContext lists dirs, files with mode and size, links as links, sorted bytewise', (t) => {
  const root = tmp(t);
  build(root, { 'a/b': 'bb', 'a.txt': 'a', 'run.sh': { content: '#!/bin/sh\n', mode: 0o755 }, 'empty/': '', Z: 'z' });
  chmodSync(path.join(root, 'a'), 0o755);
  chmodSync(path.join(root, 'empty'), 0o700);
  symlinkSync('a/b', path.join(root, 'link'));
  symlinkSync('/nonexistent', path.join(root, 'dangling'));
  assert.deepEqual(brief(root), [
    'file Z 644 1',
    'dir a 755 0',
    'file a.txt 644 1', // '.' (0x2e) sorts before '/' (0x2f)
    'file a/b 644 2',
    'symlink dangling 777 0 -> /nonexistent',
    'dir empty 700 0',
    'symlink link 777 0 -> a/b',
    'file run.sh 755 10',
  ]);
});

test('walkContext sorts by UTF-8 bytes, not UTF-16 units', (t) => {
  const root = tmp(t);
  build(root, { '\u{1F600}': '', '\uE000': '', b: '' });
  assert.deepEqual(
    walkContext(root).map((e) => e.path),
    ['b', '\uE000', '\u{1F600}'],
  );
});

test('walkContext applies the matcher and never enters skippable dirs', (t) => {
  const root = tmp(t);
  build(root, {
    'node_modules/x/index.js': '',
    'src/a.ts': '',
    'src/a.log': '',
    'dist/keep.txt': 'k',
    'dist/other.txt': '',
    'docs/a.md': '',
    Dockerfile: '',
  });
  const inner = dockerignoreMatcher(['node_modules', '**/*.log', 'dist', '!dist/keep.txt', 'docs']);
  const asked: string[] = [];
  const spy: PathMatcher = {
    excludes: (p) => (asked.push(p), inner.excludes(p)),
    skipsDir: (p) => (asked.push(p), inner.skipsDir(p)),
  };
  assert.deepEqual(
    walkContext(root, spy).map((e) => `${e.type} ${e.path}`),
    ['file Dockerfile', 'dir dist', 'file dist/keep.txt', 'dir src', 'file src/a.ts'],
  );
  assert.deepEqual(
    asked.filter((p) => p.startsWith('node_modules/') || p.startsWith('docs/')),
    [],
  );
});

test('walkContext with only=: parents of kept paths are listed, others are not', (t) => {
  const root = tmp(t);
  build(root, { 'src/app/x.ts': '', 'src/lib/y.ts': '', 'README.md': '' });
  const m = dockerignoreMatcher(['**', '!src/app']);
  assert.deepEqual(
    walkContext(root, m).map((e) => e.path),
    ['src', 'src/app', 'src/app/x.ts'],
  );
});

test('walkContext errors', (t) => {
  const root = tmp(t);
  const missing = path.join(root, 'nope');
  assert.throws(
    () => walkContext(missing),
    (e: unknown) => {
      assert.ok(isDevloopError(e));
      assert.equal(e.code, 'context-missing');
      assert.ok(e.message.includes(missing));
      return true;
    },
  );
  build(root, { f: '' });
  assert.throws(
    () => walkContext(path.join(root, 'f')),
    (e: unknown) => isDevloopError(e) && e.code === 'context-not-dir',
  );
});

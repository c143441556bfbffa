// From roots to routes and the directories they need watched: anchors of files and missing paths,
// filters pruning trees, symlinked roots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { accepts, needsDir, resolveRoute, topOf } from '../../src/adapters/watch/plan.js';
import { NOTHING_FILTERED, rootedFilter } from '../../src/files/filter.js';
import { dockerignoreMatcher } from '../../src/files/ignore.js';
import { makeTree, removeTree } from './harness.js';

test('a directory root is watched from itself, a file or a missing path from its nearest existing directory', () => {
  const p = makeTree({ 'app/src/a.ts': '', 'devloop.ts': '' });
  try {
    const route = (r: string) => resolveRoute({ path: path.join(p, r), filter: NOTHING_FILTERED });
    const cases: [string, boolean, string][] = [
      ['app', true, 'app'],
      ['app/src/a.ts', false, 'app/src'],
      ['devloop.ts', false, ''],
      ['k8s/base/x.yaml', false, ''],
      ['app/later', false, 'app'],
    ];
    for (const [r, recursive, top] of cases) {
      const x = route(r);
      assert.deepEqual([x.recursive, path.relative(p, topOf(x))], [recursive, top], r);
    }
  } finally {
    removeTree(p);
  }
});

test('a file or missing root needs only the directories on the way to it, not its siblings', () => {
  const p = makeTree({ 'devloop.ts': '' });
  try {
    const routes = ['devloop.ts', 'k8s/base/x.yaml'].map((r) => resolveRoute({ path: path.join(p, r), filter: NOTHING_FILTERED }));
    const cases: [string, boolean][] = [
      ['k8s', true],
      ['k8s/base', true],
      ['k8s/other', false],
      ['src', false],
      ['devloop.ts', true],
    ];
    for (const [d, needed] of cases) assert.equal(needsDir(routes, path.join(p, d)), needed, d);
    assert.equal(accepts(routes[1]!, path.join(p, 'k8s/base/x.yaml')), path.join(p, 'k8s/base/x.yaml'));
    assert.equal(accepts(routes[1]!, path.join(p, 'k8s/base/y.yaml')), undefined);
  } finally {
    removeTree(p);
  }
});

test('a tree needs every directory its filter does not skip; node_modules, .git and .idea never, unless a root is inside', () => {
  const p = makeTree({ 'src/a.ts': '', 'dist/x/y.js': '', 'node_modules/m/i.js': '', '.git/HEAD': '', 'logs/a.log': '' });
  try {
    const filter = rootedFilter(p, dockerignoreMatcher(['dist', 'logs/*.log']));
    const tree = [resolveRoute({ path: p, filter })];
    const withHead = [...tree, resolveRoute({ path: path.join(p, '.git/HEAD'), filter: NOTHING_FILTERED })];
    const cases: [string, boolean, boolean][] = [
      ['src', true, true],
      ['logs', true, true],
      ['dist', false, false],
      ['dist/x', false, false],
      ['node_modules', false, false],
      ['node_modules/m', false, false],
      ['.idea', false, false],
      ['.git', false, true], // on the way to .git/HEAD
      ['.git/objects', false, false],
    ];
    for (const [d, inTree, inBoth] of cases) {
      assert.equal(needsDir(tree, path.join(p, d)), inTree, d);
      assert.equal(needsDir(withHead, path.join(p, d)), inBoth, `${d} with .git/HEAD`);
    }
    assert.equal(accepts(tree[0]!, path.join(p, 'logs/a.log')), undefined);
    assert.equal(accepts(tree[0]!, path.join(p, 'src/4913')), undefined, 'editor temp files');
  } finally {
    removeTree(p);
  }
});

test('a symlinked root is resolved for watching and reported under the name it was given', () => {
  const real = makeTree({ 'src/a.ts': '' });
  const links = makeTree();
  const link = path.join(links, 'proj');
  symlinkSync(real, link);
  try {
    const r = resolveRoute({ path: link, filter: NOTHING_FILTERED });
    assert.equal(topOf(r), real);
    assert.equal(accepts(r, path.join(real, 'src/a.ts')), path.join(link, 'src/a.ts'));
    assert.equal(accepts(r, path.join(links, 'other.ts')), undefined);
  } finally {
    removeTree(real);
    removeTree(links);
  }
});

// Planning subscriptions from roots: merging, anchors of files, what goes to @parcel/watcher's ignore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { diffListings, nativeOptions, needsDir, onlyTargetsRegex, planGroups, resolveRoute, walkGroup } from '../../src/adapters/watch/plan.js';
import { NOTHING_FILTERED, rootedFilter } from '../../src/files/filter.js';
import { dockerignoreMatcher } from '../../src/files/ignore.js';
import { makeTree, removeTree } from './harness.js';

/** What @parcel/watcher does with a RegExp ignore (wrapper.js): a full match of ^[\s\S]*(?:src)[\s\S]*$. */
function parcelIgnores(re: RegExp, rel: string): boolean {
  return new RegExp(`^[\\s\\S]*(?:${re.source})[\\s\\S]*$`).test(rel);
}

test('nested directory roots merge into the outermost; files join the tree they are in', () => {
  const p = makeTree({ 'app/src/a.ts': '', 'app/lib/b.ts': '', 'devloop.ts': '', 'other/x.ts': '', 'app/Dockerfile': '' });
  try {
    const roots = ['app', 'app/src', 'app/lib', 'devloop.ts', 'app/Dockerfile', 'k8s/missing.yaml', 'other']
      .map((r) => resolveRoute({ path: path.join(p, r), filter: NOTHING_FILTERED }, r));
    const groups = planGroups(roots).map((g) => [path.relative(p, g.dir), g.mode, g.routes.map((r) => r.owner)]);
    assert.deepEqual(groups, [
      ['app', 'tree', ['app', 'app/src', 'app/lib', 'app/Dockerfile']],
      ['other', 'tree', ['other']],
      ['', 'files', ['devloop.ts', 'k8s/missing.yaml']],
    ]);
  } finally {
    removeTree(p);
  }
});

test('a files subscription ignores everything but its targets and the directories on the way to them', () => {
  const p = makeTree({ 'devloop.ts': '' });
  try {
    const routes = ['devloop.ts', 'k8s/base/x.yaml', 'a+b (1).txt'].map((r) => resolveRoute({ path: path.join(p, r), filter: NOTHING_FILTERED }, r));
    const [g] = planGroups(routes);
    const re = onlyTargetsRegex(g!);
    const cases: [string, boolean][] = [
      ['devloop.ts', false],
      ['devloop.ts.bak', true],
      ['README.md', true],
      ['src', true],
      ['src/devloop.ts', true],
      ['k8s', false],
      ['k8s/base', false],
      ['k8s/base/x.yaml', false],
      ['k8s/base/y.yaml', true],
      ['k8s/other', true],
      ['a+b (1).txt', false],
      ['ab (1).txt', true],
    ];
    for (const [rel, ignored] of cases) assert.equal(parcelIgnores(re, rel), ignored, rel);
    assert.deepEqual(nativeOptions(g!, []).ignore, [re]);
  } finally {
    removeTree(p);
  }
});

test('a tree subscription passes skipped directories as paths, and default dirs as globs', () => {
  const p = makeTree({ 'src/a.ts': '', 'dist/x/y.js': '', 'node_modules/m/i.js': '', '.git/HEAD': '', 'logs/a.log': '' });
  try {
    const filter = rootedFilter(p, dockerignoreMatcher(['dist', 'logs/*.log']));
    const routes = [resolveRoute({ path: p, filter }, 'ctx'), resolveRoute({ path: path.join(p, '.git/HEAD'), filter: NOTHING_FILTERED }, 'head')];
    const [g] = planGroups(routes);
    const walk = walkGroup(g!, { listing: true });
    assert.deepEqual(walk.skipped.map((d) => path.relative(p, d)).sort(), ['dist', 'node_modules']);
    assert.equal(walk.dirs, 3, 'src, logs and .git (on the way to .git/HEAD)');
    assert.deepEqual([...walk.listing.keys()].map((f) => path.relative(p, f)), ['.git', '.git/HEAD', 'logs', 'logs/a.log', 'src', 'src/a.ts']);
    assert.deepEqual(walkGroup(g!).listing.size, 0, 'without a listing, only the structure is walked');
    // .git holds a root, so it is not globbed away; node_modules is covered by its glob.
    assert.deepEqual(nativeOptions(g!, walk.skipped).ignore, [path.join(p, 'dist'), '**/node_modules', '**/.idea']);
    assert.equal(needsDir(g!, path.join(p, '.git/objects')), false);
  } finally {
    removeTree(p);
  }
});

test('diffListings: what changed between two walks, or only inside new directories', () => {
  const before = new Map([['/p/a', 'file:1'], ['/p/b', 'file:1'], ['/p/d', 'dir:1'], ['/p/new', 'dir:0']]);
  const after = new Map([['/p/a', 'file:2'], ['/p/c', 'file:1'], ['/p/d', 'dir:2'], ['/p/new', 'dir:0'], ['/p/new/x', 'file:1']]);
  assert.deepEqual(diffListings(before, after), [
    { path: '/p/a', type: 'update' },
    { path: '/p/c', type: 'create' },
    { path: '/p/new/x', type: 'create' },
    { path: '/p/b', type: 'delete' },
  ]);
  assert.deepEqual(diffListings(new Map(), after, ['/p/new']), [{ path: '/p/new', type: 'create' }, { path: '/p/new/x', type: 'create' }]);
});

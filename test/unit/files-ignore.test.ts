import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { anyOf, contextIgnore, dockerignoreMatcher, onlyPatterns, parseDockerignore } from '../../src/files/ignore.js';
import { anyFilter, pathsFilter, rootedFilter } from '../../src/files/filter.js';
import { watchIgnore } from '../../src/files/watch-ignore.js';
import { isDevloopError } from '../../src/model/errors.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(path.join(tmpdir(), 'devloop-ignore-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function write(root: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), content);
  }
}

// [patterns, path, excluded?]  Expected values from Docker's documented .dockerignore rules.
const matchCases: [string[], string, boolean][] = [
  // users-and-performance §4.3
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'pkg/node_modules/a.js', false],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'node_modules/a.js', true],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'sub/x.log', false],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'x.log', true],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'dist/keep.txt', false],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'dist/other.txt', true],
  [['node_modules', '*.log', 'dist', '!dist/keep.txt'], 'dist', true],
  [['**/*.log'], 'sub/deep/x.log', true],
  [['**/*.log'], 'x.log', true],
  [['/build'], 'build/out', true],
  [['/build'], 'src/build', false],
  [['./build/'], 'build', true],
  [['*/temp*'], 'a/temporary', true],
  [['*/temp*'], 'temp', false],
  [['temp?'], 'temp1', true],
  [['temp?'], 'temp12', false],
  [['*.LOG'], 'a.log', false], // case-sensitive, as on Linux
  [['*'], 'toString', true], // names that are Object.prototype keys
  [['*', '!constructor'], 'constructor', false],
  [['docs', '!docs/a.md', 'docs/a.md'], 'docs/a.md', true], // last match wins
  [['**', '!src'], 'src/a/b.ts', false],
  [['**', '!src'], 'lib/a.ts', true],
];

test('dockerignoreMatcher: Docker semantics', () => {
  for (const [patterns, p, want] of matchCases) {
    assert.equal(dockerignoreMatcher(patterns).excludes(p), want, `${JSON.stringify(patterns)} ${p}`);
  }
});

// [patterns, dir, skippable?]
const skipCases: [string[], string, boolean][] = [
  [['node_modules'], 'node_modules', true],
  [['node_modules'], 'src', false],
  [['dist', '!dist/keep.txt'], 'dist', false],
  [['node_modules', '!**/*.md'], 'node_modules', true], // Docker 20.10: only a ! pattern starting with the path enters it
  [['a', '!b/keep'], 'a', true],
  [['*', '!src'], 'docs', true],
  [['*', '!src'], 'src', false],
  [['**', '!src/app'], 'src', false],
  [['**', '!src/app'], 'lib', true],
  [['a/*', '!a/b/c'], 'a/b', false],
  [['a/*', '!a/b/c'], 'a/x', true],
  [['a', '!a/[bc]'], 'a', false],
  [['a', '!*/keep'], 'a', true],
  [['a', '!x*/keep'], 'a', true],
];

test('dockerignoreMatcher.skipsDir: unless a ! pattern starts with the directory path (as Docker 20.10 walks)', () => {
  for (const [patterns, dir, want] of skipCases) {
    assert.equal(dockerignoreMatcher(patterns).skipsDir(dir), want, `${JSON.stringify(patterns)} ${dir}`);
  }
});

test('parseDockerignore drops comments, blank lines and a BOM', () => {
  assert.deepEqual(parseDockerignore('\uFEFF# c\nnode_modules\r\n\n  \n*.log\n !keep\n'), ['node_modules', '*.log', '!keep']);
  assert.equal(dockerignoreMatcher(parseDockerignore('*\n !keep\n')).excludes('keep'), false);
});

test('onlyPatterns', () => {
  assert.deepEqual(onlyPatterns(['src', 'package.json']), ['**', '!src', '!package.json']);
  assert.throws(
    () => onlyPatterns(['src/*.ts']),
    (e: unknown) => {
      assert.ok(isDevloopError(e));
      assert.equal(e.code, 'only-glob');
      assert.equal(e.message, "'only' does not support '*' file globs. Must be a real path: src/*.ts");
      return true;
    },
  );
  assert.throws(() => onlyPatterns(['a\nb']), /only cannot contain newlines/);
});

test('anyOf: excluded if any source excludes; a ! in one cannot undo another', () => {
  const m = anyOf([dockerignoreMatcher(['secret']), dockerignoreMatcher(['*.tmp', '!secret'])]);
  assert.equal(m.excludes('secret'), true);
  assert.equal(m.excludes('a.tmp'), true);
  assert.equal(m.excludes('a.ts'), false);
});

// [files on disk, dockerfile (relative), options, path, excluded?]
const contextCases: { name: string; files: Record<string, string>; dockerfile?: string; ignore?: string[]; only?: string[]; checks: [string, boolean][] }[] = [
  {
    name: '.dockerignore at the root',
    files: { '.dockerignore': 'a.txt\n' },
    checks: [
      ['a.txt', true],
      ['b.txt', false],
      ['node_modules/x', false],
      ['.git/HEAD', false],
    ],
  },
  {
    name: '<Dockerfile>.dockerignore wins',
    dockerfile: 'dev.Dockerfile',
    files: { '.dockerignore': 'a.txt\n', 'dev.Dockerfile.dockerignore': 'b.txt\n' },
    checks: [
      ['a.txt', false],
      ['b.txt', true],
    ],
  },
  { name: 'sub-directory .dockerignore is not read', files: { 'sub/.dockerignore': 'x\n' }, checks: [['sub/x', false]] },
  {
    name: 'only + ignore',
    files: {},
    only: ['src', 'package.json'],
    ignore: ['src/*.tmp'],
    checks: [
      ['src/a.ts', false],
      ['src/x.tmp', true],
      ['package.json', false],
      ['README.md', true],
    ],
  },
  {
    name: 'only with a leading ! is a literal path',
    files: {},
    only: ['!weird'],
    checks: [
      ['!weird', false],
      ['weird', true],
    ],
  },
  { name: 'dockerignore excludes; ignore= ! cannot re-include', files: { '.dockerignore': 'secret\n' }, ignore: ['!secret'], checks: [['secret', true]] },
];

test('contextIgnore', async (t) => {
  for (const c of contextCases) {
    await t.test(c.name, (tt) => {
      const ctx = tmp(tt);
      write(ctx, c.files);
      const ci = contextIgnore({
        context: ctx,
        ...(c.dockerfile ? { dockerfile: path.join(ctx, c.dockerfile) } : {}),
        ...(c.ignore ? { ignore: c.ignore } : {}),
        ...(c.only ? { only: c.only } : {}),
      });
      for (const [p, want] of c.checks) assert.equal(ci.matcher.excludes(p), want, p);
    });
  }
});

test('contextIgnore lists the ignore files it looked at', (t) => {
  const ctx = tmp(t);
  const df = path.join(ctx, 'Dockerfile');
  assert.deepEqual(contextIgnore({ context: ctx }).files, [`${df}.dockerignore`, path.join(ctx, '.dockerignore')]);
  write(ctx, { '.dockerignore': 'x\n' });
  const r = contextIgnore({ context: ctx });
  assert.equal(r.dockerignore, path.join(ctx, '.dockerignore'));
  write(ctx, { 'Dockerfile.dockerignore': 'y\n' });
  const r2 = contextIgnore({ context: ctx });
  assert.deepEqual(r2.files, [`${df}.dockerignore`]);
  assert.equal(r2.matcher.excludes('x'), false);
  assert.equal(r2.matcher.excludes('y'), true);
  // A Dockerfile outside the context: its own dockerignore is next to it.
  const other = path.join(tmp(t), 'app.dockerfile');
  assert.deepEqual(contextIgnore({ context: ctx, dockerfile: other }).files, [`${other}.dockerignore`, path.join(ctx, '.dockerignore')]);
});

test('rootedFilter / anyFilter / pathsFilter work on absolute paths', () => {
  const f = anyFilter([rootedFilter('/p/ctx', dockerignoreMatcher(['dist'])), pathsFilter(['/p/ctx/Dockerfile'])]);
  const cases: [string, boolean][] = [
    ['/p/ctx/dist/a', true],
    ['/p/ctx/src/a', false],
    ['/p/ctx/Dockerfile', true],
    ['/p/other/dist', false],
    ['/p/ctx', false],
  ];
  for (const [p, want] of cases) assert.equal(f.ignores(p), want, p);
  assert.equal(f.skipsDir('/p/ctx/dist'), true);
});

test('watchIgnore: defaults and .devloopignore (gitignore syntax)', (t) => {
  const root = path.join(tmp(t), 'node_modules', 'proj'); // a project that itself lives under a node_modules
  write(root, { '.devloopignore': '*.log\n/tmp/\n!keep.log\n' });
  const ctx = path.join(root, 'app');
  const w = watchIgnore({ dir: root, roots: [ctx] });
  assert.deepEqual(w.files, [path.join(root, '.devloopignore'), path.join(root, '.tiltignore')]);
  const cases: [string, boolean][] = [
    ['app/src/a.ts', false],
    ['app/node_modules/x/index.js', true],
    ['app/.git/HEAD', true],
    ['app/src/a.ts~', true],
    ['app/src/.a.ts.swp', true],
    ['app/src/4913', true],
    ['app/src/.#a.ts', true],
    ['app/sub/x.log', true], // gitignore: no slash matches at any depth
    ['app/sub/keep.log', false],
    ['tmp/a', true],
    ['app/tmp/a', false],
  ];
  for (const [p, want] of cases) assert.equal(w.filter.ignores(path.join(root, p)), want, p);
  assert.equal(w.filter.skipsDir(path.join(ctx, 'node_modules')), true);
  assert.equal(w.filter.skipsDir(path.join(root, 'tmp')), true);
  assert.equal(w.filter.skipsDir(path.join(ctx, 'src')), false);
  // Outside the config dir, .devloopignore does not apply; the defaults still do.
  const outside = watchIgnore({ dir: root, roots: ['/elsewhere'] });
  assert.equal(outside.filter.ignores('/elsewhere/x.log'), false);
  assert.equal(outside.filter.ignores('/elsewhere/node_modules/a'), true);
});

test('watchIgnore: .tiltignore is read like .devloopignore, and watch_settings(ignore) patterns add to both', (t) => {
  const root = path.join(tmp(t), 'proj');
  write(root, { '.devloopignore': '*.log\n', '.tiltignore': 'generated/\n' });
  const w = watchIgnore({ dir: root, roots: [root], ignore: ['*.tmp', '/cache'] });
  const cases: [string, boolean][] = [
    ['src/a.ts', false],
    ['x.log', true],
    ['generated/a.ts', true],
    ['sub/generated/a.ts', true],
    ['sub/b.tmp', true],
    ['cache/x', true],
    ['sub/cache/x', false],
  ];
  for (const [p, want] of cases) assert.equal(w.filter.ignores(path.join(root, p)), want, p);
});

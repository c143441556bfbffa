// .dockerignore reading and matching with Docker 20.10's semantics (src/files/dockerignore.ts). The differential test
// in test/docker/context-diff.test.ts checks the same against the engine; these are the fast unit checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanPath, compileRules, goTrimSpace, matches, readDockerignore } from '../../src/files/dockerignore.js';
import { contextIgnore } from '../../src/files/ignore.js';
import { isDevloopError } from '../../src/model/errors.js';

test('reading lines: BOM, CRLF, # comments only at the line start, Go TrimSpace, cleaning, leading /', () => {
  const text = '\uFEFF# c\r\n  # not a comment\r\n\u0085a.txt\u00a0\n\u3000/b//c/../d/\n! e \n\n';
  assert.deepEqual(readDockerignore(text), [
    { pattern: '# not a comment', line: 2 },
    { pattern: 'a.txt', line: 3 },
    { pattern: 'b/d', line: 4 },
    { pattern: '!e', line: 5 },
  ]);
  assert.equal(goTrimSpace('\uFEFFx'), '\uFEFFx', 'U+FEFF is not a space for Go');
  assert.equal(cleanPath('./a/./b/../c/'), 'a/c');
  assert.equal(cleanPath('../a'), '../a');
});

const matchCases: [string[], string, boolean][] = [
  [['a?b'], 'a😀b', true], // ? is one character, also outside the BMP
  [['a?b'], 'a😀😀b', false],
  [['*.md'], 'docs/x.md', false],
  [['**/*.md'], 'docs/x.md', true],
  [['docs'], 'docs/deep/x', true], // a pattern matches the leading directories of a path
  [['docs/*'], 'docs/deep/x', true],
  [['*/x'], 'a/b/x', false],
  [['a(b)c'], 'abc', true], // Docker 20.10 passes ( ) | + to the regexp
  [['a(b)c'], 'a(b)c', false],
  [['a[b-d]e'], 'ace', true],
  [['\\*'], '*', true],
  [['*', '!keep'], 'keep', false],
  [['*', '!keep', 'keep'], 'keep', true],
];

test('matching: a table of paths', () => {
  for (const [patterns, path, want] of matchCases) {
    const rules = compileRules(patterns.map((pattern) => ({ pattern })));
    assert.equal(matches(rules, path), want, `${JSON.stringify(patterns)} ${path}`);
  }
});

test('patterns Docker refuses are errors naming .dockerignore:N, with a hint, no stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-di-'));
  try {
    for (const [text, line, why] of [
      ['a\n!\n', 2, /illegal exclusion pattern/],
      ['a\nb\\\n', 2, /syntax error in pattern \(trailing \\\)/],
      ['[\n', 1, /syntax error in pattern \(unclosed \[\)/],
      ['# x\n\n[z-a]\n', 3, /syntax error in pattern \(reversed range/],
      ['a(\n', 1, /syntax error in pattern/],
    ] as const) {
      writeFileSync(join(dir, '.dockerignore'), text);
      assert.throws(
        () => contextIgnore({ context: dir }),
        (e: unknown) => {
          assert.ok(isDevloopError(e));
          assert.equal(e.code, 'dockerignore-invalid');
          assert.ok(e.message.startsWith(`${join(dir, '.dockerignore')}:${line}: invalid pattern '`), e.message);
          assert.match(e.message, why);
          assert.deepEqual(e.location, { file: join(dir, '.dockerignore'), line });
          assert.ok(e.hint);
          return true;
        },
        JSON.stringify(text),
      );
    }
    rmSync(join(dir, '.dockerignore'));
    assert.throws(() => contextIgnore({ context: dir, ignore: ['['] }).matcher, /ignore=: invalid pattern '\['/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

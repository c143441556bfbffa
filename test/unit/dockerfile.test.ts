import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasTarget, imageDependencies, parseDockerfile, requireTarget, rewriteBaseImages, stageNames } from '../../src/model/dockerfile.js';
import { isDevloopError } from '../../src/model/errors.js';

type Dep = [ref: string, line: number, kind?: 'from' | 'copy-from' | 'mount-from'];

const depCases: { name: string; text: string; args?: Record<string, string>; want: Dep[] }[] = [
  { name: 'plain FROM', text: 'FROM node:16-alpine\n', want: [['node:16-alpine', 1]] },
  { name: 'ARG defaults', text: 'ARG BASE=node\nARG TAG=16\nFROM ${BASE}:$TAG\n', want: [['node:16', 3]] },
  { name: 'build arg overrides ARG default', text: 'ARG BASE=node\nARG TAG=16\nFROM ${BASE}:$TAG\n', args: { TAG: '18' }, want: [['node:18', 3]] },
  { name: '${X:-d} unset', text: 'ARG X\nFROM repo:${X:-latest}\n', want: [['repo:latest', 2]] },
  { name: '${X:-d} from build arg', text: 'ARG X\nFROM repo:${X:-latest}\n', args: { X: 'v2' }, want: [['repo:v2', 2]] },
  { name: '${X:-d} empty build arg', text: 'ARG X\nFROM repo:${X:-latest}\n', args: { X: '' }, want: [['repo:latest', 2]] },
  { name: '${X-d} empty is set', text: 'ARG X=\nFROM repo${X-:fallback}\n', want: [['repo', 2]] },
  { name: '${X:+alt}', text: 'ARG X=1\nFROM repo:${X:+alt}\n', want: [['repo:alt', 2]] },
  { name: 'undeclared build arg is not used', text: 'FROM repo:${TAG:-1}\n', args: { TAG: '2' }, want: [['repo:1', 1]] },
  { name: 'platform arg usable without ARG', text: 'FROM repo:${TARGETARCH}\n', args: { TARGETARCH: 'arm64' }, want: [['repo:arm64', 1]] },
  {
    name: 'ARG in a stage does not reach FROM',
    text: 'FROM a\nARG V=2\nFROM b:${V:-1}\n',
    want: [
      ['a', 1],
      ['b:1', 3],
    ],
  },
  { name: 'ARG default uses an earlier ARG', text: 'ARG REG=r.io\nARG IMG=${REG}/app\nFROM $IMG\n', want: [['r.io/app', 3]] },
  { name: 'earlier ARG from build arg', text: 'ARG REG=r.io\nARG IMG=${REG}/app\nFROM $IMG\n', args: { REG: 'x.io' }, want: [['x.io/app', 3]] },
  { name: 'quoted ARG default', text: 'ARG BASE="node:20"\nFROM $BASE\n', want: [['node:20', 2]] },
  { name: 'stage names are not images', text: 'FROM golang AS build\nRUN go build\nFROM build\nCOPY --from=build /a /a\n', want: [['golang', 1]] },
  {
    name: 'FROM of a later stage name is an image',
    text: 'FROM build\nFROM golang AS build\n',
    want: [
      ['build', 1],
      ['golang', 2],
    ],
  },
  {
    name: 'stage names are case-insensitive',
    text: 'FROM golang AS Builder\nFROM alpine\nCOPY --from=BUILDER /x /x\n',
    want: [
      ['golang', 1],
      ['alpine', 2],
    ],
  },
  {
    name: 'numeric --from is a stage',
    text: 'FROM golang\nFROM alpine\nCOPY --from=0 /x /x\n',
    want: [
      ['golang', 1],
      ['alpine', 2],
    ],
  },
  {
    name: 'COPY --from an image',
    text: 'FROM alpine\nCOPY --from=other-image:tag /x /y\n',
    want: [
      ['alpine', 1],
      ['other-image:tag', 2, 'copy-from'],
    ],
  },
  {
    name: '--platform',
    text: 'FROM --platform=linux/amd64 node:20 AS web\nFROM --platform=$BUILDPLATFORM golang:1.22\n',
    want: [
      ['node:20', 1],
      ['golang:1.22', 2],
    ],
  },
  { name: 'scratch is no image', text: 'FROM scratch\nCOPY x /x\n', want: [] },
  {
    name: 'RUN --mount from an image',
    text: 'FROM a\nRUN --mount=type=bind,from=tools:1,target=/t make\n',
    want: [
      ['a', 1],
      ['tools:1', 2, 'mount-from'],
    ],
  },
  {
    name: 'RUN --mount from a stage',
    text: 'FROM a AS build\nFROM b\nRUN --mount=from=build,target=/t make\n',
    want: [
      ['a', 1],
      ['b', 2],
    ],
  },
  { name: 'multi-line FROM', text: 'FROM \\\n  node:20 \\\n  AS base\nCOPY --from=base / /\n', want: [['node:20', 2]] },
  { name: 'comment inside a continuation', text: 'FROM \\\n# a comment\n  node:20\n', want: [['node:20', 3]] },
  { name: 'comment lines are skipped', text: '# FROM commented\n  # FROM indented-comment\nFROM real\n', want: [['real', 3]] },
  {
    name: 'heredoc body is not parsed',
    text: 'FROM a\nRUN <<EOF\nFROM evil\nCOPY --from=evil2 x y\nEOF\nFROM b\n',
    want: [
      ['a', 1],
      ['b', 6],
    ],
  },
  {
    name: 'heredoc <<-',
    text: 'FROM a\nCOPY <<-"END" /x\n\tFROM evil\n\tEND\nFROM b\n',
    want: [
      ['a', 1],
      ['b', 5],
    ],
  },
  { name: 'escape directive', text: '# escape=`\nFROM `\n node:20\n', want: [['node:20', 3]] },
  { name: 'lower-case instructions', text: 'from node:20 as b\ncopy --from=b /x /y\n', want: [['node:20', 1]] },
  {
    name: '--from sees the stage ARGs',
    text: 'FROM a\nARG SRC=tools:1\nCOPY --from=$SRC /x /y\n',
    want: [
      ['a', 1],
      ['tools:1', 3, 'copy-from'],
    ],
  },
  {
    name: 'CRLF line endings',
    text: 'FROM a\r\nFROM b\r\n',
    want: [
      ['a', 1],
      ['b', 2],
    ],
  },
  { name: 'BOM', text: '\uFEFFFROM a\n', want: [['a', 1]] },
  {
    name: 'seed base.dockerfile',
    text: '# nodejs-express-base-image\n# base.dockerfile\n\nFROM node:16-alpine\n\n# Default value; will be overridden by build_args, if passed\nARG node_env=production\n\nENV NODE_ENV $node_env\n',
    want: [['node:16-alpine', 4]],
  },
];

test('imageDependencies: FROM and --from images, never stages', async (t) => {
  for (const c of depCases) {
    await t.test(c.name, () => {
      const got = imageDependencies(c.text, c.args).map((d) => [d.ref, d.line, d.kind]);
      assert.deepEqual(
        got,
        c.want.map(([ref, line, kind]) => [ref, line, kind ?? 'from']),
      );
    });
  }
});

const SEED_APP = `# nodejs-express-app-image
# app.dockerfile

FROM nodejs-express-base-image

WORKDIR '/var/www/app'

ADD . .
`;
const NEW_BASE = 'localhost:5005/nodejs-express-base-image:devloop-0123456789abcdef';

const rewriteCases: { name: string; text: string; map: Record<string, string>; args?: Record<string, string>; want: string; lines: number[] }[] = [
  {
    name: 'seed app.dockerfile',
    text: SEED_APP,
    map: { 'nodejs-express-base-image': NEW_BASE },
    want: SEED_APP.replace('FROM nodejs-express-base-image', `FROM ${NEW_BASE}`),
    lines: [4],
  },
  {
    name: '${BASE} token replaced whole',
    text: 'ARG BASE=base\nFROM ${BASE} AS build\n',
    map: { base: 'new/base:t' },
    want: 'ARG BASE=base\nFROM new/base:t AS build\n',
    lines: [2],
  },
  {
    name: 'repo:${TAG} with build arg',
    text: 'ARG TAG=1\nFROM repo:${TAG}\n',
    args: { TAG: 'x' },
    map: { 'repo:x': 'r/repo:devloop-1' },
    want: 'ARG TAG=1\nFROM r/repo:devloop-1\n',
    lines: [2],
  },
  {
    name: 'formatting kept byte for byte',
    text: '  from   --platform=linux/amd64\tbase  AS  b  \n# c\n\nRUN echo hi\n',
    map: { base: 'NEW' },
    want: '  from   --platform=linux/amd64\tNEW  AS  b  \n# c\n\nRUN echo hi\n',
    lines: [1],
  },
  {
    name: 'stage names never replaced',
    text: 'FROM base AS build\nFROM build\nCOPY --from=build /a /a\nCOPY --from=base /b /b\n',
    map: { base: 'NEW', build: 'WRONG' },
    want: 'FROM NEW AS build\nFROM build\nCOPY --from=build /a /a\nCOPY --from=NEW /b /b\n',
    lines: [1, 4],
  },
  { name: 'multi-line FROM', text: 'FROM \\\n    base \\\n    AS b\n', map: { base: 'NEW' }, want: 'FROM \\\n    NEW \\\n    AS b\n', lines: [2] },
  {
    name: 'RUN --mount from',
    text: 'FROM x\nRUN --mount=type=bind,from=base,target=/t true\n',
    map: { base: 'NEW' },
    want: 'FROM x\nRUN --mount=type=bind,from=NEW,target=/t true\n',
    lines: [2],
  },
  {
    name: 'COPY --from image with tag',
    text: 'FROM x\nCOPY --from=other-image:tag /a /b\n',
    map: { 'other-image:tag': 'reg/other-image:devloop-2' },
    want: 'FROM x\nCOPY --from=reg/other-image:devloop-2 /a /b\n',
    lines: [2],
  },
  { name: 'unmatched refs untouched', text: 'FROM node:20\nFROM base\n', map: { base: 'NEW' }, want: 'FROM node:20\nFROM NEW\n', lines: [2] },
  { name: 'CRLF kept', text: 'FROM base\r\nRUN x\r\n', map: { base: 'NEW' }, want: 'FROM NEW\r\nRUN x\r\n', lines: [1] },
  {
    name: 'heredoc body untouched',
    text: 'FROM base\nRUN <<EOF\nFROM base\nEOF\n',
    map: { base: 'NEW' },
    want: 'FROM NEW\nRUN <<EOF\nFROM base\nEOF\n',
    lines: [1],
  },
  {
    name: 'directives and comments kept',
    text: '# syntax=docker/dockerfile:1\n# hello\nFROM base # not a comment\n',
    map: { base: 'NEW' },
    want: '# syntax=docker/dockerfile:1\n# hello\nFROM NEW # not a comment\n',
    lines: [3],
  },
  { name: 'nothing to replace', text: 'FROM alpine\n', map: {}, want: 'FROM alpine\n', lines: [] },
];

test('rewriteBaseImages: only the ref token changes', async (t) => {
  for (const c of rewriteCases) {
    await t.test(c.name, () => {
      const r = rewriteBaseImages(c.text, (ref) => c.map[ref], c.args);
      assert.equal(r.text, c.want);
      assert.deepEqual(
        r.rewrites.map((w) => w.line),
        c.lines,
      );
    });
  }
});

test('rewriteBaseImages reports what it replaced', () => {
  const r = rewriteBaseImages('ARG B=base\nFROM $B\n', (ref) => (ref === 'base' ? 'NEW' : undefined));
  assert.deepEqual(r.rewrites, [{ line: 2, kind: 'from', from: '$B', ref: 'base', to: 'NEW' }]);
});

test('parseDockerfile: stages, global ARGs, directives', () => {
  const text = '# syntax=docker/dockerfile:1.7\nARG GO=1.22\nARG NOVAL\nFROM --platform=$BUILDPLATFORM golang:${GO} AS Build\nARG INSTAGE=1\nFROM alpine\n';
  const p = parseDockerfile(text, { BUILDPLATFORM: 'linux/arm64' });
  assert.deepEqual(p.directives, [{ name: 'syntax', value: 'docker/dockerfile:1.7', line: 1 }]);
  assert.deepEqual(p.globalArgs, [
    { name: 'GO', default: '1.22', line: 2 },
    { name: 'NOVAL', line: 3 },
  ]);
  assert.deepEqual(
    p.stages.map((s) => [s.index, s.name, s.platform, s.line, s.base.ref]),
    [
      [0, 'build', 'linux/arm64', 4, 'golang:1.22'],
      [1, undefined, undefined, 6, 'alpine'],
    ],
  );
  assert.equal(p.escape, '\\');
});

const targetCases: { text: string; target: string; want: boolean }[] = [
  { text: 'FROM a AS build\nFROM b AS final\n', target: 'build', want: true },
  { text: 'FROM a AS build\nFROM b AS final\n', target: 'FINAL', want: true },
  { text: 'FROM a AS build\nFROM b AS final\n', target: 'test', want: false },
  { text: 'FROM a\n', target: 'a', want: false },
];

test('stageNames / hasTarget', () => {
  assert.deepEqual(stageNames('FROM a AS Build\nFROM b\nfrom c as final\n'), ['build', 'final']);
  for (const c of targetCases) assert.equal(hasTarget(c.text, c.target), c.want, `${c.target} in ${JSON.stringify(c.text)}`);
});

test('requireTarget lists the stages', () => {
  requireTarget('FROM a AS build\n', 'build');
  assert.throws(
    () => requireTarget('FROM a AS build\nFROM b AS final\n', 'test', 'app/Dockerfile'),
    (e: unknown) => {
      assert.ok(isDevloopError(e));
      assert.equal(e.code, 'target-not-found');
      assert.equal(e.message, 'target stage "test" could not be found in the Dockerfile');
      assert.equal(e.hint, 'stages: build, final');
      assert.deepEqual(e.location, { file: 'app/Dockerfile' });
      return true;
    },
  );
});

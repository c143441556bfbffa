import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildkitPrinter } from '../../src/adapters/docker/buildkit-progress.js';
import { decodeStatusResponse } from '../../src/adapters/docker/buildkit-proto.js';
import { cleanBuildError } from '../../src/adapters/docker/build-errors.js';
import { encodeStatus, type LogIn, type VertexIn } from './proto-encode.js';
import { collect } from './helpers.js';

const T0 = 1_700_000_000_000;

function feed(printer: BuildkitPrinter, vertexes: VertexIn[], logs: LogIn[] = []): void {
  printer.handle(decodeStatusResponse(encodeStatus(vertexes, logs)));
}

test('decodes vertexes and logs, skipping fields it does not know', () => {
  const s = decodeStatusResponse(
    encodeStatus(
      [{ digest: 'sha256:a', name: '[1/2] FROM x', cached: true, started: T0 + 5, completed: T0 + 1250, error: 'boom' }],
      [{ vertex: 'sha256:a', data: 'out\n', stream: 2 }],
    ),
  );
  assert.equal(s.vertexes.length, 1);
  assert.deepEqual(
    { ...s.vertexes[0], inputs: undefined },
    { digest: 'sha256:a', inputs: undefined, name: '[1/2] FROM x', cached: true, started: T0 + 5, completed: T0 + 1250, error: 'boom' },
  );
  assert.equal(s.logs[0]!.vertex, 'sha256:a');
  assert.equal(s.logs[0]!.stream, 2);
  assert.equal(s.logs[0]!.data.toString(), 'out\n');
});

test('renders steps like Tilt: hidden [internal] vertices, [background] read source files, [cached], output and [done]', () => {
  const out = collect();
  const p = new BuildkitPrinter(out);
  feed(p, [
    { digest: 'd0', name: '[internal] load build definition from Dockerfile', started: T0, completed: T0 + 10 },
    { digest: 'd1', name: '[internal] load build context', started: T0 },
  ]);
  feed(p, [
    { digest: 'd1', name: '[internal] load build context', started: T0, completed: T0 + 700 },
    { digest: 'd2', name: '[1/3] FROM docker.io/library/node:16-alpine', started: T0 + 10, completed: T0 + 20 },
    { digest: 'd3', name: '[2/3] WORKDIR /var/www/app', cached: true, started: T0, completed: T0 },
    { digest: 'd4', name: '[3/3] RUN npm install', started: T0 + 100 },
  ]);
  feed(
    p,
    [],
    [
      { vertex: 'd4', data: 'added 0 pack' },
      { vertex: 'd4', data: 'ages\n\nprogress 10%\rprogress 100%\n' },
    ],
  );
  feed(p, [{ digest: 'd4', name: '[3/3] RUN npm install', started: T0 + 100, completed: T0 + 1300 }]);
  assert.deepEqual(out.lines, [
    '[background] read source files',
    '[background] read source files [done: 700ms]',
    '[1/3] FROM docker.io/library/node:16-alpine',
    '[2/3] WORKDIR /var/www/app [cached]',
    '[3/3] RUN npm install',
    '  → added 0 packages',
    '  → progress 100%',
    '[3/3] RUN npm install [done: 1.2s]',
  ]);
  assert.deepEqual(p.steps(), [
    { name: '[background] read source files', cached: false, seconds: 0.7 },
    { name: '[1/3] FROM docker.io/library/node:16-alpine', cached: false, seconds: 0.01 },
    { name: '[2/3] WORKDIR /var/www/app', cached: true, seconds: 0 },
    { name: '[3/3] RUN npm install', cached: false, seconds: 1.2 },
  ]);
  assert.equal(p.failed(), undefined);
});

test('a failing step prints ERROR IN with its own output; steps cancelled by it are not blamed', () => {
  const out = collect();
  const p = new BuildkitPrinter(out);
  feed(p, [
    { digest: 'a', name: '[a 2/2] RUN sleep 10', started: T0 },
    { digest: 'b', name: '[b 2/2] RUN false', started: T0 },
  ]);
  feed(
    p,
    [],
    [
      { vertex: 'b', data: 'about to fail\n' },
      { vertex: 'a', data: 'other stage\n' },
    ],
  );
  feed(p, [
    { digest: 'b', name: '[b 2/2] RUN false', started: T0, completed: T0 + 50, error: 'executor failed running [/bin/sh -c false]: exit code: 1' },
    { digest: 'a', name: '[a 2/2] RUN sleep 10', started: T0, completed: T0 + 60, error: 'context canceled' },
  ]);
  const at = out.lines.indexOf('ERROR IN: [b 2/2] RUN false');
  assert.ok(at > 0, out.lines.join('\n'));
  assert.deepEqual(out.lines.slice(at + 1), ['  → about to fail']);
  assert.ok(!out.lines.some((l) => l.includes('ERROR IN: [a')));
  assert.deepEqual(p.failed(), { name: '[b 2/2] RUN false', error: 'executor failed running [/bin/sh -c false]: exit code: 1', tail: ['about to fail'] });
});

test('build errors lose the frontend and gRPC wrappers', () => {
  assert.equal(
    cleanBuildError('failed to solve with frontend dockerfile.v0: failed to build LLB: executor failed running [/bin/sh -c false]: exit code: 1'),
    'executor failed running [/bin/sh -c false]: exit code: 1',
  );
  assert.equal(cleanBuildError('rpc error: code = Unknown desc = failed to compute cache key: "/x" not found'), 'failed to compute cache key: "/x" not found');
  assert.equal(cleanBuildError('(HTTP code 500) server error - invalid host foo'), 'invalid host foo');
});

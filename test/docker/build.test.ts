// Builds against the real engine (DOCKER_HOST from `eval "$(scripts/dev-env.sh up)"`), with the local base
// images node:16-alpine and busybox:latest that dev-env.sh imports. No network: nothing is pulled.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildImage } from '../../src/adapters/docker/build.js';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { isDevloopError } from '../../src/model/errors.js';
import { collect, makeContext, removeImages, request, runImage, uniqueRepo } from './helpers.js';

const builder = new DockerImageBuilder();
const created: string[] = [];
after(() => removeImages(builder.client, created));

const APP = {
  'package.json': '{"name":"app","version":"1.0.0"}\n',
  'index.js': 'console.log("hello from " + require("./package.json").name)\n',
  'bin/run.sh': '#!/bin/sh\nexec node /app/index.js\n',
};
// BuildKit's cache outlives a test run: a nonce per run makes the first build of each test a real one.
const NONCE = uniqueRepo('nonce');
const DOCKERFILE = `FROM node:16-alpine
ENV TEST_NONCE=${NONCE}
WORKDIR /app
COPY package.json .
RUN npm install
COPY . .
CMD ["/app/bin/run.sh"]
`;

test('BuildKit build: the image runs what the Dockerfile says; a second build is [cached]', async () => {
  const info = await builder.engineInfo();
  const ctx = makeContext(APP, { 'bin/run.sh': 0o755 });
  const ref = `${uniqueRepo()}:v1`;
  const extra = `${uniqueRepo()}:extra`;
  created.push(ref, extra);
  try {
    const out = collect();
    const labels = { 'dev.devloop.test': 'yes' };
    const r = await builder.build(request(ctx, DOCKERFILE, ref, { extraTags: [extra], labels }), out);
    assert.match(r.imageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(r.builder, info.buildkit ? 'buildkit' : 'classic');
    assert.equal(await builder.imageExists(ref), true);
    assert.equal(await builder.imageExists(extra), true);
    const inspect = await builder.client.docker.getImage(ref).inspect();
    assert.equal(inspect.Id, r.imageId);
    assert.equal(inspect.Config.Labels?.['dev.devloop.test'], 'yes');
    assert.equal((await runImage(builder.client, ref)).trim(), 'hello from app');
    // context files keep their modes
    const ls = await runImage(builder.client, ref, ['sh', '-c', 'ls -l /app/bin/run.sh']);
    assert.match(ls, /^-rwxr-xr-x/);
    if (info.buildkit) {
      assert.ok(out.lines.includes('[4/5] RUN npm install'), out.lines.join('\n'));
      assert.ok(
        out.lines.some((l) => l.startsWith('[1/5] FROM docker.io/library/node:16-alpine')),
        out.lines.join('\n'),
      );
      assert.ok(!out.lines.some((l) => l.includes('[internal]')));
      if (!info.hasBridge) assert.ok(out.lines.includes('The Docker engine has no bridge network: RUN steps run with network "none"'));
    }

    const again = collect();
    const r2 = await builder.build(request(ctx, DOCKERFILE, ref, { labels }), again);
    assert.equal(r2.imageId, r.imageId);
    if (info.buildkit) {
      assert.ok(again.lines.includes('[4/5] RUN npm install [cached]'), again.lines.join('\n'));
      assert.ok(r2.steps.some((s) => s.name === '[4/5] RUN npm install' && s.cached));
    }
  } finally {
    ctx.cleanup();
  }
});

test('a failing RUN gives build-failed naming the step, with its output', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:fail`;
  created.push(ref);
  try {
    const out = collect();
    const df = `FROM busybox:latest\nCOPY a.txt /\nRUN echo ${NONCE} >/dev/null && echo "step output before failing" && echo "to stderr" >&2 && exit 3\n`;
    await assert.rejects(builder.build(request(ctx, df, ref), out), (err: unknown) => {
      assert.ok(isDevloopError(err), String(err));
      assert.equal(err.code, 'build-failed');
      assert.match(err.message, /at \[3\/3\] RUN echo nonce-[0-9a-f]+ >\/dev\/null && echo "step output before failing"/);
      assert.match(err.message, /exit code: 3|non-zero code: 3/);
      assert.doesNotMatch(err.message, /failed to solve with frontend|rpc error/);
      assert.deepEqual([...(err.details ?? [])].sort(), ['step output before failing', 'to stderr']); // stdout and stderr may interleave either way
      assert.ok(err.hint);
      return true;
    });
    if ((await builder.engineInfo()).buildkit) {
      assert.ok(
        out.lines.some((l) => /^ERROR IN: \[3\/3\] RUN echo/.test(l)),
        out.lines.join('\n'),
      );
    }
    assert.equal(await builder.imageExists(ref), false);
  } finally {
    ctx.cleanup();
  }
});

test('RUN --mount=type=cache works through the API (BuildKit)', async (t) => {
  if (!(await builder.engineInfo()).buildkit) return t.skip('the engine has no BuildKit');
  const ctx = makeContext({ 'package.json': APP['package.json'] });
  const ref = `${uniqueRepo()}:cache`;
  created.push(ref);
  try {
    const df = `FROM node:16-alpine\nENV TEST_NONCE=${NONCE}\nWORKDIR /app\nCOPY package.json .\nRUN --mount=type=cache,target=/root/.npm npm install && ls -d /root/.npm/_logs\n`;
    const out = collect();
    await builder.build(request(ctx, df, ref), out);
    assert.ok(out.lines.includes('  → /root/.npm/_logs'), out.lines.join('\n'));
    // what npm wrote to the cache directory is in the cache mount, not in the image
    assert.equal((await runImage(builder.client, ref, ['sh', '-c', 'ls -A /root/.npm 2>/dev/null | wc -l'])).trim(), '0');
  } finally {
    ctx.cleanup();
  }
});

test('build args, target, extra hosts and an explicit network are passed to the build', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:args`;
  created.push(ref);
  try {
    const df = [
      'FROM busybox:latest AS base',
      'ARG GREETING',
      'RUN echo "$GREETING" > /greeting && grep -c "^10.9.8.7[[:space:]]*api.test" /etc/hosts > /hosts-count',
      'FROM base AS final',
      'RUN echo never-built > /final',
      '',
    ].join('\n');
    const out = collect();
    await builder.build(
      request(ctx, df, ref, { buildArgs: { GREETING: 'hi there' }, target: 'base', extraHosts: ['api.test:10.9.8.7'], network: 'none' }),
      out,
    );
    assert.ok(!out.lines.some((l) => /no bridge network/.test(l)), 'an explicit network wins');
    assert.equal(
      (await runImage(builder.client, ref, ['sh', '-c', 'cat /greeting /hosts-count; ls /final 2>/dev/null || echo no-final'])).trim(),
      'hi there\n1\nno-final',
    );
  } finally {
    ctx.cleanup();
  }
});

test('a COPY of a file missing from the context names the step', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:missing`;
  created.push(ref);
  try {
    await assert.rejects(builder.build(request(ctx, 'FROM busybox:latest\nCOPY nope.txt /\n', ref), collect()), (err: unknown) => {
      assert.ok(isDevloopError(err));
      assert.equal(err.code, 'build-failed');
      assert.match(err.message, /nope\.txt/);
      return true;
    });
  } finally {
    ctx.cleanup();
  }
});

test('classic builder: raw output, the generated Dockerfile stays out of the image, failures name the step', async () => {
  const info = { ...(await builder.engineInfo()), buildkit: false };
  const ctx = makeContext({ ...APP, '.dockerignore': 'node_modules\n' }, { 'bin/run.sh': 0o755 });
  const ref = `${uniqueRepo()}:classic`;
  created.push(ref);
  try {
    const out = collect();
    const r = await buildImage(builder.client, info, request(ctx, DOCKERFILE, ref), out);
    assert.equal(r.builder, 'classic');
    assert.ok(out.lines.includes('Step 5/7 : RUN npm install'), out.lines.join('\n'));
    assert.ok(r.steps.some((s) => s.name === '[5/7] RUN npm install'));
    assert.equal((await runImage(builder.client, ref)).trim(), 'hello from app');
    const files = (await runImage(builder.client, ref, ['ls', '-A', '/app'])).split(/\s+/).filter(Boolean).sort();
    assert.deepEqual(files, ['.dockerignore', 'bin', 'index.js', 'package-lock.json', 'package.json']);

    const bad = `${uniqueRepo()}:classic-fail`;
    created.push(bad);
    await assert.rejects(
      buildImage(builder.client, info, request(ctx, `FROM busybox:latest\nRUN echo ${NONCE}; echo classic-out && false\n`, bad), collect()),
      (err: unknown) => {
        assert.ok(isDevloopError(err));
        assert.equal(err.code, 'build-failed');
        assert.match(err.message, /at \[2\/2\] RUN echo nonce-[0-9a-f]+; echo classic-out && false: The command .* returned a non-zero code: 1/);
        assert.deepEqual(err.details, [NONCE, 'classic-out']);
        return true;
      },
    );
  } finally {
    ctx.cleanup();
  }
});

test('a context file that vanished fails the build at once with context-read-failed (no hung request)', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  try {
    const req = request(ctx, 'FROM busybox:latest\nCOPY . /x\n', `${uniqueRepo()}:vanish`, {
      entries: [...ctx.entries, { path: 'gone.txt', type: 'file', mode: 0o644, size: 3 }],
    });
    const t0 = Date.now();
    await assert.rejects(
      builder.build(req, collect()),
      (err: unknown) => isDevloopError(err) && err.code === 'context-read-failed' && err.message.includes('gone.txt'),
    );
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    ctx.cleanup();
  }
});

test('an aborted build gives build-cancelled', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:abort`;
  created.push(ref);
  try {
    const ac = new AbortController();
    const out = { line: (l: string) => (l.includes('sleep 20') ? ac.abort() : undefined) };
    const req = request(ctx, `FROM busybox:latest\nRUN echo ${NONCE} && sleep 20\n`, ref, { signal: ac.signal });
    const t0 = Date.now();
    await assert.rejects(builder.build(req, out), (err: unknown) => isDevloopError(err) && err.code === 'build-cancelled');
    assert.ok(Date.now() - t0 < 15_000);
  } finally {
    ctx.cleanup();
  }
});

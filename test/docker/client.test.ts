import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerClient, ping } from '../../src/adapters/docker/client.js';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { formatError, isDevloopError } from '../../src/model/errors.js';
import { closedPort, collect, makeContext, request } from './helpers.js';

function withEnv<T>(name: string, value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const old = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  return fn().finally(() => {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  });
}

test('a missing engine socket gives docker-unreachable naming DOCKER_HOST, with a hint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-nosock-'));
  const host = `unix://${dir}/docker.sock`;
  try {
    await withEnv('DOCKER_HOST', host, async () => {
      const builder = new DockerImageBuilder(createDockerClient());
      const ctx = makeContext({ 'a.txt': 'a' });
      try {
        for (const call of [
          () => builder.engineInfo(),
          () => builder.build(request(ctx, 'FROM busybox\n', 'x/y:1'), collect()),
          () => builder.imageExists('busybox'),
        ]) {
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(isDevloopError(err), String(err));
            assert.equal(err.code, 'docker-unreachable');
            assert.equal(err.message, `cannot reach the Docker engine at DOCKER_HOST=${host}: the socket does not exist`);
            assert.match(err.hint ?? '', /scripts\/dev-env\.sh up/);
            assert.doesNotMatch(formatError(err), /\n\s+at /, 'no stack trace in what the user reads');
            return true;
          });
        }
      } finally {
        ctx.cleanup();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a closed TCP port gives docker-unreachable too', async () => {
  const port = await closedPort();
  await assert.rejects(ping(createDockerClient(`tcp://127.0.0.1:${port}`)), (err: unknown) => {
    assert.ok(isDevloopError(err));
    assert.equal(err.code, 'docker-unreachable');
    assert.match(err.message, new RegExp(`tcp://127\\.0\\.0\\.1:${port}.*connection refused`));
    return true;
  });
});

test('without DOCKER_HOST the default socket is named', async () => {
  const client = await withEnv('DOCKER_HOST', undefined, async () => createDockerClient());
  assert.equal(client.host, 'unix:///var/run/docker.sock');
});

test('an unsupported DOCKER_HOST is reported, not thrown as a bug', () => {
  assert.throws(
    () => createDockerClient('ssh://me@host'),
    (err: unknown) => isDevloopError(err) && err.code === 'docker-host-invalid',
  );
});

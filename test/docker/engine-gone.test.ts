// Issue 10 item 17 (part): the Docker engine going away in the middle of a build is reported as that, not as a
// failed step. The real engine sits behind a socket proxy that cuts every connection once the build has started
// a step, which is what a client sees when the engine crashes or restarts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../src/adapters/docker/build.js';
import { createDockerClient } from '../../src/adapters/docker/client.js';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { isDevloopError } from '../../src/model/errors.js';
import { makeContext, removeImages, request, uniqueRepo } from './helpers.js';

const builder = new DockerImageBuilder();
const created: string[] = [];
after(() => removeImages(builder.client, created));

/** A unix-socket proxy to the engine; cut() ends every connection through it, as an engine that dies. */
async function proxy(): Promise<{ host: string; cut(): void; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-proxy-'));
  const path = join(dir, 'docker.sock');
  const target = builder.client.host;
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up =
      target.startsWith('tcp://') || target.startsWith('http://')
        ? connect(Number(/:(\d+)\/?$/.exec(target)![1]), /\/\/([^:/]+)/.exec(target)![1])
        : connect(target.replace(/^unix:\/\//, ''));
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((ok) => server.listen(path, ok));
  return {
    host: `unix://${path}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          ok();
        });
      }),
  };
}

test('the engine dying mid-build says the engine went away (not "fix the step above")', async () => {
  const p = await proxy();
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:gone`;
  created.push(ref);
  try {
    const client = createDockerClient(p.host);
    const info = await builder.engineInfo();
    let cut = false;
    const out = {
      line: (l: string) => {
        if (!cut && l.includes('sleep 20')) {
          cut = true;
          setTimeout(() => p.cut(), 300);
        }
      },
    };
    const req = request(ctx, `FROM busybox:latest\nRUN echo ${uniqueRepo('n')} && sleep 20\n`, ref);
    const t0 = Date.now();
    await assert.rejects(buildImage(client, info, req, out), (err: unknown) => {
      assert.ok(isDevloopError(err), String(err));
      assert.equal(err.code, 'docker-engine-gone', err.message);
      assert.match(
        err.message,
        new RegExp(`^the Docker engine at unix://.* went away while building ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, during .*sleep 20`),
      );
      assert.match(err.hint ?? '', /docker info/);
      assert.doesNotMatch(`${err.message} ${err.hint}`, /Fix the step above|save a file/);
      return true;
    });
    assert.ok(cut, 'the build reached the RUN step before the cut');
    assert.ok(Date.now() - t0 < 15_000);
  } finally {
    ctx.cleanup();
    await p.close();
  }
});

// Pushes to the registry that scripts/dev-env.sh starts ($DEVLOOP_REGISTRY, default 127.0.0.1:5005).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { registryBaseUrl } from '../../src/adapters/docker/registry-http.js';
import { isDevloopError } from '../../src/model/errors.js';
import { closedPort, collect, removeImages, uniqueRepo } from './helpers.js';

const REGISTRY = process.env.DEVLOOP_REGISTRY ?? '127.0.0.1:5005';
const builder = new DockerImageBuilder();
const created: string[] = [];
const pushed: { repo: string; digest: string }[] = [];

after(async () => {
  await removeImages(builder.client, created);
  for (const p of pushed) await fetch(`http://${REGISTRY}/v2/${p.repo}/manifests/${p.digest}`, { method: 'DELETE' });
});

test('push to the registry: progress lines, the digest, and the registry then holds the tag', async () => {
  const repo = uniqueRepo();
  const ref = `${REGISTRY}/${repo}:v1`;
  await builder.tag('busybox:latest', ref);
  created.push(ref);
  assert.equal(await builder.registryHasTag(ref), false);

  const out = collect();
  const { digest } = await builder.push(ref, out);
  assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
  pushed.push({ repo, digest: digest! });
  assert.ok(out.lines[0]?.startsWith(`The push refers to repository [${REGISTRY}/${repo}]`), out.lines.join('\n'));
  assert.ok(
    out.lines.some((l) => /^[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from .*)$/.test(l)),
    out.lines.join('\n'),
  );
  assert.ok(
    out.lines.some((l) => l.includes(`v1: digest: ${digest}`)),
    out.lines.join('\n'),
  );
  assert.ok(!out.lines.some((l) => /Preparing|Waiting/.test(l)));

  assert.equal(await builder.registryHasTag(ref), true);
  const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/v1`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('docker-content-digest'), digest);
  const tags = (await (await fetch(`http://${REGISTRY}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['v1']);
  assert.equal(await builder.registryHasTag(`${REGISTRY}/${repo}:other`), false);
});

test('push to a registry that refuses connections gives push-failed naming it', async () => {
  const registry = `127.0.0.1:${await closedPort()}`;
  const ref = `${registry}/${uniqueRepo()}:v1`;
  await builder.tag('busybox:latest', ref);
  created.push(ref);
  await assert.rejects(builder.push(ref, collect()), (err: unknown) => {
    assert.ok(isDevloopError(err), String(err));
    assert.equal(err.code, 'push-failed');
    assert.match(err.message, new RegExp(`^pushing ${ref.replace(/[.]/g, '\\.')} to registry ${registry.replace(/[.]/g, '\\.')} failed: .*connection refused`));
    assert.match(err.hint ?? '', new RegExp(`Nothing answers at ${registry.replace(/[.]/g, '\\.')}`));
    return true;
  });
  await assert.rejects(
    builder.registryHasTag(ref),
    (err: unknown) => isDevloopError(err) && err.code === 'registry-unreachable' && err.message.includes(registry),
  );
});

test('pushing a ref that was never built gives push-failed saying so', async () => {
  const ref = `${REGISTRY}/${uniqueRepo()}:never`;
  await assert.rejects(builder.push(ref, collect()), (err: unknown) => {
    assert.ok(isDevloopError(err));
    assert.equal(err.code, 'push-failed');
    assert.match(err.hint ?? '', /build it first/);
    return true;
  });
});

test('registry URLs: plain HTTP only for loopback hosts', () => {
  assert.equal(registryBaseUrl('127.0.0.1:5005'), 'http://127.0.0.1:5005');
  assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
  assert.equal(registryBaseUrl('gcr.io'), 'https://gcr.io');
  assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
});

test('imageExists: true for a local image, false for an unknown one', async () => {
  assert.equal(await builder.imageExists('busybox:latest'), true);
  assert.equal(await builder.imageExists(`${uniqueRepo()}:nope`), false);
});

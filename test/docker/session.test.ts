// The BuildKit session that carries build contexts (src/adapters/docker/session.ts, filesync.ts), against the engine.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { walkContext } from '../../src/files/walk.js';
import { collect, makeContext, removeImages, request, runImage, uniqueRepo } from './helpers.js';

const builder = new DockerImageBuilder();
const created: string[] = [];
after(() => removeImages(builder.client, created));
const NONCE = uniqueRepo('nonce');

test('a file changed to content of the same size, with its mtime put back, is sent again on the next build', async (t) => {
  const info = await builder.engineInfo();
  if (!info.buildkit) return t.skip('the engine has no BuildKit');
  const ctx = makeContext({ 'a.txt': 'one', 'b.txt': 'same' });
  const dockerfile = `FROM busybox:latest\nENV N=${NONCE}\nCOPY . /ctx/\nCMD ["cat", "/ctx/a.txt"]\n`;
  try {
    const first = `${uniqueRepo()}:one`;
    created.push(first);
    await builder.build(request(ctx, dockerfile, first, { entries: walkContext(ctx.dir) }), collect());
    assert.equal(await runImage(builder.client, first), 'one');
    // Same size, same mtime as before: only the content tells the change (the engine keeps the last transfer).
    const file = join(ctx.dir, 'a.txt');
    writeFileSync(file, 'two');
    utimesSync(file, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const second = `${uniqueRepo()}:two`;
    created.push(second);
    await builder.build(request(ctx, dockerfile, second, { entries: walkContext(ctx.dir) }), collect());
    assert.equal(await runImage(builder.client, second), 'two');
  } finally {
    ctx.cleanup();
  }
});

test("the session outlives a build longer than the engine's health checks (every second)", async (t) => {
  const info = await builder.engineInfo();
  if (!info.buildkit) return t.skip('the engine has no BuildKit');
  const ctx = makeContext({ 'a.txt': 'a' });
  const ref = `${uniqueRepo()}:long`;
  created.push(ref);
  try {
    const dockerfile = `FROM busybox:latest\nRUN echo ${NONCE} && sleep 4\nCOPY . /ctx/\nRUN test -f /ctx/a.txt\n`;
    const r = await builder.build(request(ctx, dockerfile, ref, { entries: walkContext(ctx.dir) }), collect());
    assert.match(r.imageId, /^sha256:/);
  } finally {
    ctx.cleanup();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { packContext, packEntries, TAR_MTIME } from '../../src/adapters/docker/context-tar.js';
import { isDevloopError } from '../../src/model/errors.js';
import { makeContext } from './helpers.js';

/** Read a stream (tar-stream's streamx streams are async iterable too) into one buffer. */
async function toBuffer(stream: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

interface Item {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname?: string | null;
  body: string;
}

async function list(tar: Buffer): Promise<Item[]> {
  const ex = extract();
  const items: Item[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const body = await toBuffer(entry);
      const h = entry.header;
      items.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: h.mtime.getTime(),
        linkname: h.linkname,
        body: body.toString(),
      });
    }
  })();
  ex.end(tar);
  await done;
  return items;
}

const FILES = { 'a.txt': 'alpha', 'src/run.sh': '#!/bin/sh\necho hi\n', 'src/link': '->run.sh', 'z/deep/f.json': '{}' };

test('the same entries give a byte-identical tar, whatever the files on disk look like otherwise', async () => {
  const one = makeContext(FILES, { 'src/run.sh': 0o755 });
  await new Promise((r) => setTimeout(r, 20)); // different mtimes on disk
  const two = makeContext(FILES, { 'src/run.sh': 0o755 });
  try {
    const a = await toBuffer(packContext(one.dir, one.entries, 'FROM busybox\n').stream);
    const b = await toBuffer(packContext(one.dir, one.entries, 'FROM busybox\n').stream);
    const c = await toBuffer(packContext(two.dir, two.entries, 'FROM busybox\n').stream);
    assert.ok(a.length > 0 && a.length % 512 === 0);
    assert.ok(a.equals(b), 'same context twice');
    assert.ok(a.equals(c), 'same entries in another directory');
  } finally {
    one.cleanup();
    two.cleanup();
  }
});

test('headers: uid/gid 0, no user names, fixed mtime, mode from the entry, symlinks as links', async () => {
  const ctx = makeContext(FILES, { 'src/run.sh': 0o755 });
  try {
    const { stream, dockerfilePath } = packContext(ctx.dir, ctx.entries, 'FROM busybox\nCOPY . /app\n');
    const items = await list(await toBuffer(stream));
    const byName = new Map(items.map((i) => [i.name.replace(/\/$/, ''), i]));
    for (const i of items) {
      assert.equal(i.uid, 0);
      assert.equal(i.gid, 0);
      assert.equal(i.uname, '');
      assert.equal(i.gname, '');
      assert.equal(i.mtime, TAR_MTIME.getTime());
    }
    assert.equal(byName.get('src/run.sh')?.mode, 0o755);
    assert.equal(byName.get('a.txt')?.mode, 0o644);
    assert.equal(byName.get('a.txt')?.body, 'alpha');
    assert.equal(byName.get('src')?.type, 'directory');
    assert.equal(byName.get('src/link')?.type, 'symlink');
    assert.equal(byName.get('src/link')?.linkname, 'run.sh');
    assert.match(dockerfilePath, /^\.devloop-dockerfile-[0-9a-f]{12}$/);
    assert.equal(byName.get(dockerfilePath)?.body, 'FROM busybox\nCOPY . /app\n');
    // entries keep their order (sorted), the Dockerfile comes last
    assert.deepEqual(
      items.map((i) => i.name.replace(/\/$/, '')),
      ['a.txt', 'src', 'src/link', 'src/run.sh', 'z', 'z/deep', 'z/deep/f.json', dockerfilePath],
    );
  } finally {
    ctx.cleanup();
  }
});

test('a Dockerfile that is a context entry is replaced by the text to build, not added twice', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM original\n', 'app.js': '1' });
  try {
    const { stream, dockerfilePath } = packContext(ctx.dir, ctx.entries, 'FROM rewritten\n', { dockerfilePath: 'Dockerfile' });
    assert.equal(dockerfilePath, 'Dockerfile');
    const items = await list(await toBuffer(stream));
    assert.deepEqual(
      items.filter((i) => i.name === 'Dockerfile').map((i) => i.body),
      ['FROM rewritten\n'],
    );
  } finally {
    ctx.cleanup();
  }
});

test('the generated Dockerfile name never collides with a context file', async () => {
  const first = packContext('/nonexistent', [], 'FROM x\n').dockerfilePath;
  const ctx = makeContext({ [first]: 'mine' });
  try {
    const { stream, dockerfilePath } = packContext(ctx.dir, ctx.entries, 'FROM x\n');
    assert.notEqual(dockerfilePath, first);
    const items = await list(await toBuffer(stream));
    assert.equal(items.find((i) => i.name === first)?.body, 'mine');
    assert.equal(items.find((i) => i.name === dockerfilePath)?.body, 'FROM x\n');
  } finally {
    ctx.cleanup();
  }
});

test('classic builder: the generated Dockerfile is listed in .dockerignore so the engine drops it', async () => {
  const ctx = makeContext({ '.dockerignore': 'secret\n', 'a.txt': 'a' });
  try {
    const { stream, dockerfilePath } = packContext(ctx.dir, ctx.entries, 'FROM x\n', { builder: 'classic' });
    const items = await list(await toBuffer(stream));
    const ignore = items.filter((i) => i.name === '.dockerignore');
    assert.equal(ignore.length, 1);
    assert.equal(ignore[0]!.body, `secret\n${dockerfilePath}\n`);
  } finally {
    ctx.cleanup();
  }
});

test('a file that vanished before packing gives context-read-failed naming it', async () => {
  const ctx = makeContext({ 'a.txt': 'a' });
  try {
    const stream = packEntries(ctx.dir, [...ctx.entries, { path: 'gone.txt', type: 'file', mode: 0o644, size: 1 }]);
    await assert.rejects(toBuffer(stream), (err: unknown) => isDevloopError(err) && err.code === 'context-read-failed' && /gone\.txt/.test(err.message));
  } finally {
    ctx.cleanup();
  }
});

test('a large file is streamed into the tar in chunks, never held whole in memory', async () => {
  const ctx = makeContext({ 'small.txt': 's' });
  const size = 512 * 1024 * 1024;
  const big = join(ctx.dir, 'big.bin');
  // Sparse: costs no disk; 'END' marks the last bytes so the tail is checked too.
  const fd = openSync(big, 'w');
  writeSync(fd, 'END', size - 3);
  closeSync(fd);
  try {
    const entries = [...ctx.entries, { path: 'big.bin', type: 'file' as const, mode: 0o644, size }];
    const before = process.memoryUsage().rss;
    let peak = before;
    const ex = extract();
    let got = 0;
    let tail = Buffer.alloc(0);
    const reading = (async () => {
      for await (const entry of ex) {
        for await (const c of entry as AsyncIterable<Buffer>) {
          if (entry.header.name === 'big.bin') {
            got += c.length;
            tail = Buffer.concat([tail, c]).subarray(-3);
          }
          peak = Math.max(peak, process.memoryUsage().rss);
        }
      }
    })();
    for await (const c of packEntries(ctx.dir, entries) as AsyncIterable<Uint8Array>) {
      if (!ex.write(c)) await new Promise<void>((r) => void ex.once('drain', () => r()));
    }
    ex.end(Buffer.alloc(0));
    await reading;
    assert.equal(got, size);
    assert.equal(tail.toString(), 'END');
    assert.ok(peak - before < 160 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB while packing a 512 MiB file`);
  } finally {
    ctx.cleanup();
  }
});

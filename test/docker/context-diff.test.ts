// Differential test of build contexts: every case of context-cases.ts is built twice on the same engine, once
// by devloop (walk, ignore rules, its own transfer) and once by the docker CLI with the engine's own BuildKit
// context handling, and the files under /ctx of the two images must be the same (paths, types, sizes, modes,
// link targets, contents). Then, per case, the devloop tag must change when, and only when, a file that the
// engine's image holds changes.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildImage } from '../../src/adapters/docker/build.js';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { relativeInside } from '../../src/files/filter.js';
import { hashEntries } from '../../src/files/hash.js';
import { contextIgnore } from '../../src/files/ignore.js';
import { walkContext } from '../../src/files/walk.js';
import { escapeName, fsPath } from '../../src/files/raw-names.js';
import { CASES, DOCKERFILE, type ContextCase } from './context-cases.js';
import { collect, request, uniqueRepo } from './helpers.js';
import { findDockerCli, imageFiles, type ImageFile } from './image-files.js';

const cli = findDockerCli();
const builder = new DockerImageBuilder();
const repo = uniqueRepo('devloop-test/ctxdiff');
const created: string[] = [];
const root = mkdtempSync(join(tmpdir(), 'devloop-ctxdiff-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
  if (cli && created.length) spawnSync(cli.bin, ['rmi', '-f', ...created], { env: cli.env, stdio: 'ignore' });
});

interface Laid {
  dir: string;
  context: string;
  dockerfile: string;
  files: (string | Buffer)[];
}

function lay(c: ContextCase, i: number): Laid {
  const dir = join(root, `case${i}`);
  const context = join(dir, c.context ?? '.');
  const dockerfile = join(dir, c.dockerfile ?? join(c.context ?? '.', 'Dockerfile'));
  mkdirSync(context, { recursive: true });
  const files: (string | Buffer)[] = [];
  const all: Record<string, string | Buffer> = { ...c.files };
  const dfRel = relativeInside(dir, dockerfile)!;
  if (!(dfRel in all)) all[dfRel] = DOCKERFILE;
  for (const [p, content] of Object.entries(all)) {
    const abs = join(dir, p);
    if (p.endsWith('/')) {
      mkdirSync(abs, { recursive: true });
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof content === 'string' && content.startsWith('->')) symlinkSync(content.slice(2), abs);
    else {
      writeFileSync(abs, content);
      files.push(abs);
    }
  }
  for (const [p, mode] of Object.entries(c.modes ?? {})) chmodSync(join(dir, p), mode);
  for (const name of c.raw ?? []) {
    const abs = fsPath(context, escapeName(name));
    writeFileSync(abs, 'raw');
    files.push(abs);
  }
  return { dir, context, dockerfile, files };
}

async function dockerSide(l: Laid, tag: string): Promise<ImageFile[] | Error> {
  const r = spawnSync(cli!.bin, [...cli!.build, '-q', '-f', l.dockerfile, '-t', tag, l.context], { env: cli!.env, encoding: 'utf8' });
  if (r.status !== 0) return new Error(r.stderr.trim());
  created.push(tag);
  return imageFiles(builder.client.docker, tag, '/ctx');
}

function devloopEntries(l: Laid) {
  const ci = contextIgnore({ context: l.context, dockerfile: l.dockerfile });
  return walkContext(l.context, ci.matcher);
}

async function devloopSide(l: Laid, tag: string): Promise<ImageFile[] | Error> {
  try {
    const entries = devloopEntries(l);
    const dockerfileText = readFileSync(l.dockerfile, 'utf8');
    const req = request({ dir: l.context, entries, cleanup: () => {} }, dockerfileText, tag, { dockerfilePath: relativeInside(l.context, l.dockerfile) });
    created.push(tag);
    await builder.build(req, collect());
  } catch (e) {
    return e as Error;
  }
  return imageFiles(builder.client.docker, tag, '/ctx');
}

function show(files: ImageFile[] | Error): string {
  if (files instanceof Error) return `error: ${files.message}`;
  return files.map((f) => `${f.type} ${f.mode} ${f.size} ${f.path}${f.link !== undefined ? ` -> ${f.link}` : ''} ${f.sha ?? ''}`).join('\n');
}

describe('build contexts: devloop sends what docker build sends', {
  skip: cli ? false : 'no docker CLI that builds with BuildKit (buildx, or a CLI before 23)',
  concurrency: 2,
}, () => {
  CASES.forEach((c, i) => {
    it(`${c.name}${c.from ? ` (from ${c.from})` : ''}`, async () => {
      const l = lay(c, i);
      const theirs = await dockerSide(l, `${repo}:d${i}`);
      const ours = await devloopSide(l, `${repo}:o${i}`);
      if (c.error) {
        assert.ok(theirs instanceof Error, `docker build should refuse this context; it built:\n${show(theirs)}`);
        assert.ok(ours instanceof Error, `devloop should refuse this context (docker says: ${theirs.message}); it built:\n${show(ours)}`);
        assert.match(ours.message, c.error);
        assert.doesNotMatch(ours.message, /\n\s+at /, 'no stack trace');
        return;
      }
      assert.equal(show(ours), show(theirs), 'devloop image (actual) vs docker build image (expected)');
      // The tag: changes when, and only when, a file that the engine copies changes.
      const shipped = new Set((theirs as ImageFile[]).map((f) => f.path));
      const skip = new Set([l.dockerfile, join(l.context, '.dockerignore'), `${l.dockerfile}.dockerignore`]);
      const before = hashEntries(l.context, devloopEntries(l));
      for (const abs of l.files) {
        const rel = typeof abs === 'string' ? relativeInside(l.context, abs) : escapeName(abs.subarray(Buffer.byteLength(l.context) + 1));
        if (rel === undefined || (typeof abs === 'string' && skip.has(abs))) continue;
        const content = readFileSync(abs);
        appendFileSync(abs, '+');
        const changed = hashEntries(l.context, devloopEntries(l)) !== before;
        writeFileSync(abs, content);
        assert.equal(changed, shipped.has(rel), `tag ${changed ? 'changed' : 'did not change'} when ${rel} changed`);
      }
    });
  });
});

// Class 1 of issue 14 on both builders: whatever the Dockerfile's place (excluded, outside the context, not named
// by only=), COPY . sees the user's files and nothing of devloop's.
describe("no file of devloop's in the image", { skip: cli ? false : 'no docker CLI to read images with' }, () => {
  const layouts: { name: string; c: ContextCase; only?: string[]; want: string[] }[] = [
    { name: 'Dockerfile excluded', c: { name: '', files: { 'a.txt': 'a', '.dockerignore': 'Dockerfile\n.dockerignore\n' } }, want: ['a.txt'] },
    { name: 'Dockerfile outside the context', c: { name: '', context: 'ctx', dockerfile: 'Dockerfile', files: { 'ctx/a.txt': 'a' } }, want: ['a.txt'] },
    {
      name: 'Dockerfile excluded, .dockerignore kept as it is',
      c: { name: '', files: { 'a.txt': 'a', '.dockerignore': 'Dockerfile\n' } },
      want: ['.dockerignore', 'a.txt'],
    },
    { name: 'only= not naming the Dockerfile', c: { name: '', files: { 'a.txt': 'a', 'b.txt': 'b' } }, only: ['a.txt'], want: ['a.txt'] },
  ];
  for (const builderKind of ['buildkit', 'classic'] as const) {
    layouts.forEach((x, i) => {
      it(`${builderKind}: ${x.name}`, async () => {
        const l = lay(x.c, 1000 + i + (builderKind === 'classic' ? 100 : 0));
        const ci = contextIgnore({ context: l.context, dockerfile: l.dockerfile, only: x.only });
        const entries = walkContext(l.context, ci.matcher);
        const tag = `${repo}:c1-${builderKind}-${i}`;
        created.push(tag);
        const info = { ...(await builder.engineInfo()), buildkit: builderKind === 'buildkit' };
        const req = request({ dir: l.context, entries, cleanup: () => {} }, readFileSync(l.dockerfile, 'utf8'), tag, {
          dockerfilePath: relativeInside(l.context, l.dockerfile),
        });
        await buildImage(builder.client, info, req, collect());
        const files = await imageFiles(builder.client.docker, tag, '/ctx');
        assert.deepEqual(
          files.map((f) => f.path),
          x.want,
        );
        const ignore = files.find((f) => f.path === '.dockerignore');
        if (ignore) assert.equal(ignore.size, Buffer.byteLength(String(x.c.files['.dockerignore'])), "the .dockerignore is the user's, unchanged");
      });
    });
  }
});

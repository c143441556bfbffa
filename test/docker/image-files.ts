/**
 * For the differential context tests: the files an image holds under one directory (paths, types, sizes,
 * modes, link targets, content digests), read from `docker export` of a created (never started) container,
 * and the Docker CLI that builds with the engine's own BuildKit context handling.
 */
import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { escapeName } from '../../src/files/raw-names.js';

export interface ImageFile {
  path: string;
  type: string;
  size: number;
  mode: string;
  link?: string;
  sha?: string;
}

export interface DockerCli {
  bin: string;
  /** Arguments before the build arguments: `build` (legacy CLI with DOCKER_BUILDKIT=1) or `buildx build --load`. */
  build: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * A docker CLI that builds a directory context through a BuildKit session (the engine's own context handling):
 * one with buildx, or a CLI older than 23 whose `build` does it itself with DOCKER_BUILDKIT=1.
 */
export function findDockerCli(): DockerCli | undefined {
  const env = { ...process.env, DOCKER_BUILDKIT: '1', DOCKER_CLI_HINTS: 'false' };
  for (const bin of ['docker', '/usr/bin/docker', '/usr/local/bin/docker']) {
    if (spawnSync(bin, ['buildx', 'version'], { env, stdio: 'ignore' }).status === 0) return { bin, build: ['buildx', 'build', '--load'], env };
    const v = spawnSync(bin, ['version', '--format', '{{.Client.Version}}'], { env, encoding: 'utf8' });
    const major = Number(/^(\d+)\./.exec(v.stdout ?? '')?.[1]);
    if (major > 0 && major < 23) return { bin, build: ['build'], env };
  }
  return undefined;
}

/** The entries of `image` below `/dir` (paths relative to it), sorted by path; read through the engine API. */
export async function imageFiles(docker: Docker, image: string, dir: string): Promise<ImageFile[]> {
  const c = await docker.createContainer({ Image: image, Entrypoint: ['/none'] });
  try {
    const chunks: Buffer[] = [];
    for await (const b of (await c.export()) as AsyncIterable<Buffer>) chunks.push(b);
    return listTar(Buffer.concat(chunks), dir);
  } finally {
    await c.remove({ force: true });
  }
}

/**
 * A tar's entries under `dir`, read header by header (ustar, GNU long names, PAX records) so that names keep
 * their bytes: Go writes a non-UTF-8 name as raw bytes in a PAX record, which tar libraries decode lossily.
 */
function listTar(tar: Buffer, dir: string): ImageFile[] {
  const out: ImageFile[] = [];
  const prefix = Buffer.from(dir.replace(/^\//, '') + '/');
  const str = (b: Buffer) => b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0));
  const num = (b: Buffer) => parseInt(str(b).toString('latin1').trim() || '0', 8);
  let pax: Record<string, Buffer> = {};
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = num(h.subarray(124, 136));
    const flag = String.fromCharCode(h[156] || 0x30);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x') {
      pax = {};
      for (let i = 0; i < body.length; ) {
        const sp = body.indexOf(0x20, i);
        const len = parseInt(body.subarray(i, sp).toString('latin1'), 10);
        const rec = body.subarray(sp + 1, i + len - 1);
        const eq = rec.indexOf(0x3d);
        pax[rec.subarray(0, eq).toString('latin1')] = rec.subarray(eq + 1);
        i += len;
      }
      continue;
    }
    if (flag === 'L' || flag === 'K') {
      if (flag === 'L') longName = str(body);
      else longLink = str(body);
      continue;
    }
    const ustarPrefix = str(h.subarray(345, 500));
    const plain = ustarPrefix.length ? Buffer.concat([ustarPrefix, Buffer.from('/'), str(h.subarray(0, 100))]) : str(h.subarray(0, 100));
    let nameBytes = pax.path ?? longName ?? plain;
    const link = pax.linkpath ?? longLink ?? str(h.subarray(157, 257));
    pax = {};
    longName = longLink = undefined;
    if (nameBytes[nameBytes.length - 1] === 0x2f) nameBytes = nameBytes.subarray(0, -1);
    if (!nameBytes.subarray(0, prefix.length).equals(prefix)) continue;
    const type = flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '0' ? 'file' : `type-${flag}`;
    const f: ImageFile = { path: escapeName(nameBytes.subarray(prefix.length)), type, size, mode: (num(h.subarray(100, 108)) & 0o7777).toString(8) };
    if (type === 'symlink') f.link = escapeName(link);
    if (type === 'file') f.sha = createHash('sha256').update(body).digest('hex').slice(0, 16);
    out.push(f);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * For the differential context tests: the files an image holds under one directory (paths, types, sizes,
 * modes, link targets, content digests), read from `docker export` of a created (never started) container,
 * and the Docker CLI that builds with the engine's own BuildKit context handling.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { extract } from 'tar-stream';

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

/** The entries of `image` below `/dir` (paths relative to it), sorted by path. */
export async function imageFiles(cli: DockerCli, image: string, dir: string): Promise<ImageFile[]> {
  const id = execFileSync(cli.bin, ['create', '--entrypoint', '/none', image], { env: cli.env, encoding: 'utf8' }).trim();
  try {
    const tar = execFileSync(cli.bin, ['export', id], { env: cli.env, maxBuffer: 1 << 30 });
    return await listTar(tar, dir);
  } finally {
    execFileSync(cli.bin, ['rm', '-f', id], { env: cli.env, stdio: 'ignore' });
  }
}

async function listTar(tar: Buffer, dir: string): Promise<ImageFile[]> {
  const ex = extract();
  const out: ImageFile[] = [];
  const prefix = dir.replace(/^\//, '') + '/';
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      const h = entry.header;
      const name = h.name.replace(/\/$/, '');
      if (!name.startsWith(prefix)) continue;
      const f: ImageFile = { path: name.slice(prefix.length), type: h.type ?? 'file', size: h.size ?? 0, mode: (h.mode ?? 0).toString(8) };
      if (h.type === 'symlink') f.link = h.linkname ?? '';
      if (h.type === 'file') f.sha = createHash('sha256').update(Buffer.concat(chunks)).digest('hex').slice(0, 16);
      out.push(f);
    }
  })();
  ex.end(tar);
  await done;
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

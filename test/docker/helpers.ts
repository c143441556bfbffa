/** Helpers for the Docker adapter tests: contexts on disk, output capture, running an image, cleanup. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContextEntry } from '../../src/files/types.js';
import type { BuildOutput, DockerBuildRequest } from '../../src/ports/image-builder.js';
import type { DockerClient } from '../../src/adapters/docker/client.js';
import { removeImage } from '../../src/adapters/docker/images.js';

export interface TestContext {
  dir: string;
  entries: ContextEntry[];
  cleanup(): void;
}

/** Files (path → content; content starting with '->' is a symlink target) written to a temp dir, with entries. */
export function makeContext(files: Record<string, string>, modes: Record<string, number> = {}): TestContext {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-ctx-'));
  const dirs = new Set<string>();
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    for (let d = dirname(path); d !== '.'; d = dirname(d)) dirs.add(d);
    if (content.startsWith('->')) symlinkSync(content.slice(2), abs);
    else writeFileSync(abs, content);
    if (modes[path] !== undefined) chmodSync(abs, modes[path]!);
  }
  const entries: ContextEntry[] = [];
  for (const d of dirs) entries.push({ path: d, type: 'dir', mode: 0o755, size: 0 });
  for (const [path, content] of Object.entries(files)) {
    const st = lstatSync(join(dir, path));
    if (content.startsWith('->')) entries.push({ path, type: 'symlink', mode: 0o777, size: 0, linkTarget: content.slice(2) });
    else entries.push({ path, type: 'file', mode: st.mode & 0o7777, size: st.size });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { dir, entries, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function collect(): BuildOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (t) => void lines.push(t) };
}

/** A repository name unique to this test run, e.g. `devloop-test/t-1a2b3c`. */
export function uniqueRepo(prefix = 'devloop-test/t'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function request(ctx: TestContext, dockerfileText: string, ref: string, extra: Partial<DockerBuildRequest> = {}): DockerBuildRequest {
  return { contextDir: ctx.dir, entries: ctx.entries, dockerfileText, buildArgs: {}, extraTags: [], pull: false, cacheFrom: [], extraHosts: [], ref, ...extra };
}

/** Run `image` (network none) to completion and return its output. */
export async function runImage(client: DockerClient, image: string, cmd?: string[]): Promise<string> {
  const container = await client.docker.createContainer({ Image: image, Cmd: cmd, Tty: true, HostConfig: { NetworkMode: 'none' } });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    return logs.toString('utf8').replace(/\r\n/g, '\n');
  } finally {
    await container.remove({ force: true });
  }
}

export async function removeImages(client: DockerClient, refs: string[]): Promise<void> {
  for (const ref of refs) await removeImage(client, ref);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

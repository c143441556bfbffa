/**
 * How a build's context and Dockerfile reach the engine.
 * - BuildKit: over a session (session.ts, filesync.ts), as `docker build` does: the context directory holds
 *   exactly the walked entries and the Dockerfile travels in a directory of its own, so no file of devloop's is
 *   ever in what COPY sees.
 * - Classic builder: a tar in the request body (context-tar.ts); a Dockerfile that is not a context file goes
 *   in under a generated name that is added to the tar's .dockerignore, which the classic builder honours for
 *   exactly that (as the docker CLI does for `-f` outside the context).
 * The Dockerfile is sent as the file's own bytes when devloop did not change its text (never re-encoded).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileDigest } from '../../files/hash.js';
import { fsPath, hasEscapes } from '../../files/raw-names.js';
import { DevloopError } from '../../model/errors.js';
import type { DockerBuildRequest, EngineInfo } from '../../ports/image-builder.js';
import type { DockerClient } from './client.js';
import { packContext } from './context-tar.js';
import { contentModTime, walkOrder, type SyncDir, type SyncEntry } from './filesync.js';
import { openSession } from './session.js';

export interface SentContext {
  /** The request body (classic builder), or none (BuildKit: the engine fetches files over the session). */
  body?: NodeJS.ReadableStream;
  /** Query parameters to add to POST /build. */
  query: Record<string, string>;
  /** Set when the body or the session failed (an unreadable file). */
  failure(): unknown;
  /** Called with the failure as soon as it happens (to abort the request). */
  onFailure(cb: (err: unknown) => void): void;
  close(): void;
}

/** The Dockerfile's bytes: the file as it is on disk when its text is what will be built, else the text. */
export function dockerfileBytes(req: DockerBuildRequest): Buffer {
  const text = Buffer.from(req.dockerfileText, 'utf8');
  if (req.dockerfilePath === undefined || !req.entries.some((e) => e.path === req.dockerfilePath && e.type === 'file')) return text;
  try {
    const onDisk = readFileSync(join(req.contextDir, req.dockerfilePath));
    return onDisk.toString('utf8') === req.dockerfileText ? onDisk : text;
  } catch {
    return text;
  }
}

/** What a BuildKit session serves: `context` (the walked entries, in walk order) and `dockerfile` (the Dockerfile alone). */
export function syncDirs(req: Pick<DockerBuildRequest, 'contextDir' | 'entries'>, dockerfile: Buffer): Map<string, SyncDir> {
  const context: SyncEntry[] = walkOrder(
    req.entries.map((e) => ({
      ...e,
      modTime: contentModTime(e.type === 'file' ? fileDigest(fsPath(req.contextDir, e.path), e) : undefined),
    })),
  );
  return new Map<string, SyncDir>([
    ['context', { root: req.contextDir, entries: context }],
    [
      'dockerfile',
      {
        root: '',
        entries: [
          {
            path: 'Dockerfile',
            type: 'file',
            mode: 0o644,
            size: dockerfile.length,
            content: dockerfile,
            modTime: contentModTime(createHash('sha256').update(dockerfile).digest('hex')),
          },
        ],
      },
    ],
  ]);
}

export async function sendContext(client: DockerClient, info: EngineInfo, req: DockerBuildRequest): Promise<SentContext> {
  const dockerfile = dockerfileBytes(req);
  if (!info.buildkit) {
    const raw = req.entries.find((e) => hasEscapes(e.path) || hasEscapes(e.linkTarget ?? ''));
    if (raw) {
      throw new DevloopError(
        'context-name-unsupported',
        `the build context ${req.contextDir} holds a file whose name is not UTF-8 (${JSON.stringify(raw.path)}), which the classic builder's tar cannot carry as is`,
        {
          hint: 'build with BuildKit (an engine with API 1.39 or later, DOCKER_BUILDKIT not 0), rename the file, or leave it out with .dockerignore',
        },
      );
    }
    const tar = packContext(req.contextDir, req.entries, dockerfile, { builder: 'classic', dockerfilePath: req.dockerfilePath });
    let failed: unknown;
    const cbs: ((e: unknown) => void)[] = [];
    tar.stream.on('error', (err) => {
      failed ??= err;
      for (const cb of cbs) cb(err);
    });
    return {
      body: tar.stream as unknown as NodeJS.ReadableStream,
      query: { dockerfile: tar.dockerfilePath },
      failure: () => failed,
      onFailure: (cb) => void cbs.push(cb),
      close: () => {},
    };
  }
  const dirs = syncDirs(req, dockerfile);
  const session = await openSession(client, dirs, req.contextDir);
  return {
    query: { dockerfile: 'Dockerfile', remote: 'client-session', session: session.id },
    failure: () => session.error(),
    onFailure: () => {},
    close: () => session.close(),
  };
}

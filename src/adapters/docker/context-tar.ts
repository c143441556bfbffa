/**
 * The build context as an uncompressed tar stream, from an already filtered entry list (files/walk.ts).
 * Headers are deterministic (fixed mtime, uid/gid 0, no user names, mode from the entry), so the same
 * entries and contents give a byte-identical tar. The Dockerfile is added from memory under a generated
 * name that no context entry has.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { readDockerignore } from '../../files/dockerignore.js';
import { dockerignoreMatcher } from '../../files/ignore.js';
import type { ContextEntry } from '../../files/types.js';
import { DevloopError } from '../../model/errors.js';

/** Fixed mtime of every entry: 2000-01-01 (not 1970, which zip-based tools reject). */
export const TAR_MTIME = new Date(Date.UTC(2000, 0, 1));
/** Bytes of file data written before waiting for the consumer. */
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_ENTRIES = 256;
/** Files larger than this are streamed into the tar in chunks, never held whole in memory. */
const STREAM_BYTES = 1024 * 1024;
const CHUNK = 256 * 1024;

type Headers = Partial<Header> & Pick<Header, 'name'>;

export interface ExtraFile {
  name: string;
  text: string | Buffer;
  mode?: number;
}

export interface ContextTar {
  stream: Pack;
  /** Tar path of the Dockerfile, to pass as the build's `dockerfile` option. */
  dockerfilePath: string;
}

/** A name for the in-memory Dockerfile that collides with no entry: `.devloop-dockerfile-<hash>`. */
export function dockerfileTarName(entries: readonly ContextEntry[], dockerfileText: string | Buffer): string {
  const taken = new Set(entries.map((e) => e.path));
  const hash = createHash('sha256').update(dockerfileText).digest('hex').slice(0, 12);
  let name = `.devloop-dockerfile-${hash}`;
  while (taken.has(name)) name = `_${name}`;
  return name;
}

/**
 * Pack `entries` (read from `contextDir`) plus the Dockerfile text into a tar stream.
 *
 * Where the Dockerfile goes: the engine unpacks the whole tar as the context, and `COPY . .` sees every file
 * in it (neither builder filters an uploaded tar with .dockerignore). So when the Dockerfile is itself a
 * context entry (`dockerfilePath`, relative), its text replaces that entry, exactly what a plain
 * `docker build` copies. Otherwise it goes under a generated name: the classic builder drops that file
 * when the root `.dockerignore` matches it, so the name is appended there (or a self-excluding
 * `.dockerignore` is added); BuildKit keeps it in the context (a known gap until the context is sent
 * through a BuildKit session instead of a tar).
 */
export function packContext(
  contextDir: string,
  entries: readonly ContextEntry[],
  dockerfileText: string | Buffer,
  opts: { builder?: 'buildkit' | 'classic'; dockerfilePath?: string } = {},
): ContextTar {
  const own = entries.find((e) => e.path === '.dockerignore' && e.type === 'file');
  const ownText = own ? readContextFile(contextDir, own.path).toString('utf8') : undefined;
  const inContext =
    opts.dockerfilePath !== undefined &&
    (entries.some((e) => e.path === opts.dockerfilePath && e.type === 'file') ||
      // Classic builder: a Dockerfile the sent .dockerignore excludes goes under its own path; the engine reads it and
      // then drops it from the context (as it does for `docker build` with the Dockerfile excluded).
      (opts.builder === 'classic' &&
        ownText !== undefined &&
        !entries.some((e) => e.path === opts.dockerfilePath) &&
        dockerignoreMatcher(readDockerignore(ownText), { file: '.dockerignore' }).excludes(opts.dockerfilePath)));
  const dockerfilePath = inContext ? opts.dockerfilePath! : dockerfileTarName(entries, dockerfileText);
  let list = inContext ? entries.filter((e) => e.path !== dockerfilePath) : entries;
  const extras: ExtraFile[] = [{ name: dockerfilePath, text: dockerfileText }];
  if (!inContext && opts.builder === 'classic') {
    const original = ownText ?? '.dockerignore\n';
    if (own) list = list.filter((e) => e !== own);
    extras.push({ name: '.dockerignore', text: `${original.replace(/\n?$/, '\n')}${dockerfilePath}\n`, mode: own ? own.mode & 0o7777 : 0o644 });
  }
  return { stream: packEntries(contextDir, list, extras), dockerfilePath };
}

/**
 * Pack entries and extra in-memory files. Files are read synchronously; every BATCH_ENTRIES entries or
 * BATCH_BYTES bytes the loop waits until tar-stream has taken the last entry, so memory stays bounded by
 * the consumer's pace and tar-stream's queue of pending entries stays short (it shifts an array).
 */
export function packEntries(contextDir: string, entries: readonly ContextEntry[], extras: readonly ExtraFile[] = []): Pack {
  const pack = tarPack();
  const settled = (header: Headers, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) quiet(pack.entry(header, body, done));
      else quiet(pack.entry(header, done));
    });
  void (async () => {
    let bytes = 0;
    let count = 0;
    for (const entry of entries) {
      if (entry.type === 'file' && entry.size > STREAM_BYTES) {
        count = bytes = 0;
        await streamFile(pack, contextDir, entry);
        continue;
      }
      const { header, body } = entryToTar(contextDir, entry);
      bytes += body?.byteLength ?? 0;
      if (++count >= BATCH_ENTRIES || bytes >= BATCH_BYTES) {
        count = bytes = 0;
        await settled(header, body);
      } else if (body) quiet(pack.entry(header, body));
      else quiet(pack.entry(header));
    }
    for (const x of extras) {
      quiet(pack.entry(fileHeader(x.name, x.mode ?? 0o644, Buffer.byteLength(x.text)), typeof x.text === 'string' ? Buffer.from(x.text) : x.text));
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return pack;
}

/** Stream one large file into the tar as an entry of the walked size; a file that changed size fails the build. */
async function streamFile(pack: Pack, contextDir: string, e: ContextEntry): Promise<void> {
  let sinkError: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header(e.path, 'file', e.mode & 0o7777 || 0o644, e.size), (err) => (err ? reject(err) : resolve()));
    void (async () => {
      try {
        const src = createReadStream(join(contextDir, e.path), { start: 0, end: e.size - 1, highWaterMark: CHUNK });
        for await (const chunk of src) {
          if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => void sink.once('drain', () => r()));
        }
        sink.end(undefined as never); // tar-stream's typings want an argument; end() takes none
      } catch (err) {
        sinkError = readFailure(contextDir, e.path, err);
        sink.destroy(sinkError);
      }
    })();
  });
  try {
    await done;
  } catch (err) {
    throw (
      sinkError ??
      new DevloopError('context-read-failed', `${e.path} in the build context ${contextDir} changed size while it was sent (${(err as Error).message})`, {
        hint: 'The next change will rebuild; if a tool keeps writing the file, leave it out with .dockerignore.',
        cause: err,
      })
    );
  }
}

/** A cancelled build destroys the pack, which destroys its pending entries: their errors are the pack's own (handled by its reader). */
function quiet(entry: NodeJS.EventEmitter): void {
  entry.on('error', () => undefined);
}

function entryToTar(contextDir: string, e: ContextEntry): { header: Headers; body?: Buffer } {
  const mode = e.mode & 0o7777;
  switch (e.type) {
    case 'dir':
      return { header: header(e.path, 'directory', mode || 0o755, 0) };
    case 'symlink': {
      const h = header(e.path, 'symlink', mode || 0o777, 0);
      h.linkname = e.linkTarget ?? '';
      return { header: h };
    }
    case 'file': {
      const body = readContextFile(contextDir, e.path, e.size);
      return { header: header(e.path, 'file', mode || 0o644, body.byteLength), body };
    }
  }
}

/**
 * Read a context file. With the size the walker saw, one open/read/close (no fstat); a file that shrank since
 * is cut to what is there, one that grew is read up to the walked size (a rebuild follows its change anyway).
 */
function readContextFile(contextDir: string, path: string, size?: number): Buffer {
  try {
    if (size === undefined) return readFileSync(join(contextDir, path));
    const fd = openSync(join(contextDir, path), 'r');
    try {
      const buf = Buffer.allocUnsafe(size);
      let n = 0;
      while (n < size) {
        const got = readSync(fd, buf, n, size - n, n);
        if (got === 0) break;
        n += got;
      }
      return n === size ? buf : buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw readFailure(contextDir, path, err);
  }
}

function readFailure(contextDir: string, path: string, err: unknown): DevloopError {
  const code = (err as { code?: string }).code;
  return new DevloopError('context-read-failed', `cannot read ${path} in the build context ${contextDir}: ${code ?? String(err)}`, {
    hint:
      code === 'ENOENT'
        ? 'The file was removed while the build started; the next change will rebuild.'
        : 'Check the file permissions, or add it to .dockerignore.',
    cause: err,
  });
}

function fileHeader(name: string, mode: number, size: number): Headers {
  return header(name, 'file', mode || 0o644, size);
}

function header(name: string, type: Header['type'], mode: number, size: number): Headers {
  return { name, type, mode, size, mtime: TAR_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
}

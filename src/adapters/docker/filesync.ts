/**
 * The sending side of BuildKit's file sync (fsutil DiffCopy), for the directories a build asks for over its
 * session: `context` (the walked entries, exactly what devloop's ignore rules keep) and `dockerfile` (the
 * Dockerfile alone, from memory). The Dockerfile therefore never lands in what COPY sees unless it is itself
 * a context file, as with `docker build`.
 *
 * Protocol: one STAT per entry in walk order (each directory before what it holds, names in byte order),
 * an empty STAT to end the list; the receiver asks for file contents by the index of their STAT (REQ), gets
 * them as DATA chunks closed by an empty DATA, and ends with FIN, which is answered with FIN.
 */
import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import type { ContextEntry } from '../../files/types.js';
import { fsPath, nameBytes } from '../../files/raw-names.js';
import { DevloopError } from '../../model/errors.js';
import { TAR_MTIME } from './context-tar.js';
import { PacketType, dataPacketFrom, decodePacket, encodePacket, goFileMode, type Stat } from './filesync-proto.js';

const CHUNK = 64 * 1024;
/** Files up to this size are read whole; larger ones are streamed. */
const SMALL_FILE = 1024 * 1024;
const BASE_NS = BigInt(TAR_MTIME.getTime()) * 1_000_000n;

export interface SyncEntry extends ContextEntry {
  /** Nanoseconds; the receiver re-asks for a file only when its size, mtime or mode changed. */
  modTime: bigint;
  /** Content from memory (the Dockerfile); otherwise read from disk. */
  content?: Buffer;
}

export interface SyncDir {
  root: string;
  /** In walk order (see walkOrder). */
  entries: SyncEntry[];
}

/** fsutil's walk order: by path components, names compared as bytes ('a/b' before 'a.txt'). */
export function walkOrder<T extends { path: string }>(entries: T[]): T[] {
  // UTF-16 order is byte order unless a path holds surrogates (characters beyond U+FFFF, or escaped bytes).
  if (!entries.some((e) => /[\uD800-\uDFFF]/.test(e.path))) {
    const keyed = entries.map((e) => ({ e, k: e.path.replaceAll('/', '\0') }));
    keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    return keyed.map((x) => x.e);
  }
  const keys = new Map(entries.map((e) => [e, nameBytes(e.path.replaceAll('/', '\0'))]));
  return entries.sort((a, b) => Buffer.compare(keys.get(a)!, keys.get(b)!));
}

/**
 * A stable mtime for a file's content: the fixed tar mtime plus up to a second derived from the content
 * digest, so the image is the same for the same files and a changed file is always sent again.
 */
export function contentModTime(digestHex: string | undefined): bigint {
  if (!digestHex) return BASE_NS;
  return BASE_NS + (BigInt('0x' + digestHex.slice(0, 12)) % 1_000_000_000n);
}

/** The entries a request names with followpaths / include-patterns (plus their parent directories), else all. */
function selected(entries: SyncEntry[], names: string[]): SyncEntry[] {
  if (names.length === 0) return entries;
  const clean = names.map((n) => n.replace(/^\.?\/+/, '').replace(/\/+$/, ''));
  return entries.filter((e) => clean.some((n) => e.path === n || e.path.startsWith(n + '/') || n.startsWith(e.path + '/')));
}

function statOf(e: SyncEntry): Stat {
  const s: Stat = { path: nameBytes(e.path), mode: goFileMode(e.type, e.mode || (e.type === 'dir' ? 0o755 : 0o644)), size: 0, modTime: e.modTime };
  if (e.type === 'file') s.size = e.content?.length ?? e.size;
  if (e.type === 'symlink') s.linkname = nameBytes(e.linkTarget ?? '');
  return s;
}

/** One gRPC bidirectional call, as session.ts serves it: messages in and out, and the request's metadata. */
export interface SyncCall {
  /** Values of a request header (a repeated header may come joined with ', '). */
  metadata: { get(key: string): string[] };
  /** Send one message; false when the stream wants a 'drain' first. */
  write(msg: Buffer): boolean;
  once(event: 'drain', fn: () => void): unknown;
  on(event: 'data', fn: (msg: Buffer) => void): unknown;
  /** End the call with status OK. */
  end(): void;
  /** End the call with an error status. */
  destroy(err: Error): void;
}
type Call = SyncCall;

/** Serve one DiffCopy call from `dirs` (by the `dir-name` the receiver asks for). */
export function serveDiffCopy(call: Call, dirs: ReadonlyMap<string, SyncDir>, onError: (err: Error) => void): void {
  const md = call.metadata;
  const name = String(md.get('dir-name')[0] ?? '');
  const dir = dirs.get(name);
  if (!dir) {
    call.destroy(new Error(`no access allowed to dir "${name}"`));
    return;
  }
  // Node's http2 joins a repeated header's values with ', '.
  const names = [...md.get('followpaths'), ...md.get('include-patterns')].flatMap((v) => String(v).split(', '));
  const list = selected(dir.entries, names);
  let chain = Promise.resolve();
  // Resolves at once while the stream takes more; waits for 'drain' when it is full.
  const send = async (buf: Buffer): Promise<void> => {
    if (!call.write(buf)) await new Promise<void>((resolve) => call.once('drain', resolve));
  };
  const then = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      onError(e);
      call.write(encodePacket({ type: PacketType.ERR, data: Buffer.from(e.message) }));
      call.end();
    });
  };
  then(async () => {
    for (const e of list) {
      if (!call.write(encodePacket({ type: PacketType.STAT, stat: statOf(e) }))) await new Promise<void>((resolve) => call.once('drain', resolve));
    }
    await send(encodePacket({ type: PacketType.STAT }));
  });
  call.on('data', (buf: Buffer) => {
    const p = decodePacket(buf);
    if (p.type === PacketType.REQ) {
      const e = list[p.id ?? 0];
      then(() => sendFile(dir.root, e, p.id ?? 0, send));
    } else if (p.type === PacketType.FIN) {
      then(async () => {
        await send(encodePacket({ type: PacketType.FIN }));
        call.end();
      });
    } else if (p.type === PacketType.ERR) {
      onError(new Error(`the builder stopped receiving files: ${p.data?.toString() ?? ''}`));
      call.end();
    }
  });
}

/** Read until `into` is full or the file ends; the bytes read. */
function readFully(fd: number, into: Buffer): number {
  let n = 0;
  while (n < into.length) {
    const got = readSync(fd, into, n, into.length - n, n);
    if (got === 0) break;
    n += got;
  }
  return n;
}

function readFailure(root: string, path: string, err: unknown): DevloopError {
  const code = (err as { code?: string }).code;
  return new DevloopError('context-read-failed', `cannot read ${path} in the build context ${root}: ${code ?? String(err)}`, {
    hint:
      code === 'ENOENT'
        ? 'The file was removed while the build started; the next change will rebuild.'
        : 'Check the file permissions, or add it to .dockerignore.',
    cause: err,
  });
}

async function sendFile(root: string, e: SyncEntry | undefined, id: number, send: (b: Buffer) => Promise<void>): Promise<void> {
  if (!e || e.type !== 'file') throw new Error(`the builder asked for file #${id}, which is not a file`);
  if (e.content || e.size <= SMALL_FILE) {
    // Small files (most of a context) are read straight into one packet: a read stream per file costs more.
    if (e.content) {
      for (let i = 0; i < e.content.length; i += CHUNK) await send(encodePacket({ type: PacketType.DATA, id, data: e.content.subarray(i, i + CHUNK) }));
    } else if (e.size > 0) {
      let packet: Buffer;
      try {
        const fd = openSync(fsPath(root, e.path), 'r');
        try {
          packet = dataPacketFrom(id, e.size, (into) => readFully(fd, into)).packet;
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        throw readFailure(root, e.path, err);
      }
      await send(packet);
    } else if (!existsSync(fsPath(root, e.path))) {
      throw readFailure(root, e.path, Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
    }
  } else {
    try {
      for await (const chunk of createReadStream(fsPath(root, e.path), { highWaterMark: CHUNK })) {
        await send(encodePacket({ type: PacketType.DATA, id, data: chunk as Buffer }));
      }
    } catch (err) {
      throw readFailure(root, e.path, err);
    }
  }
  await send(encodePacket({ type: PacketType.DATA, id }));
}

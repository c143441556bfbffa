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
import { createReadStream } from 'node:fs';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ContextEntry } from '../../files/types.js';
import { fsPath, nameBytes } from '../../files/raw-names.js';
import { DevloopError } from '../../model/errors.js';
import { TAR_MTIME } from './context-tar.js';
import { PacketType, decodePacket, encodePacket, goFileMode, type Stat } from './filesync-proto.js';

const CHUNK = 64 * 1024;
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
  const key = (p: string) => nameBytes(p.replaceAll('/', '\0'));
  const keys = new Map(entries.map((e) => [e, key(e.path)]));
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

type Call = ServerDuplexStream<Buffer, Buffer>;

/** Serve one DiffCopy call from `dirs` (by the `dir-name` the receiver asks for). */
export function serveDiffCopy(call: Call, dirs: ReadonlyMap<string, SyncDir>, onError: (err: Error) => void): void {
  const md = call.metadata;
  const name = String(md.get('dir-name')[0] ?? '');
  const dir = dirs.get(name);
  if (!dir) {
    call.destroy(new Error(`no access allowed to dir "${name}"`));
    return;
  }
  // grpc-js joins a repeated metadata value with ', '.
  const names = [...md.get('followpaths'), ...md.get('include-patterns')].flatMap((v) => String(v).split(', '));
  const list = selected(dir.entries, names);
  let chain = Promise.resolve();
  const send = (buf: Buffer): Promise<void> =>
    call.write(buf) ? Promise.resolve() : new Promise((resolve) => call.once('drain', resolve));
  const then = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      onError(e);
      call.write(encodePacket({ type: PacketType.ERR, data: Buffer.from(e.message) }));
      call.end();
    });
  };
  then(async () => {
    for (const e of list) await send(encodePacket({ type: PacketType.STAT, stat: statOf(e) }));
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
  call.on('error', () => {}); // a cancelled build closes the stream; the build's own result says why
}

async function sendFile(root: string, e: SyncEntry | undefined, id: number, send: (b: Buffer) => Promise<void>): Promise<void> {
  if (!e || e.type !== 'file') throw new Error(`the builder asked for file #${id}, which is not a file`);
  if (e.content) {
    for (let i = 0; i < e.content.length; i += CHUNK) await send(encodePacket({ type: PacketType.DATA, id, data: e.content.subarray(i, i + CHUNK) }));
  } else {
    try {
      for await (const chunk of createReadStream(fsPath(root, e.path), { highWaterMark: CHUNK })) {
        await send(encodePacket({ type: PacketType.DATA, id, data: chunk as Buffer }));
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new DevloopError('context-read-failed', `cannot read ${e.path} in the build context ${root}: ${code ?? String(err)}`, {
        hint: code === 'ENOENT' ? 'The file was removed while the build started; the next change will rebuild.' : 'Check the file permissions, or add it to .dockerignore.',
        cause: err,
      });
    }
  }
  await send(encodePacket({ type: PacketType.DATA, id }));
}

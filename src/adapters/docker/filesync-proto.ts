/**
 * The few protobuf messages of a BuildKit file-sync session, encoded and decoded by hand (no .proto loading):
 * fsutil's `Packet` {type=1, stat=2, ID=3, data=4} and `Stat` {path=1, mode=2, uid=3, gid=4, size=5,
 * modTime=6, linkname=7}, and the health check's answer.
 */

export const PacketType = { STAT: 0, REQ: 1, DATA: 2, FIN: 3, ERR: 4 } as const;

export interface Stat {
  /** Path bytes (POSIX, relative); may be any bytes, as file names are. */
  path: Buffer;
  /** Go os.FileMode bits: permissions plus type and special bits. */
  mode: number;
  size: number;
  /** Nanoseconds since the epoch. */
  modTime: bigint;
  linkname?: Buffer;
}

export interface Packet {
  type: number;
  stat?: Stat;
  id?: number;
  data?: Buffer;
}

/** Go's os.FileMode bits for a Unix mode (type bits and setuid/setgid/sticky moved where Go keeps them). */
export function goFileMode(type: 'file' | 'dir' | 'symlink', unixMode: number): number {
  let m = unixMode & 0o777;
  if (unixMode & 0o4000) m |= 1 << 23;
  if (unixMode & 0o2000) m |= 1 << 22;
  if (unixMode & 0o1000) m |= 1 << 20;
  if (type === 'dir') m |= 2 ** 31;
  if (type === 'symlink') m |= 1 << 27;
  return m >>> 0;
}

function varint(n: bigint | number): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

function field(no: number, wire: number): Buffer {
  return varint((no << 3) | wire);
}

function bytesField(no: number, b: Buffer): Buffer[] {
  return [field(no, 2), varint(b.length), b];
}

function encodeStat(s: Stat): Buffer {
  const parts: Buffer[] = [...bytesField(1, s.path)];
  if (s.mode) parts.push(field(2, 0), varint(s.mode));
  if (s.size) parts.push(field(5, 0), varint(s.size));
  if (s.modTime) parts.push(field(6, 0), varint(s.modTime));
  if (s.linkname?.length) parts.push(...bytesField(7, s.linkname));
  return Buffer.concat(parts);
}

export function encodePacket(p: Packet): Buffer {
  const parts: Buffer[] = [];
  if (p.type) parts.push(field(1, 0), varint(p.type));
  if (p.stat) parts.push(...bytesField(2, encodeStat(p.stat)));
  if (p.id) parts.push(field(3, 0), varint(p.id));
  if (p.data?.length) parts.push(...bytesField(4, p.data));
  return Buffer.concat(parts);
}

/** Decodes type, ID and data (what a receiver sends: REQ, FIN, ERR); other fields are skipped. */
export function decodePacket(buf: Buffer): Packet {
  const p: Packet = { type: 0 };
  let i = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated file-sync packet');
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const no = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = Number(readVarint());
      if (no === 1) p.type = v;
      else if (no === 3) p.id = v;
    } else if (wire === 2) {
      const len = Number(readVarint());
      if (no === 4) p.data = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`unexpected wire type ${wire} in a file-sync packet`);
  }
  return p;
}

/** grpc.health.v1.HealthCheckResponse { status: SERVING }. */
export const HEALTH_SERVING = Buffer.from([0x08, 0x01]);

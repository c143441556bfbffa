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

/** Bytes of a varint (numbers up to 2^53 as numbers, larger ones as bigint). */
function varintLength(v: number | bigint): number {
  let n = 1;
  if (typeof v === 'bigint') {
    while (v >= 0x80n) {
      v >>= 7n;
      n++;
    }
    return n;
  }
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** A sequential writer into one buffer sized in advance. */
class Out {
  readonly buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  varint(v: number | bigint): void {
    if (typeof v === 'bigint') {
      while (v >= 0x80n) {
        this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.pos++] = Number(v);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  bytes(no: number, b: Buffer): void {
    this.buf[this.pos++] = (no << 3) | 2;
    this.varint(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }
  num(no: number, v: number | bigint): void {
    this.buf[this.pos++] = no << 3;
    this.varint(v);
  }
}

function statLength(s: Stat): number {
  let n = 1 + varintLength(s.path.length) + s.path.length;
  if (s.mode) n += 1 + varintLength(s.mode);
  if (s.size) n += 1 + varintLength(s.size);
  if (s.modTime) n += 1 + varintLength(s.modTime);
  if (s.linkname?.length) n += 1 + varintLength(s.linkname.length) + s.linkname.length;
  return n;
}

export function encodePacket(p: Packet): Buffer {
  const statLen = p.stat ? statLength(p.stat) : 0;
  let size = 0;
  if (p.type) size += 1 + varintLength(p.type);
  if (p.stat) size += 1 + varintLength(statLen) + statLen;
  if (p.id) size += 1 + varintLength(p.id);
  if (p.data?.length) size += 1 + varintLength(p.data.length) + p.data.length;
  const o = new Out(size);
  if (p.type) o.num(1, p.type);
  if (p.stat) {
    const s = p.stat;
    o.buf[o.pos++] = (2 << 3) | 2;
    o.varint(statLen);
    o.bytes(1, s.path);
    if (s.mode) o.num(2, s.mode);
    if (s.size) o.num(5, s.size);
    if (s.modTime) o.num(6, s.modTime);
    if (s.linkname?.length) o.bytes(7, s.linkname);
  }
  if (p.id) o.num(3, p.id);
  if (p.data?.length) o.bytes(4, p.data);
  return o.buf;
}

/**
 * A DATA packet whose payload is read from `fd` straight into the packet (one buffer, no copy); `size` bytes at
 * most. Returns the packet and how many bytes were read.
 */
export function dataPacketFrom(id: number, size: number, read: (into: Buffer) => number): { packet: Buffer; n: number } {
  const head = 1 + 1 + (id ? 1 + varintLength(id) : 0) + 1 + varintLength(size);
  const o = new Out(head + size);
  o.num(1, PacketType.DATA);
  if (id) o.num(3, id);
  o.buf[o.pos++] = (4 << 3) | 2;
  o.varint(size);
  const n = read(o.buf.subarray(o.pos));
  if (n === size) return { packet: o.buf, n };
  return { packet: encodePacket({ type: PacketType.DATA, id, data: o.buf.subarray(o.pos, o.pos + n) }), n };
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

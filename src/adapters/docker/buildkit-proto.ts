/**
 * A minimal protobuf decoder for BuildKit's `moby.buildkit.v1.StatusResponse`, which dockerd sends base64
 * encoded in the `aux` field of `{"id":"moby.buildkit.trace"}` messages of a version-2 build.
 * Only the fields devloop shows are decoded (moby/buildkit api/services/control/control.proto); unknown
 * fields are skipped, so newer engines that add fields still decode.
 */

export interface BkVertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch. */
  started?: number;
  completed?: number;
  error: string;
}

export interface BkStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  completed?: number;
}

export interface BkLog {
  vertex: string;
  /** 1 stdout, 2 stderr */
  stream: number;
  data: Buffer;
}

export interface BkStatusResponse {
  vertexes: BkVertex[];
  statuses: BkStatus[];
  logs: BkLog[];
}

export function decodeStatusResponse(buf: Buffer): BkStatusResponse {
  const out: BkStatusResponse = { vertexes: [], statuses: [], logs: [] };
  for (const [field, value] of fields(buf)) {
    if (!Buffer.isBuffer(value)) continue;
    if (field === 1) out.vertexes.push(decodeVertex(value));
    else if (field === 2) out.statuses.push(decodeStatus(value));
    else if (field === 3) out.logs.push(decodeLog(value));
  }
  return out;
}

function decodeVertex(buf: Buffer): BkVertex {
  const v: BkVertex = { digest: '', inputs: [], name: '', cached: false, error: '' };
  for (const [field, value] of fields(buf)) {
    if (field === 1) v.digest = str(value);
    else if (field === 2) v.inputs.push(str(value));
    else if (field === 3) v.name = str(value);
    else if (field === 4) v.cached = value === 1;
    else if (field === 5) v.started = timestamp(value);
    else if (field === 6) v.completed = timestamp(value);
    else if (field === 7) v.error = str(value);
  }
  return v;
}

function decodeStatus(buf: Buffer): BkStatus {
  const s: BkStatus = { id: '', vertex: '', name: '', current: 0, total: 0 };
  for (const [field, value] of fields(buf)) {
    if (field === 1) s.id = str(value);
    else if (field === 2) s.vertex = str(value);
    else if (field === 3) s.name = str(value);
    else if (field === 4 && typeof value === 'number') s.current = value;
    else if (field === 5 && typeof value === 'number') s.total = value;
    else if (field === 8) s.completed = timestamp(value);
  }
  return s;
}

function decodeLog(buf: Buffer): BkLog {
  const l: BkLog = { vertex: '', stream: 0, data: Buffer.alloc(0) };
  for (const [field, value] of fields(buf)) {
    if (field === 1) l.vertex = str(value);
    else if (field === 3 && typeof value === 'number') l.stream = value;
    else if (field === 4 && Buffer.isBuffer(value)) l.data = value;
  }
  return l;
}

/** google.protobuf.Timestamp → ms since the epoch. */
function timestamp(value: number | Buffer): number | undefined {
  if (!Buffer.isBuffer(value)) return undefined;
  let seconds = 0;
  let nanos = 0;
  for (const [field, v] of fields(value)) {
    if (field === 1 && typeof v === 'number') seconds = v;
    else if (field === 2 && typeof v === 'number') nanos = v;
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

function str(value: number | Buffer): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : '';
}

/** Iterate (field number, value): varints as numbers, length-delimited as Buffers; fixed-size skipped. */
function* fields(buf: Buffer): Generator<[number, number | Buffer]> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = varint(buf, pos);
    pos = afterKey;
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case 0: {
        const [v, next] = varint(buf, pos);
        pos = next;
        yield [field, v];
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const [len, start] = varint(buf, pos);
        pos = start + len;
        if (pos > buf.length) throw new Error('truncated BuildKit status message');
        yield [field, buf.subarray(start, pos)];
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${key % 8} in BuildKit status message`);
    }
  }
}

/** Decode a varint as a JS number (exact up to 2^53, enough for timestamps and sizes). */
function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint in BuildKit status message');
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return [result, pos];
    scale *= 128;
  }
}

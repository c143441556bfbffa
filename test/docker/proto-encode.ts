/** A tiny protobuf encoder for BuildKit StatusResponse messages, to feed the decoder and printer in tests. */

export interface VertexIn {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: number; // ms
  completed?: number; // ms
  error?: string;
}
export interface LogIn {
  vertex: string;
  data: string;
  stream?: number;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, b: Buffer) => Buffer.concat([key(field, 2), varint(b.length), b]);
const strField = (field: number, s: string) => bytesField(field, Buffer.from(s));
const intField = (field: number, n: number) => Buffer.concat([key(field, 0), varint(n)]);
const ts = (field: number, ms: number) => bytesField(field, Buffer.concat([intField(1, Math.floor(ms / 1000)), intField(2, (ms % 1000) * 1e6)]));

export function encodeStatus(vertexes: VertexIn[], logs: LogIn[] = []): Buffer {
  const parts: Buffer[] = [];
  for (const v of vertexes) {
    const f: Buffer[] = [strField(1, v.digest)];
    if (v.name) f.push(strField(3, v.name));
    if (v.cached) f.push(intField(4, 1));
    if (v.started !== undefined) f.push(ts(5, v.started));
    if (v.completed !== undefined) f.push(ts(6, v.completed));
    if (v.error) f.push(strField(7, v.error));
    // an unknown field (progress group, 8) that the decoder must skip
    f.push(bytesField(8, strField(1, 'pg')));
    parts.push(bytesField(1, Buffer.concat(f)));
  }
  for (const l of logs) {
    parts.push(bytesField(3, Buffer.concat([strField(1, l.vertex), ts(2, 1), intField(3, l.stream ?? 1), bytesField(4, Buffer.from(l.data))])));
  }
  return Buffer.concat(parts);
}

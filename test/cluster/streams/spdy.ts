// The server side of a SPDY/3.1 session, enough for kubectl port-forward (which tunnels SPDY through a
// WebSocket): client-opened streams with their headers, DATA both ways with FIN half-close, RST_STREAM, PING.
// Header blocks from the client are zlib-compressed with one context for the whole session; ours are sent as
// stored (uncompressed) deflate blocks, which any zlib reader accepts without sharing our history.
import zlib from 'node:zlib';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';

const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 };
const FLAG_FIN = 0x01;
const MAX_DATA = 64 * 1024;

export class SpdyStream {
  onData: (b: Buffer) => void = () => {};
  onEnd: () => void = () => {};
  remoteEnded = false;
  localEnded = false;

  constructor(
    private session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {}

  write(b: Buffer): void {
    if (this.localEnded) return;
    for (let i = 0; i < b.length; i += MAX_DATA) this.session.sendData(this.id, b.subarray(i, i + MAX_DATA), false);
  }

  /** half-close: no more data from us */
  end(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.session.sendData(this.id, Buffer.alloc(0), true);
  }

  reset(): void {
    this.localEnded = true;
    this.session.sendRst(this.id);
  }

  /** called by the session when the peer half-closes or resets */
  remoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.onEnd();
  }
}

export class SpdySession {
  private buf: Buffer = Buffer.alloc(0);
  private streams = new Map<number, SpdyStream>();
  private compressedHeaders: Buffer[] = [];
  private inflatedLength = 0;
  private sentHeaderPrefix = false;
  private closed = false;

  constructor(
    private send: (frame: Buffer) => void,
    private onStream: (s: SpdyStream) => void,
    private onClose: () => void = () => {},
  ) {}

  /** feeds bytes received from the peer */
  receive(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) return;
      const frame = this.buf.subarray(0, 8 + length);
      this.buf = this.buf.subarray(8 + length);
      this.handle(frame);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.remoteEnd();
    this.streams.clear();
    this.onClose();
  }

  sendData(id: number, data: Buffer, fin: boolean): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h.writeUInt8(fin ? FLAG_FIN : 0, 4);
    h.writeUIntBE(data.length, 5, 3);
    this.send(Buffer.concat([h, data]));
  }

  sendRst(id: number, status = 5 /* CANCEL */): void {
    const body = Buffer.alloc(8);
    body.writeUInt32BE(id, 0);
    body.writeUInt32BE(status, 4);
    this.sendControl(TYPE.RST_STREAM, 0, body);
  }

  private handle(frame: Buffer): void {
    const flags = frame[4];
    const body = frame.subarray(8);
    if (!(frame[0] & 0x80)) {
      const s = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
      if (!s) return;
      if (body.length) s.onData(body);
      if (flags & FLAG_FIN) s.remoteEnd();
      return;
    }
    const type = frame.readUInt16BE(2);
    switch (type) {
      case TYPE.SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = this.headerBlock(body.subarray(10));
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        this.sendReply(id);
        this.onStream(s);
        if (flags & FLAG_FIN) s.remoteEnd();
        break;
      }
      case TYPE.HEADERS:
        this.headerBlock(body.subarray(4));
        break;
      case TYPE.RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        this.streams.delete(id);
        if (s) {
          s.localEnded = true;
          s.remoteEnd();
        }
        break;
      }
      case TYPE.PING:
        this.send(frame);
        break;
      case TYPE.GOAWAY:
        this.close();
        break;
      // SETTINGS and WINDOW_UPDATE: spdystream does no flow control, nor do we
    }
  }

  /** decompresses one header block: the session's blocks form one zlib stream, so inflate them all again */
  private headerBlock(block: Buffer): Record<string, string> {
    this.compressedHeaders.push(block);
    const all = zlib.inflateSync(Buffer.concat(this.compressedHeaders), { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const raw = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    const headers: Record<string, string> = {};
    let i = 4;
    for (let n = raw.readUInt32BE(0); n > 0; n--) {
      const nl = raw.readUInt32BE(i);
      const name = raw.subarray(i + 4, i + 4 + nl).toString();
      i += 4 + nl;
      const vl = raw.readUInt32BE(i);
      headers[name] = raw.subarray(i + 4, i + 4 + vl).toString();
      i += 4 + vl;
    }
    return headers;
  }

  private sendReply(id: number): void {
    const empty = Buffer.alloc(4); // zero header pairs
    const stored = Buffer.from([0x00, empty.length, 0x00, ~empty.length & 0xff, 0xff]);
    const prefix = this.sentHeaderPrefix ? Buffer.alloc(0) : Buffer.from([0x78, 0x01]); // zlib header, no dictionary
    this.sentHeaderPrefix = true;
    const body = Buffer.alloc(4);
    body.writeUInt32BE(id, 0);
    // the empty stored block after the data is the sync-flush marker: Go's inflater only hands data out on it
    const flush = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
    this.sendControl(TYPE.SYN_REPLY, 0, Buffer.concat([body, prefix, stored, empty, flush]));
  }

  private sendControl(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | 3, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt8(flags, 4);
    h.writeUIntBE(body.length, 5, 3);
    this.send(Buffer.concat([h, body]));
  }
}

/**
 * A BuildKit session with the engine (POST /session, upgraded to HTTP/2 on the same connection), on which
 * devloop serves the build's files (filesync.ts) and the health check that keeps the session alive.
 * The engine is the gRPC client here and calls the methods listed in the session's headers. gRPC over HTTP/2 is
 * served with Node's own http2 module: each message is a 5-byte prefix (compressed flag, length) and the bytes;
 * a call ends with the trailer grpc-status.
 */
import { createHash, randomUUID } from 'node:crypto';
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { DockerClient } from './client.js';
import { HEALTH_SERVING } from './filesync-proto.js';
import { serveDiffCopy, type SyncCall, type SyncDir } from './filesync.js';

const DIFF_COPY = '/moby.filesync.v1.FileSync/DiffCopy';
const HEALTH = '/grpc.health.v1.Health/Check';
const GRPC_OK = 0;
const GRPC_UNKNOWN = 2;
const GRPC_UNIMPLEMENTED = 12;

export interface BuildSession {
  id: string;
  /** The first failure while serving files (a file that could not be read), if any. */
  error(): Error | undefined;
  close(): void;
}

/**
 * Open a session serving `dirs`. `sharedKeyOf` (the context directory) lets the engine keep what it received for
 * the next build of the same context and ask only for what changed, as the docker CLI does.
 */
export function openSession(client: DockerClient, dirs: ReadonlyMap<string, SyncDir>, sharedKeyOf: string): Promise<BuildSession> {
  const id = randomUUID();
  const sharedKey = createHash('sha256').update(`devloop\0${sharedKeyOf}`).digest('hex').slice(0, 32);
  const opts = {
    method: 'POST',
    path: '/session',
    hijack: true,
    headers: {
      Upgrade: 'h2c',
      'X-Docker-Expose-Session-Uuid': id,
      'X-Docker-Expose-Session-Name': 'devloop',
      'X-Docker-Expose-Session-Sharedkey': sharedKey,
      'X-Docker-Expose-Session-Grpc-Method': [DIFF_COPY, HEALTH],
    },
    statusCodes: { 101: true, 200: true, 500: 'server error' },
  };
  return new Promise((resolve, reject) => {
    client.docker.modem.dial(opts, (err: unknown, socket: unknown) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      let failure: Error | undefined;
      const server = http2.createServer();
      server.on('stream', (stream, headers) => {
        const path = headers[':path'];
        if (path === HEALTH) serveHealth(stream);
        else if (path === DIFF_COPY) serveDiffCopy(grpcCall(stream, headers), dirs, (e) => void (failure ??= e));
        else finish(stream, GRPC_UNIMPLEMENTED, `devloop does not serve ${String(path)}`);
      });
      server.on('sessionError', () => {});
      const sock = socket as Socket;
      sock.on('error', () => {}); // the engine closing the session mid-build shows in the build's own result
      server.emit('connection', sock);
      resolve({
        id,
        error: () => failure,
        close() {
          sock.destroy();
          server.close();
        },
      });
    });
  });
}

function respond(stream: ServerHttp2Stream): void {
  if (!stream.headersSent) stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
}

function finish(stream: ServerHttp2Stream, status: number, message?: string): void {
  if (stream.closed || stream.destroyed) return;
  respond(stream);
  stream.once('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': String(status), ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}) }),
  );
  stream.end();
}

function frame(msg: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = 0;
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** Calls `fn` with each whole gRPC message of the stream's data. */
function onMessages(stream: ServerHttp2Stream, fn: (msg: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      fn(buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
    }
  });
}

function serveHealth(stream: ServerHttp2Stream): void {
  stream.on('error', () => {});
  respond(stream);
  stream.write(frame(HEALTH_SERVING));
  finish(stream, GRPC_OK);
}

function grpcCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): SyncCall {
  stream.on('error', () => {}); // a cancelled build resets the stream; the build's own result says why
  respond(stream);
  return {
    metadata: {
      get: (key) => {
        const v = headers[key];
        return v === undefined ? [] : Array.isArray(v) ? v : [v];
      },
    },
    write: (msg) => !stream.destroyed && stream.write(frame(msg)),
    once: (event, fn) => stream.once(event, fn),
    on: (event, fn) => onMessages(stream, fn),
    end: () => finish(stream, GRPC_OK),
    destroy: (err) => finish(stream, GRPC_UNKNOWN, err.message),
  };
}

// pods/NAME/portforward over WebSocket, in the two forms clients use:
//  - SPDY/3.1+portforward.k8s.io (kubectl >= 1.31): SPDY frames tunneled in binary messages; each connection is
//    a pair of streams (error, data) sharing a requestID, with the port in the stream headers;
//  - v4.channel.k8s.io (@kubernetes/client-node): one connection per port given in ?ports=, channels 2i (data)
//    and 2i+1 (error), each opened by a message carrying the port number (little-endian uint16).
// Either way the bytes reach 127.0.0.1:PORT inside the container through the container's relay (relay.ts):
// one exec'd process per container multiplexing every connection, so a new connection costs one frame.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { errors } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { Kubelet } from '../kubelet/kubelet.js';
import { channelServer, sendChannel } from './channels.js';
import { containerForPort } from './pick.js';
import type { RelayPool, RelayConnection } from './relay.js';
import { SpdySession, type SpdyStream } from './spdy.js';

const SPDY_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
// `/` is not a token character, so ws refuses the protocol as sent: it is renamed on the way in and back out
const SPDY_TOKEN = 'SPDY-3.1-portforward.k8s.io';
const wss = channelServer([SPDY_TOKEN, 'v4.channel.k8s.io', 'portforward.k8s.io']);
wss.on('headers', (headers: string[]) => {
  const i = headers.indexOf(`Sec-WebSocket-Protocol: ${SPDY_TOKEN}`);
  if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_TUNNEL}`;
});

export function servePortForward(
  kubelet: Kubelet,
  relays: RelayPool,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  pod: KubeObject,
  q: URLSearchParams,
): void {
  if (pod.status?.phase !== 'Running') throw errors.badRequest(`unable to forward port because pod is not running. Current status=${pod.status?.phase}`);
  const worker = kubelet.worker(pod.metadata.uid!);
  if (!worker) throw errors.badRequest('pod is not running on this node');
  const containerFor = (port: number) => {
    const name = containerForPort(pod, port);
    const id = worker.isRunning(name) ? worker.containerId(name, false) : undefined;
    if (!id) throw new Error(`container "${name}" is not running`);
    return id;
  };
  const describe = (port: number, why: string) =>
    `error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: failed to connect to localhost:${port} inside the container: ${why}`;
  const ports = q
    .getAll('ports')
    .flatMap((p) => p.split(','))
    .filter(Boolean)
    .map(Number);

  const offered = req.headers['sec-websocket-protocol'];
  if (offered)
    req.headers['sec-websocket-protocol'] = offered
      .split(',')
      .map((p) => (p.trim() === SPDY_TUNNEL ? SPDY_TOKEN : p.trim()))
      .join(', ');
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (ws.protocol === SPDY_TOKEN) spdyForward(ws, relays, containerFor, describe);
    else channelForward(ws, relays, ports, containerFor, describe);
  });
}

function spdyForward(ws: WebSocket, relays: RelayPool, containerFor: (port: number) => string, describe: (port: number, why: string) => string): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  const open = new Set<RelayConnection>();
  let closed = false;
  const session = new SpdySession(
    (frame) => ws.readyState === ws.OPEN && ws.send(frame),
    (stream) => {
      const id = stream.headers['requestid'] ?? String(stream.id);
      const pair = pairs.get(id) ?? {};
      pairs.set(id, pair);
      if (stream.headers['streamtype'] === 'error') pair.error = stream;
      else pair.data = stream;
      if (!pair.error || !pair.data) return;
      pairs.delete(id);
      const { error, data } = pair;
      const port = Number(data.headers['port']);
      const pending: Buffer[] = [];
      let conn: RelayConnection | undefined;
      let remoteEnded = false;
      data.onData = (b) => (conn ? conn.write(b) : pending.push(b));
      data.onEnd = () => (conn ? conn.end() : (remoteEnded = true));
      void (async () => {
        try {
          conn = await relays.connect(containerFor(port), port);
        } catch (e) {
          error.write(Buffer.from(describe(port, (e as Error).message)));
          error.end();
          data.end();
          return;
        }
        if (closed) return conn.close();
        open.add(conn);
        for (const b of pending) conn.write(b);
        if (remoteEnded) conn.end();
        conn.onData((b) => data.write(b));
        const failure = await conn.done;
        open.delete(conn);
        if (failure) error.write(Buffer.from(describe(port, failure)));
        data.end();
        error.end();
      })();
    },
  );
  ws.on('message', (b: Buffer) => session.receive(b));
  ws.on('close', () => {
    closed = true;
    session.close();
    for (const c of open) c.close();
  });
}

function channelForward(
  ws: WebSocket,
  relays: RelayPool,
  ports: number[],
  containerFor: (port: number) => string,
  describe: (port: number, why: string) => string,
): void {
  if (!ports.length) {
    ws.close(1008, 'query parameter "ports" is required');
    return;
  }
  const conns: Array<RelayConnection | undefined> = [];
  const pending = new Map<number, Buffer[]>();
  let closed = false;
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port, 0);
    sendChannel(ws, 2 * i, portBytes);
    sendChannel(ws, 2 * i + 1, portBytes);
    pending.set(i, []);
    void (async () => {
      let conn: RelayConnection;
      try {
        conn = await relays.connect(containerFor(port), port);
      } catch (e) {
        sendChannel(ws, 2 * i + 1, Buffer.from(describe(port, (e as Error).message)));
        ws.close(1000);
        return;
      }
      if (closed) return conn.close();
      conns[i] = conn;
      for (const b of pending.get(i) ?? []) conn.write(b);
      pending.delete(i);
      conn.onData((b) => sendChannel(ws, 2 * i, b));
      const failure = await conn.done;
      if (failure) sendChannel(ws, 2 * i + 1, Buffer.from(describe(port, failure)));
      ws.close(1000);
    })();
  });
  ws.on('message', (data: Buffer) => {
    if (data.length < 1 || data[0] % 2 !== 0) return;
    const i = data[0] / 2;
    const conn = conns[i];
    if (conn) conn.write(data.subarray(1));
    else pending.get(i)?.push(data.subarray(1));
  });
  ws.on('close', () => {
    closed = true;
    for (const c of conns) c?.close();
  });
}

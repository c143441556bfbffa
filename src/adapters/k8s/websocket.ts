/**
 * Opening the API server's WebSocket streams (exec, portforward) for client-node's Exec and PortForward.
 * Replaces client-node's WebSocketHandler, which (1) reports a refused upgrade only as "Unexpected server
 * response: 404", losing the Status message ("container x is not valid for pod y"), and (2) ends
 * process.stdout when the server sends a close-stream frame.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { WebSocketInterface } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { toApiError } from './rest.js';

/** v5 first: it can close stdin alone (the [255, 0] frame), so `tar -x` sees EOF and the exit status still arrives. */
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const CONNECT_TIMEOUT_MS = 15_000;
/** v5 close-stream frame from the server ([255, n]); nothing to do for our collectors. */
const CLOSE_STREAM = 255;

export class WsConnector implements WebSocketInterface {
  constructor(
    private readonly kc: KubeConfig,
    private readonly server: URL,
  ) {}

  async connect(
    path: string,
    textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null,
  ): Promise<WebSocket> {
    const opts: WebSocket.ClientOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    delete opts.agent; // one connection per stream anyway; a fresh agent per call is pointless
    const scheme = this.server.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${this.server.host}${this.server.pathname.replace(/\/$/, '')}${path}`;
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, PROTOCOLS, { ...opts, perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => undefined);
        res.on('end', () => {
          reject(toApiError(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8')));
          ws.terminate();
        });
      });
      ws.on('error', reject); // after open this is a no-op; 'close' follows and the users watch that
      ws.once('open', () => resolve(ws));
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        try {
          if (!isBinary) {
            if (textHandler && !textHandler(data.toString('utf8'))) ws.close();
          } else if (data.length >= 1 && data[0] !== CLOSE_STREAM) {
            if (binaryHandler && !binaryHandler(data[0], data.subarray(1))) ws.close();
          }
        } catch {
          ws.terminate(); // a frame the handler does not understand: end the stream, never the process
        }
      });
    });
  }
}

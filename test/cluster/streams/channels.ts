// The Kubernetes WebSocket channel protocol (v4/v5.channel.k8s.io): every binary message starts with its
// channel number; v5 adds channel 255 to half-close a channel ([255, channel]).
import { WebSocketServer, type WebSocket } from 'ws';

export const STDIN = 0,
  STDOUT = 1,
  STDERR = 2,
  ERROR = 3,
  RESIZE = 4,
  CLOSE = 255;

/** a WebSocket server for one kind of upgrade, taking the first of `preferred` that the client offers */
export function channelServer(preferred: string[]): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => preferred.find((p) => offered.has(p)) ?? false,
  });
}

export function sendChannel(ws: WebSocket, channel: number, data: Buffer): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(Buffer.concat([Buffer.from([channel]), data]));
}

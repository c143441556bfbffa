/**
 * One forwarded connection to a pod port as a Duplex, over one WebSocket (client-node `PortForward`).
 * Bytes written go to the pod's port; bytes from it are readable; an error the kubelet reports on the error
 * channel ("connection refused") destroys the stream with a DevloopError.
 */
import { Duplex, PassThrough, Writable } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { DevloopError } from '../../model/errors.js';
import type { K8s } from './context.js';
import { mapError, POD_GONE } from './errors.js';
import type { WsConnector } from './websocket.js';

export async function portForward(k: K8s, connector: WsConnector, namespace: string, pod: string, port: number): Promise<Duplex> {
  // Never ended: client-node closes the whole socket when its input ends, which would drop the answer to a
  // client that half-closes. The WebSocket closes when the pod side closes or the Duplex is destroyed.
  const input = new PassThrough();
  let ws: WebSocket | undefined;
  let errText = '';
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      input.write(chunk);
      cb();
    },
    final(cb) {
      cb();
    },
    destroy(e, cb) {
      input.destroy();
      if (ws && ws.readyState !== ws.CLOSED) ws.close();
      cb(e);
    },
  });
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!duplex.destroyed) duplex.push(chunk);
      cb();
    },
  });
  const fail = () => {
    if (duplex.destroyed) return;
    duplex.destroy(
      new DevloopError('port-forward-failed', `forwarding to port ${port} failed: ${errText.trim()}`, {
        object: `Pod/${pod}`,
        hint: `Is the container listening on port ${port}? Check the port in port_forwards and the server's listen address.`,
      }),
    );
  };
  const errors = new Writable({
    write(chunk: Buffer, _enc, cb) {
      errText += chunk.toString('utf8');
      if (errText.trim()) setImmediate(fail); // an error ends this connection, whether or not the socket closes
      cb();
    },
  });
  try {
    ws = (await new PortForward(k.kc, true, connector).portForward(namespace, pod, [port], output, errors, input)) as unknown as WebSocket;
  } catch (e) {
    throw mapError(k.info, e, `Pod/${pod}`, `port-forward to port ${port} failed`, POD_GONE);
  }
  ws.on('close', () => {
    if (errText.trim()) fail();
    else if (!duplex.destroyed) duplex.push(null);
  });
  return duplex;
}

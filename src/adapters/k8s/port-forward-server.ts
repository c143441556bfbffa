/**
 * A local listener that forwards each accepted TCP connection to the CURRENT ready pod (resolved per
 * connection, so it follows pod replacements), through Cluster.portForward. A failing connection is
 * reported and closed; the listener stays up.
 */
import net from 'node:net';
import { pipeline } from 'node:stream';
import { DevloopError } from '../../model/errors.js';
import type { Cluster } from '../../ports/cluster.js';
import { findPortOwner } from './port-owner.js';

export interface PortForwardServerOptions {
  host?: string;
  /** 0 picks a free port (see `port` of the result). */
  localPort: number;
  containerPort: number;
  resolvePod: () => Promise<{ namespace: string; pod: string } | undefined>;
  cluster: Pick<Cluster, 'portForward'>;
  onError?: (e: Error) => void;
}

export interface PortForwardServer {
  host: string;
  port: number;
  /** Stops listening and closes the forwarded connections. */
  close(): Promise<void>;
}

/** The client hanging up is not worth a message. */
const BENIGN = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

export async function startPortForward(opts: PortForwardServerOptions): Promise<PortForwardServer> {
  const host = opts.host ?? '127.0.0.1';
  const conns = new Set<net.Socket>();
  const report = (e: unknown) => {
    const code = (e as { code?: string } | null)?.code;
    if (code && BENIGN.has(code)) return;
    opts.onError?.(e as Error);
  };
  const server = net.createServer({ pauseOnConnect: true }, (sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => undefined); // pipeline reports what matters
    forward(sock).catch((e) => {
      sock.destroy();
      report(e);
    });
  });

  const forward = async (sock: net.Socket) => {
    const target = await opts.resolvePod();
    if (!target) {
      throw new DevloopError('port-forward-no-pod', `no ready pod to forward ${host}:${opts.localPort} to yet; connection closed`, {
        hint: 'Wait until the resource is ready (its pods are listed in the status), then connect again.',
      });
    }
    const remote = await opts.cluster.portForward(target.namespace, target.pod, opts.containerPort);
    if (sock.destroyed) {
      remote.destroy();
      return;
    }
    pipeline(sock, remote, sock, (e) => {
      if (e) report(e);
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') portError(e, host, opts.localPort).then(reject, reject);
      else reject(e);
    });
    server.listen(opts.localPort, host, () => resolve());
  });
  server.on('error', report);
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.destroy();
      }),
  };
}

async function portError(e: NodeJS.ErrnoException, host: string, port: number): Promise<DevloopError> {
  if (e.code === 'EACCES') {
    return new DevloopError('port-in-use', `cannot listen on ${host}:${port}: permission denied`, {
      hint: 'Ports below 1024 need privileges; choose a local port of 1024 or more in port_forwards.',
      cause: e,
    });
  }
  const owner = await findPortOwner(port);
  const by = owner ? ` by PID ${owner.pid} (${owner.command})` : '';
  return new DevloopError('port-in-use', `local port ${host}:${port} is already in use${by}`, {
    hint: owner
      ? `Stop that process (kill ${owner.pid}) or choose another local port in port_forwards, e.g. '${port + 1}:<container port>'.`
      : `Stop whatever listens there (ss -ltnp 'sport = :${port}' shows it) or choose another local port in port_forwards.`,
    cause: e,
  });
}

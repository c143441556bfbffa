/**
 * A BuildKit session with the engine (POST /session, upgraded to HTTP/2 on the same connection), on which
 * devloop serves the build's files (filesync.ts) and the health check that keeps the session alive.
 * The engine is the gRPC client here: it calls the methods listed in the session's headers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Server, ServerCredentials, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { DockerClient } from './client.js';
import { HEALTH_SERVING } from './filesync-proto.js';
import { serveDiffCopy, type SyncDir } from './filesync.js';

const DIFF_COPY = '/moby.filesync.v1.FileSync/DiffCopy';
const HEALTH = '/grpc.health.v1.Health/Check';

const raw = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

export interface BuildSession {
  id: string;
  /** The first failure while serving files (a file that could not be read), if any. */
  error(): Error | undefined;
  close(): void;
}

/**
 * Open a session serving `dirs`. `sharedKey` lets the engine keep what it received for the next build of the
 * same context and ask only for what changed (as the docker CLI does with a key derived from the directory).
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
      const server = new Server();
      server.addService(
        { Check: { path: HEALTH, requestStream: false, responseStream: false, originalName: 'Check', ...raw } },
        { Check: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, HEALTH_SERVING) },
      );
      server.addService(
        { DiffCopy: { path: DIFF_COPY, requestStream: true, responseStream: true, originalName: 'DiffCopy', ...raw } },
        { DiffCopy: (call: ServerDuplexStream<Buffer, Buffer>) => serveDiffCopy(call, dirs, (e) => void (failure ??= e)) },
      );
      const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
      const sock = socket as Socket;
      injector.injectConnection(sock);
      resolve({
        id,
        error: () => failure,
        close() {
          server.forceShutdown();
          sock.destroy();
        },
      });
    });
  });
}

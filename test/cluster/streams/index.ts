// The streaming pod subresources, behind the PodStreams interface the HTTP server calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import { rejectUpgrade, type PodStreams } from '../http/server.js';
import type { Kubelet } from '../kubelet/kubelet.js';
import type { PodRuntime } from '../runtime/types.js';
import { serveExec } from './exec.js';
import { serveLogs } from './logs.js';
import { servePortForward } from './portforward.js';
import { RelayPool } from './relay.js';

export function podStreams(kubelet: Kubelet, runtime: PodRuntime): PodStreams {
  // port-forward relays live as long as their containers: one pool per server
  const relays = new RelayPool(runtime);
  return {
    logs: (req: IncomingMessage, res: ServerResponse, pod: KubeObject, q: URLSearchParams) => serveLogs(kubelet, runtime, req, res, pod, q),
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, sub: string, q: URLSearchParams) {
      if (sub === 'portforward') return servePortForward(kubelet, relays, req, socket, head, pod, q);
      serveExec(kubelet, runtime, req, socket, head, pod, q).catch((e) => rejectUpgrade(socket, e));
    },
  };
}

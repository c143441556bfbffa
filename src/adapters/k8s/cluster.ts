/**
 * createCluster: the Cluster port over @kubernetes/client-node and the API server's REST and WebSocket
 * protocols. Each concern lives in its own file; this one wires them to the port.
 */
import type { Cluster, ClusterInfo } from '../../ports/cluster.js';
import { apply } from './apply.js';
import { listNamespace } from './namespace-contents.js';
import type { K8s } from './context.js';
import { Discovery } from './discovery.js';
import { mapError, unreachable } from './errors.js';
import { exec, execSession } from './exec.js';
import { loadKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { get, listByLabels, remove, waitGone } from './objects.js';
import { ownedUids, watchPods } from './pods.js';
import { portForward } from './port-forward.js';
import { advertisedRegistry } from './registry.js';
import { Rest } from './rest.js';
import { streamLogs } from './logs.js';
import { WsConnector } from './websocket.js';

export type CreateClusterOptions = KubeconfigOptions & {
  /** Timeout of ping(), default 5 s. */
  pingTimeoutMs?: number;
};

/** Also closable: frees the keep-alive connections so a CLI can exit promptly. */
export type K8sCluster = Cluster & { close(): void };

/** Reads the kubeconfig now (throws DevloopError `kubeconfig`); does not contact the server. */
export function createCluster(opts: CreateClusterOptions = {}): K8sCluster {
  const { kc, info } = loadKubeconfig(opts);
  const rest = new Rest(kc);
  const k: K8s = { kc, rest, discovery: new Discovery(rest), info };
  const ws = new WsConnector(kc, rest.server);
  return {
    info: (): ClusterInfo => ({ ...info }),
    ping: () => ping(k, opts.pingTimeoutMs ?? 5_000),
    advertisedRegistry: () => advertisedRegistry(k),
    apply: (obj) => apply(k, obj),
    dryRunApply: (obj) => apply(k, obj, { dryRun: true }),
    listByLabels: (selector) => listByLabels(k, selector),
    listNamespace: (namespace) => listNamespace(k, namespace),
    get: (ref) => get(k, ref),
    delete: (ref) => remove(k, ref),
    waitGone: (refs, timeoutMs) => waitGone(k, refs, timeoutMs),
    watchPods: (namespace, onEvent, onError) => watchPods(k, namespace, onEvent, onError),
    ownedUids: (namespace, owners) => ownedUids(k, namespace, owners),
    streamLogs: (namespace, pod, container, onLine, o) => streamLogs(k, namespace, pod, container, onLine, o),
    exec: (namespace, pod, container, command, stdin) => exec(k, ws, namespace, pod, container, command, stdin),
    execSession: (namespace, pod, container, command) => execSession(k, ws, namespace, pod, container, command),
    portForward: (namespace, pod, port) => portForward(k, ws, namespace, pod, port),
    close: () => rest.close(),
  };
}

async function ping(k: K8s, timeoutMs: number): Promise<void> {
  try {
    await k.rest.request('GET', '/version', { timeoutMs });
  } catch (e) {
    const mapped = mapError(k.info, e, undefined, `the API server of context "${k.info.context}" at ${k.info.server} answered /version with an error`);
    if (mapped === e) throw unreachable(k.info, e); // anything else that stops a GET /version: unreachable too
    throw mapped;
  }
}

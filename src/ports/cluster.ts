/**
 * Cluster: what the engine needs from Kubernetes. The real implementation is adapters/k8s
 * (@kubernetes/client-node, never kubectl); engine tests use a fake. Failures the user can act on are
 * DevloopErrors: cluster-unreachable, cluster-refused (the API answered with an error: the Status message,
 * the object kind/name), context-not-local, port-in-use.
 */
import type { Duplex } from 'node:stream';

/** A Kubernetes object as plain data (what model/yaml.ts parses; integers beyond 2^53 are BigInts). */
export type KObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; [k: string]: unknown };
  [k: string]: unknown;
};

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  /** Set by listByLabels when another object controls this one (a ReplicaSet of a Deployment, its Pods): deleting the owner removes it. */
  controlled?: boolean;
}

/** An object found in a namespace, with its labels (`controlled`: it has an owner, which removes it). */
export interface NamespacedObject extends ObjectRef {
  labels: Record<string, string>;
}

export interface ClusterInfo {
  /** kubeconfig context name, e.g. `kind-dev`, `devloop-test`. */
  context: string;
  /** API server URL. */
  server: string;
  /** Namespace for objects that name none: --namespace, else the context's, else `default`. */
  namespace: string;
  /** Does the context look like a local dev cluster (kind-*, k3d-*, minikube, docker-desktop, rancher-desktop, colima, orbstack, server on 127.0.0.1/localhost, devloop-test)? */
  isLocal: boolean;
}

/** KEP-1755 kube-public/local-registry-hosting, when the cluster advertises one. */
export interface AdvertisedRegistry {
  host: string;
  hostFromContainerRuntime?: string;
  help?: string;
}

export interface ContainerStatusView {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  /** 'waiting' | 'running' | 'terminated' with reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, Completed, Error…) */
  state: 'waiting' | 'running' | 'terminated' | 'unknown';
  reason?: string;
  message?: string;
  exitCode?: number;
  containerID?: string;
  startedAt?: string;
  /** The previous run's end (status.lastState.terminated): why a CrashLoopBackOff container last exited. */
  lastTerminated?: { exitCode: number; reason?: string; finishedAt?: string };
}

export interface PodView {
  name: string;
  namespace: string;
  uid: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  labels: Record<string, string>;
  ownerUids: string[];
  createdAt: string;
  containers: ContainerStatusView[];
  initContainers: ContainerStatusView[];
  /** The container ports the pod's spec declares (spec.containers[].ports), to name them when a forwarded port is refused. */
  declaredPorts?: { container: string; port: number; name?: string; protocol?: string }[];
  /** Why the pod is not running, when the API says (status.reason/message, e.g. Evicted; or PodScheduled=False: Unschedulable). */
  reason?: string;
  message?: string;
}

export type PodEvent = { type: 'upsert' | 'delete'; pod: PodView };

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface Stoppable {
  stop(): void;
}

export interface Cluster {
  info(): ClusterInfo;
  /** Throws cluster-unreachable with the server URL and a hint. */
  ping(): Promise<void>;
  advertisedRegistry(): Promise<AdvertisedRegistry | undefined>;
  /** Server-side apply (field manager `devloop`, force) of one object; waits for a CRD to be Established. Returns the live object. */
  apply(obj: KObject): Promise<KObject>;
  /** The same apply as a server-side dry run (dryRun=All): refused as apply would be, nothing persisted. */
  dryRunApply?(obj: KObject): Promise<KObject>;
  /** Objects carrying these labels, across every namespace and every listable kind. */
  listByLabels(selector: Record<string, string>): Promise<ObjectRef[]>;
  get(ref: ObjectRef): Promise<KObject | undefined>;
  /** Every object in a namespace (all listable namespaced kinds). Optional: `down --delete-namespaces` checks with it. */
  listNamespace?(namespace: string): Promise<NamespacedObject[]>;
  /** Deletes (background propagation); NotFound is success. */
  delete(ref: ObjectRef): Promise<void>;
  /** Resolves when none of them exists any more, or rejects after timeoutMs naming the ones left. */
  waitGone(refs: ObjectRef[], timeoutMs: number): Promise<void>;
  /** Watches pods of a namespace (list + watch, re-listing after errors). */
  watchPods(namespace: string, onEvent: (e: PodEvent) => void, onError?: (e: Error) => void): Stoppable;
  /** UIDs of objects owned (transitively: Deployment -> ReplicaSet) by these owners, for pod matching. */
  ownedUids?(namespace: string, ownerUids: string[]): Promise<string[]>;
  /**
   * Streams a container's log lines (follow) until stopped; `sinceTime` avoids repeating lines after a reconnect.
   * `onEnd` is called once if the stream ends by itself (container exited, pod gone, or an error), never after stop().
   */
  streamLogs(
    namespace: string,
    pod: string,
    container: string,
    onLine: (line: string) => void,
    opts?: { previous?: boolean; sinceTime?: string; tailLines?: number; onEnd?: (error?: Error) => void },
  ): Stoppable;
  /** One exec: argv in the container, optional stdin (closed at its end), collecting stdout/stderr and the exit code. */
  exec(namespace: string, pod: string, container: string, command: string[], stdin?: Buffer | NodeJS.ReadableStream): Promise<ExecResult>;
  /**
   * A long-lived exec: argv in the container with stdin kept open; its output arrives as it comes. Live update
   * keeps one `sh` per container this way (engine/live-update/warm-shell.ts). Optional: without it every
   * update is a separate exec.
   */
  execSession?(namespace: string, pod: string, container: string, command: string[]): Promise<ExecSession>;
  /** A byte stream to `port` on the pod's loopback, for one forwarded connection. */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
}

/** An open exec (Cluster.execSession): write to stdin; output goes to the handlers; `closed` settles when it ends. */
export interface ExecSession {
  write(data: string | Buffer): void;
  onStdout(fn: (chunk: Buffer) => void): void;
  onStderr(fn: (chunk: Buffer) => void): void;
  /** Resolves when the exec has ended, whatever the reason (the process exited, the pod went away, close()). */
  readonly closed: Promise<void>;
  close(): void;
}

// What the kubelet needs from a container engine. The Docker implementation is the real one; the interface
// keeps the kubelet readable and lets a test swap the engine out.
import type { Readable, Writable } from 'node:stream';

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  /** identifies the pod and container in the engine (labels, container name) */
  namespace: string;
  podName: string;
  podUid: string;
  container: string;
  attempt: number;
  image: string;
  command?: string[];
  args?: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  tty?: boolean;
  stdin?: boolean;
  hostname?: string;
  mounts: Mount[];
  /** join this container's network namespace (the pod's sandbox) instead of having none of its own */
  networkOf?: string;
}

export interface ContainerExit {
  exitCode: number;
  reason: 'Completed' | 'Error' | 'OOMKilled' | 'StartError';
  message?: string;
  startedAt: string;
  finishedAt: string;
}

export type ImageCheck = { ok: true; imageID: string } | { ok: false; reason: 'ErrImagePull' | 'ErrImageNeverPull'; message: string };

export interface ExecSession {
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable | null;
  /** resolves once the process has exited and its output has been read */
  exitCode: Promise<number>;
  resize(width: number, height: number): void;
  /** ends the session early (the client went away) */
  kill(): void;
}

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
}

export interface PodRuntime {
  ensureImage(image: string, pullPolicy: string): Promise<ImageCheck>;
  /** creates and starts a container; a start failure (bad command ...) comes back as an exit */
  start(spec: ContainerSpec): Promise<{ id: string; startedAt: string } | { id: string; failed: ContainerExit }>;
  wait(id: string): Promise<ContainerExit>;
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  logs(id: string, opts: LogOptions): Promise<Readable>;
  exec(id: string, command: string[], opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<ExecSession>;
  /** removes every container this server started */
  removeAll(): Promise<void>;
}

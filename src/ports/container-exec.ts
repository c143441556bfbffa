/**
 * ContainerExecutor: runs one command in one running container, with optional stdin (closed at its end),
 * and returns stdout, stderr and the exit code. Live update needs nothing more. Implementations:
 * Kubernetes exec (adapters/k8s, through the Cluster port) and the Docker engine's exec API
 * (adapters/docker/container-exec.ts) for containers devloop runs on the engine directly.
 */
import type { ExecResult, ExecSession } from './cluster.js';

export interface ContainerTarget {
  /** For messages: `pod web-5d9c/app` or `container 3f2a…`. */
  label: string;
  namespace?: string;
  pod?: string;
  container: string;
  /** Runtime id (`docker://…` or a bare Docker id). */
  containerID?: string;
  /** When the container (this run of it) started, as the cluster reports it. */
  startedAt?: string;
}

export interface ContainerExecutor {
  exec(target: ContainerTarget, command: string[], stdin?: Buffer): Promise<ExecResult>;
  /** A long-lived exec with stdin open (see Cluster.execSession); optional. */
  session?(target: ContainerTarget, command: string[]): Promise<ExecSession>;
  /** A container that live update may soon update is running: an executor may get ready for it (optional). */
  prepare?(target: ContainerTarget): void;
  /** Ends whatever the executor keeps open (optional). */
  close?(): void;
}

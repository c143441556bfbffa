/**
 * ContainerExecutor: runs one command in one running container, with optional stdin (closed at its end),
 * and returns stdout, stderr and the exit code. Live update needs nothing more. Implementations:
 * Kubernetes exec (adapters/k8s, through the Cluster port) and the Docker engine's exec API
 * (adapters/docker/container-exec.ts) for containers devloop runs on the engine directly.
 */
import type { ExecResult } from './cluster.js';

export interface ContainerTarget {
  /** For messages: `pod web-5d9c/app` or `container 3f2a…`. */
  label: string;
  namespace?: string;
  pod?: string;
  container: string;
  /** Runtime id (`docker://…` or a bare Docker id). */
  containerID?: string;
}

export interface ContainerExecutor {
  exec(target: ContainerTarget, command: string[], stdin?: Buffer): Promise<ExecResult>;
}

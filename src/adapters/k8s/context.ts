/** What every part of the k8s adapter shares: the kubeconfig, the HTTP client, discovery and the cluster info. */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterInfo } from '../../ports/cluster.js';
import type { Discovery } from './discovery.js';
import type { Rest } from './rest.js';

export interface K8s {
  kc: KubeConfig;
  rest: Rest;
  discovery: Discovery;
  info: ClusterInfo;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

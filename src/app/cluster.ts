/**
 * Connecting to the cluster: the kubeconfig context (refused unless it looks local or devloop.ts allows it),
 * and how images reach the cluster, decided once and said once, with the reason.
 */
import { basename } from 'node:path';
import { createCluster, type K8sCluster } from '../adapters/k8s/cluster.js';
import type { Plan } from '../config/spec.js';
import { DevloopError } from '../model/errors.js';
import { makeRegistry, type Registry } from '../model/registry.js';
import type { PushPolicy } from '../engine/build/scheduler.js';
import type { Log } from '../engine/log.js';

export function connectCluster(opts: { context?: string; namespace?: string }): K8sCluster {
  return createCluster({ context: opts.context, namespace: opts.namespace });
}

/** Refuses a context that does not look like a local dev cluster unless allow_k8s_contexts() names it. Nothing is applied before this passes. */
export function checkContext(cluster: K8sCluster, plan: Plan): void {
  const info = cluster.info();
  if (info.isLocal || plan.allowedContexts.includes(info.context)) return;
  const config = basename(plan.configFile);
  throw new DevloopError(
    'context-not-local',
    `refusing to deploy to kubeconfig context '${info.context}' (server ${info.server}): it does not look like a local dev cluster and might be production`,
    {
      location: { file: plan.configFile },
      hint: `if you are sure, add this line to ${config}: allow_k8s_contexts('${info.context}'); otherwise switch contexts (kubectl config use-context ...) or pass --context`,
    },
  );
}

export interface Delivery {
  push: PushPolicy;
  clusterRegistry?: Registry;
  message: string;
}

/** default_registry wins; else the registry the cluster advertises (KEP-1755); else no push (the cluster must share the engine). */
export async function decideDelivery(cluster: K8sCluster, plan: Plan): Promise<Delivery> {
  const advertised = await cluster.advertisedRegistry().catch(() => undefined);
  if (plan.registry) {
    const also = advertised && advertised.host !== plan.registry.host ? ` (the cluster advertises ${advertised.host}, but default_registry wins)` : '';
    return {
      push: { enabled: true, registryHost: plan.registry.host },
      message: `Images reach the cluster through the registry ${plan.registry.host}: default_registry in ${basename(plan.configFile)}${also}.`,
    };
  }
  if (advertised) {
    const registry = makeRegistry(advertised.host, { hostFromCluster: advertised.hostFromContainerRuntime });
    return {
      push: { enabled: true, registryHost: advertised.host },
      clusterRegistry: registry,
      message: `Images reach the cluster through the registry ${advertised.host}${advertised.hostFromContainerRuntime ? ` (pulled as ${advertised.hostFromContainerRuntime})` : ''}: the cluster advertises it in kube-public/local-registry-hosting.`,
    };
  }
  return {
    push: { enabled: false },
    message:
      'Images are not pushed: no default_registry in the config and the cluster advertises no registry, so the cluster must run on this Docker engine (docker-desktop, minikube docker-env, ...).',
  };
}

export function describeContext(cluster: K8sCluster, log: Log): void {
  const i = cluster.info();
  log.line('', `Kubernetes context ${i.context} (${i.server}), namespace ${i.namespace}`);
}

/** The order objects are applied in: Namespaces and CRDs first, then Tilt's kind order, then the rest (custom resources last). */
import type { K8sObject } from '../resolve/manifests.js';

const ORDER = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'PriorityClass',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];

const BUILTIN_GROUPS =
  /^(v1|apps\/v1|batch\/v1|batch\/v1beta1|networking\.k8s\.io\/|rbac\.authorization\.k8s\.io\/|policy\/|autoscaling\/|storage\.k8s\.io\/|apiextensions\.k8s\.io\/|admissionregistration\.k8s\.io\/|scheduling\.k8s\.io\/|coordination\.k8s\.io\/|discovery\.k8s\.io\/)/;

export function kindRank(o: K8sObject): number {
  const i = ORDER.indexOf(o.kind);
  if (i >= 0) return i;
  return BUILTIN_GROUPS.test(o.apiVersion) ? ORDER.length : ORDER.length + 1;
}

/** Stable sort by kind rank. */
export function applyOrder<T>(items: T[], objectOf: (t: T) => K8sObject): T[] {
  return items
    .map((t, i) => ({ t, i, r: kindRank(objectOf(t)) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.t);
}

/** Deletion order for `down`: the reverse (workloads before their Services, namespaces and CRDs last). */
export function deleteOrder<T>(items: T[], kindOf: (t: T) => { kind: string; apiVersion: string }): T[] {
  return applyOrder(items, (t) => ({ ...kindOf(t), metadata: { name: '' } }) as K8sObject).reverse();
}

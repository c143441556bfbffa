/**
 * What `down` does about namespaces beyond deleting devloop's objects: before deleting a namespace devloop created,
 * the objects in it that devloop did not make (made by hand, by another tool); and for a namespace that existed
 * before devloop applied it, taking back what devloop added (its labels and annotations).
 */
import type { Cluster, NamespacedObject } from '../../ports/cluster.js';
import { PROJECT } from '../../engine/labels.js';

/** What every namespace has or the cluster makes by itself: never "made by hand". */
function automatic(o: NamespacedObject, devloopServices: Set<string>): boolean {
  if (o.controlled) return true;
  if (o.kind === 'Event' || o.apiVersion.startsWith('metrics.k8s.io/')) return true;
  if (o.kind === 'ServiceAccount' && o.name === 'default') return true;
  if (o.kind === 'ConfigMap' && o.name === 'kube-root-ca.crt') return true;
  if (o.kind === 'Secret' && o.name.startsWith('default-token-')) return true;
  if (o.kind === 'Endpoints' && devloopServices.has(o.name)) return true;
  return false;
}

/** The objects in a namespace that no devloop project id labels and the cluster did not make; undefined when the cluster cannot list. */
export async function handMadeObjects(cluster: Cluster, namespace: string, projectIds: string[]): Promise<NamespacedObject[] | undefined> {
  if (!cluster.listNamespace) return undefined;
  const all = await cluster.listNamespace(namespace);
  const ours = (o: NamespacedObject) => o.labels[PROJECT] !== undefined && projectIds.includes(o.labels[PROJECT]);
  const services = new Set(all.filter((o) => o.kind === 'Service' && ours(o)).map((o) => o.name));
  return all.filter((o) => !ours(o) && !automatic(o, services));
}

/**
 * A namespace devloop applied but did not create: an apply of nothing but its name, with devloop's field manager,
 * drops every label and annotation only devloop set (server-side apply removes the fields a manager stops applying)
 * and leaves what others set.
 */
export async function releaseNamespace(cluster: Cluster, name: string): Promise<void> {
  await cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

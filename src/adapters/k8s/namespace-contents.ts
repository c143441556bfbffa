/**
 * Every object in one namespace (every listable namespaced kind, metadata only), with its labels and whether
 * another object controls it: what `down --delete-namespaces` would delete along with the namespace.
 */
import type { NamespacedObject } from '../../ports/cluster.js';
import type { K8s } from './context.js';
import { collectionPath } from './discovery.js';
import { mapError } from './errors.js';
import { isApiError } from './rest.js';

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';

type Item = { metadata: { name: string; uid?: string; labels?: Record<string, string>; ownerReferences?: { controller?: boolean }[] } };

export async function listNamespace(k: K8s, namespace: string): Promise<NamespacedObject[]> {
  try {
    const types = (await k.discovery.listable()).filter((t) => t.namespaced);
    const out: NamespacedObject[] = [];
    const seen = new Set<string>();
    for (const t of types) {
      let cont: string | undefined;
      do {
        let list: { items?: Item[]; metadata?: { continue?: string } };
        try {
          list = await k.rest.request('GET', collectionPath(t, namespace), { query: { limit: 500, continue: cont }, accept: METADATA_ONLY });
        } catch (e) {
          if (isApiError(e, 403, 404, 405, 503)) break;
          throw e;
        }
        for (const { metadata: m } of list.items ?? []) {
          const key = m.uid ?? `${t.apiVersion}/${t.kind}/${m.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            apiVersion: t.apiVersion,
            kind: t.kind,
            name: m.name,
            namespace,
            labels: m.labels ?? {},
            ...((m.ownerReferences ?? []).length ? { controlled: true } : {}),
          });
        }
        cont = list.metadata?.continue || undefined;
      } while (cont);
    }
    return out;
  } catch (e) {
    throw mapError(k.info, e, `Namespace/${namespace}`, `listing the objects in namespace ${namespace} failed`);
  }
}

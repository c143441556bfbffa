/** Reading, deleting and waiting for objects by reference, and finding everything that carries some labels. */
import { DevloopError } from '../../model/errors.js';
import type { KObject, ObjectRef } from '../../ports/cluster.js';
import { sleep, type K8s } from './context.js';
import { collectionPath, objectPath, type ResourceType } from './discovery.js';
import { mapError, objectName } from './errors.js';
import { isApiError } from './rest.js';

function namespaceOf(k: K8s, t: ResourceType, ref: ObjectRef): string | undefined {
  return t.namespaced ? (ref.namespace ?? k.info.namespace) : undefined;
}

export async function get(k: K8s, ref: ObjectRef): Promise<KObject | undefined> {
  try {
    const t = await k.discovery.find(ref.apiVersion, ref.kind);
    if (!t) return undefined; // an unknown kind has no objects
    return await k.rest.request<KObject>('GET', objectPath(t, ref.name, namespaceOf(k, t, ref)));
  } catch (e) {
    if (isApiError(e, 404)) return undefined;
    throw mapError(k.info, e, objectName(ref.kind, ref.name), 'get failed');
  }
}

export async function remove(k: K8s, ref: ObjectRef): Promise<void> {
  try {
    const t = await k.discovery.find(ref.apiVersion, ref.kind);
    if (!t) return;
    await k.rest.request('DELETE', objectPath(t, ref.name, namespaceOf(k, t, ref)), {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
    });
  } catch (e) {
    if (isApiError(e, 404)) return;
    throw mapError(k.info, e, objectName(ref.kind, ref.name), 'delete failed');
  }
}

/** Polls until none of `refs` exists (an object with the same name but another uid counts as gone). */
export async function waitGone(k: K8s, refs: ObjectRef[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = refs;
  let pause = 100;
  for (;;) {
    const live = await Promise.all(left.map((r) => get(k, r)));
    const still = left.map((r, i) => ({ r, o: live[i] })).filter(({ r, o }) => o && (!r.uid || o.metadata.uid === r.uid));
    if (still.length === 0) return;
    left = still.map(({ r }) => r);
    if (Date.now() >= deadline) {
      const names = still.map(({ r }) => objectName(r.kind, r.name));
      const details = still.flatMap(({ r, o }) => {
        const fin = (o!.metadata.finalizers as string[] | undefined) ?? [];
        return fin.length ? [`${objectName(r.kind, r.name)} waits for finalizers: ${fin.join(', ')}`] : [];
      });
      const waited = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)}s`;
      throw new DevloopError('delete-timeout', `still present ${waited} after deletion: ${names.join(', ')}`, {
        hint: 'Something is holding them (finalizers, a controller recreating them); inspect them with kubectl get -o yaml.',
        details,
      });
    }
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
    pause = Math.min(pause * 2, 1000);
  }
}

/** Ask for metadata only where the server supports it (every real API server since 1.15); full objects otherwise. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';
const LIST_CONCURRENCY = 8;

/** Every object carrying all of `selector`'s labels, in every namespace and every listable kind. */
export async function listByLabels(k: K8s, selector: Record<string, string>): Promise<ObjectRef[]> {
  const labelSelector = Object.entries(selector)
    .map(([key, v]) => `${key}=${v}`)
    .join(',');
  if (!labelSelector) throw new Error('listByLabels needs at least one label');
  try {
    const types = await k.discovery.listable();
    const lists = await mapLimit(types, LIST_CONCURRENCY, (t) => listType(k, t, labelSelector));
    const seen = new Set<string>();
    const out: ObjectRef[] = [];
    for (const ref of lists.flat()) {
      const key = ref.uid ?? `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(ref);
    }
    return out;
  } catch (e) {
    throw mapError(k.info, e, undefined, `listing objects labelled ${labelSelector} failed`);
  }
}

async function listType(k: K8s, t: ResourceType, labelSelector: string): Promise<ObjectRef[]> {
  const refs: ObjectRef[] = [];
  let cont: string | undefined;
  do {
    let list: {
      items?: { metadata: { name: string; namespace?: string; uid?: string; ownerReferences?: { controller?: boolean }[] } }[];
      metadata?: { continue?: string };
    };
    try {
      list = await k.rest.request('GET', collectionPath(t), { query: { labelSelector, limit: 500, continue: cont }, accept: METADATA_ONLY });
    } catch (e) {
      // not allowed to list it, or an aggregated API that is down: not something devloop deployed there
      if (isApiError(e, 403, 404, 405, 503)) return refs;
      throw e;
    }
    for (const item of list.items ?? []) {
      const m = item.metadata;
      const controlled = (m.ownerReferences ?? []).some((o) => o.controller);
      refs.push({
        apiVersion: t.apiVersion,
        kind: t.kind,
        name: m.name,
        ...(t.namespaced && m.namespace ? { namespace: m.namespace } : {}),
        ...(m.uid ? { uid: m.uid } : {}),
        ...(controlled ? { controlled } : {}),
      });
    }
    cont = list.metadata?.continue || undefined;
  } while (cont);
  return refs;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

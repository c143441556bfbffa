/**
 * Watching the pods of a namespace: list, then watch from the list's resourceVersion; a watch that ends is
 * resumed from the last version seen; an error (or 410 Gone) re-lists after a small backoff, emitting
 * deletes for pods that vanished meanwhile. Also: which ReplicaSets/Jobs belong to given owners.
 */
import type { PodEvent, PodView, Stoppable } from '../../ports/cluster.js';
import type { K8s } from './context.js';
import { mapError } from './errors.js';
import { splitLines } from './lines.js';
import { toPodView } from './pod-view.js';
import { ApiError } from './rest.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** The server ends a watch after this; we simply resume it. */
const WATCH_TIMEOUT_S = 290;

type Pod = { metadata: { uid: string; resourceVersion?: string } };

export function watchPods(k: K8s, namespace: string, onEvent: (e: PodEvent) => void, onError?: (e: Error) => void): Stoppable {
  const stop = new AbortController();
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const known = new Map<string, { rv?: string; view: PodView }>();

  const upsert = (pod: Pod) => {
    const prev = known.get(pod.metadata.uid);
    if (prev && prev.rv !== undefined && prev.rv === pod.metadata.resourceVersion) return;
    const view = toPodView(pod);
    known.set(view.uid, { rv: pod.metadata.resourceVersion, view });
    onEvent({ type: 'upsert', pod: view });
  };
  const remove = (pod: Pod) => {
    const view = toPodView(pod);
    known.delete(view.uid);
    onEvent({ type: 'delete', pod: view });
  };

  const relist = async (): Promise<string> => {
    const list = await k.rest.request<{ items: Pod[]; metadata: { resourceVersion: string } }>('GET', path);
    const uids = new Set(list.items.map((p) => p.metadata.uid));
    for (const [uid, { view }] of [...known]) {
      if (!uids.has(uid)) {
        known.delete(uid);
        onEvent({ type: 'delete', pod: view });
      }
    }
    for (const p of list.items) upsert(p);
    return list.metadata.resourceVersion;
  };

  /** One watch request; resolves with the version to resume from, or undefined to re-list (410 Gone). */
  const watchOnce = async (rv: string): Promise<string | undefined> => {
    const res = await k.rest.stream(path, {
      query: { watch: true, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_S },
      signal: stop.signal,
    });
    let last: string | undefined = rv;
    let failure: Error | undefined;
    let closing = false;
    await splitLines(res, (line) => {
      if (!line.trim() || closing) return;
      try {
        const ev = JSON.parse(line) as { type: string; object: Pod & { code?: number; message?: string; reason?: string } };
        const objRv = ev.object?.metadata?.resourceVersion;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') upsert(ev.object);
        else if (ev.type === 'DELETED') remove(ev.object);
        else if (ev.type === 'ERROR') {
          if (ev.object.code === 410) last = undefined;
          else failure = new ApiError(ev.object.code ?? 500, ev.object.message ?? 'watch error', ev.object.reason);
          closing = true;
          res.destroy();
          return;
        }
        if (objRv && last !== undefined) last = objRv;
      } catch (e) {
        // a garbled line, or the engine's callback threw: start over from a fresh list
        failure = e as Error;
        closing = true;
        res.destroy();
      }
    }).catch((e) => {
      if (!closing && !stop.signal.aborted) failure = e as Error;
    });
    if (failure && !stop.signal.aborted) throw failure;
    return last;
  };

  const loop = async () => {
    let rv: string | undefined;
    let backoff = BACKOFF_MIN_MS;
    while (!stop.signal.aborted) {
      try {
        if (rv === undefined) rv = await relist();
        backoff = BACKOFF_MIN_MS;
        rv = await watchOnce(rv);
      } catch (e) {
        if (stop.signal.aborted) return;
        onError?.(mapError(k.info, e, undefined, `watching pods in namespace ${namespace} failed`) as Error);
        rv = undefined;
        await abortableSleep(backoff, stop.signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  };
  loop().catch((e) => onError?.(e as Error));
  return { stop: () => stop.abort() };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const OWNED_KINDS = ['/apis/apps/v1/namespaces/NS/replicasets', '/apis/batch/v1/namespaces/NS/jobs'];

/** UIDs of ReplicaSets and Jobs owned, directly or through each other (CronJob → Job), by `ownerUids`. */
export async function ownedUids(k: K8s, namespace: string, ownerUids: string[]): Promise<string[]> {
  type Item = { metadata: { uid: string; ownerReferences?: { uid: string }[] } };
  let items: Item[];
  try {
    const lists = await Promise.all(
      OWNED_KINDS.map((p) =>
        k.rest.request<{ items?: Item[] }>('GET', p.replace('NS', encodeURIComponent(namespace))).catch((e) => {
          if (e instanceof ApiError && [403, 404].includes(e.status)) return { items: [] };
          throw e;
        }),
      ),
    );
    items = lists.flatMap((l) => l.items ?? []);
  } catch (e) {
    throw mapError(k.info, e, undefined, `listing ReplicaSets/Jobs in namespace ${namespace} failed`);
  }
  const owners = new Set(ownerUids);
  const owned: string[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const it of items) {
      const uid = it.metadata.uid;
      if (owners.has(uid)) continue;
      if ((it.metadata.ownerReferences ?? []).some((o) => owners.has(o.uid))) {
        owners.add(uid);
        owned.push(uid);
        grew = true;
      }
    }
  }
  return owned;
}

/** Does the pod belong to one of `uids` (the deployed objects plus what ownedUids returned)? */
export function podBelongsTo(pod: PodView, uids: Set<string>): boolean {
  return pod.ownerUids.some((u) => uids.has(u));
}

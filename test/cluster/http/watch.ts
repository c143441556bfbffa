// watch=true on a list: replay from the requested resourceVersion (or the current list), then stream changes
// as newline-delimited {"type","object"} events until the client goes, timeoutSeconds passes, or the server stops.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storeKey, type ResourceType } from '../api/resources.js';
import { parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import { errors } from '../api/status.js';
import type { Objects } from '../api/objects.js';
import type { StoreEvent } from '../api/store.js';
import type { KubeObject } from '../api/types.js';
import { toTable } from './table.js';

export interface WatchParams {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  table: boolean;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, objects: Objects, t: ResourceType, p: WatchParams, open: Set<ServerResponse>): void {
  const store = objects.store;
  const byLabel = parseLabelSelector(p.labelSelector);
  const byField = parseFieldSelector(p.fieldSelector);
  const kind = storeKey(t);
  const inScope = (o: KubeObject) => !t.namespaced || p.namespace === undefined || o.metadata.namespace === p.namespace;
  const matches = (o: KubeObject) => inScope(o) && byLabel(o) && byField(o);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');
  const present = (o: KubeObject) => {
    if (t.crd) o.apiVersion = t.group + '/' + t.version;
    return p.table ? toTable(t.kind, [o], o.metadata.resourceVersion ?? '', false) : o;
  };

  const known = new Set<string>();
  const deliver = (e: StoreEvent) => {
    if (e.kind !== kind || !inScope(e.object)) return;
    const uid = e.object.metadata.uid!;
    const now = e.type !== 'DELETED' && matches(e.object);
    if (e.type === 'DELETED') {
      if (known.delete(uid) || matches(e.object)) send('DELETED', present(e.object));
    } else if (now) {
      send(known.has(uid) ? 'MODIFIED' : 'ADDED', present(e.object));
      known.add(uid);
    } else if (known.delete(uid)) send('DELETED', present(e.object));
  };

  const rv = p.resourceVersion;
  if (!rv || rv === '0') {
    for (const o of objects.list(t, p.namespace, p)) {
      known.add(o.metadata.uid!);
      send('ADDED', present(o));
    }
  } else {
    const from = Number(rv);
    const replay = Number.isFinite(from) ? store.since(from) : undefined;
    if (!replay) {
      const err = errors.gone(`too old resource version: ${rv} (${store.resourceVersion})`);
      send('ERROR', err.toStatus());
      res.end();
      return;
    }
    // objects that matched at `rv` are those that match now and were not added since
    const addedSince = new Set(replay.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.uid));
    for (const o of store.list(kind)) if (matches(o) && !addedSince.has(o.metadata.uid)) known.add(o.metadata.uid!);
    for (const e of replay) deliver(e);
  }
  const unsubscribe = store.subscribe(deliver);
  open.add(res);
  const timer = p.timeoutSeconds ? setTimeout(() => res.end(), p.timeoutSeconds * 1000) : undefined;
  const done = () => {
    unsubscribe();
    open.delete(res);
    if (timer) clearTimeout(timer);
  };
  res.on('close', done);
  req.on('close', done);
}

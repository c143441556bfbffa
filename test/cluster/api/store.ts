// All objects, one global resourceVersion counter, and the event history that watches replay from.
// Every operation is synchronous, so a controller's read-modify-write cannot interleave with another's.
import { randomUUID } from 'node:crypto';
import { clone, now, type KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  /** storeKey of the kind: `${group}/${plural}` */
  kind: string;
  object: KubeObject;
  rv: number;
}

export type Listener = (e: StoreEvent) => void;

const HISTORY = 5000;

export class Store {
  private objects = new Map<string, Map<string, KubeObject>>();
  private rv = 1;
  private history: StoreEvent[] = [];
  private listeners = new Set<Listener>();
  /** the resourceVersion of the newest event no longer kept in history */
  private droppedUpTo = 0;

  get resourceVersion(): string {
    return String(this.rv);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(kind).get(key(namespace, name));
    return o && clone(o);
  }

  list(kind: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.bucket(kind).values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(clone(o));
    }
    return out.sort((a, b) => key(a.metadata.namespace, a.metadata.name!).localeCompare(key(b.metadata.namespace, b.metadata.name!)));
  }

  /** every kind that has objects in a namespace (namespace deletion empties these) */
  kindsIn(namespace: string): string[] {
    return [...this.objects].filter(([, b]) => [...b.values()].some((o) => o.metadata.namespace === namespace)).map(([k]) => k);
  }

  /** stores a new object: the caller has checked that the name is free */
  create(kind: string, obj: KubeObject): KubeObject {
    const o = clone(obj);
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= now();
    o.metadata.resourceVersion = String(++this.rv);
    this.bucket(kind).set(key(o.metadata.namespace, o.metadata.name!), o);
    this.emit('ADDED', kind, o);
    return clone(o);
  }

  /** replaces an existing object and bumps its resourceVersion */
  replace(kind: string, obj: KubeObject): KubeObject {
    const o = clone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    this.bucket(kind).set(key(o.metadata.namespace, o.metadata.name!), o);
    this.emit('MODIFIED', kind, o);
    return clone(o);
  }

  remove(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.bucket(kind);
    const k = key(namespace, name);
    const o = b.get(k);
    if (!o) return undefined;
    b.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', kind, o);
    return clone(o);
  }

  /** forget a kind entirely (its CRD went away); emits DELETED for what was left */
  dropKind(kind: string): void {
    for (const o of this.list(kind)) this.remove(kind, o.metadata.namespace, o.metadata.name!);
    this.objects.delete(kind);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** events after resourceVersion `from`, or undefined when they are no longer kept (the watch must relist) */
  since(from: number): StoreEvent[] | undefined {
    if (from >= this.rv) return [];
    if (from < this.droppedUpTo) return undefined;
    return this.history.filter((e) => e.rv > from);
  }

  private emit(type: WatchEventType, kind: string, object: KubeObject): void {
    const e: StoreEvent = { type, kind, object: clone(object), rv: this.rv };
    this.history.push(e);
    if (this.history.length > HISTORY) this.droppedUpTo = this.history.splice(0, this.history.length - HISTORY).at(-1)!.rv;
    for (const l of [...this.listeners]) l(e);
  }

  private bucket(kind: string): Map<string, KubeObject> {
    let b = this.objects.get(kind);
    if (!b) this.objects.set(kind, (b = new Map()));
    return b;
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

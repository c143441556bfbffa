// Small helpers the workload controllers share: ownership, template hashes, pod readiness, pods from templates.
import { apiVersionOf, type ResourceType } from '../api/resources.js';
import { clone, type Json, type KubeObject, type OwnerReference } from '../api/types.js';

export function ownerRef(o: KubeObject): OwnerReference {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller);
}

export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  return controllerOf(o)?.uid === owner.metadata.uid;
}

/** the key (namespace/name) of an object's controller of the given kind, for keysFor() */
export function ownerKey(o: KubeObject, kind: string): string[] {
  const r = controllerOf(o);
  return r && r.kind === kind ? [`${o.metadata.namespace ?? ''}/${r.name}`] : [];
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i) || undefined, key.slice(i + 1)];
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** like the pod-template-hash label: FNV-1a of the template, its decimal digits mapped to safe characters */
export function templateHash(template: Json): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(stableJson(template))) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

function stableJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function isPodActive(p: KubeObject): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function isPodReady(p: KubeObject): boolean {
  return (p.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
}

/** a Pod object for a controller to create from its template */
export function podFromTemplate(
  pods: ResourceType,
  owner: KubeObject,
  template: Json,
  name: { name?: string; generateName?: string },
  labels: Record<string, string> = {},
): KubeObject {
  const t = clone(template ?? {});
  return {
    apiVersion: apiVersionOf(pods),
    kind: 'Pod',
    metadata: {
      ...name,
      namespace: owner.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...labels },
      annotations: t.metadata?.annotations,
      ownerReferences: [ownerRef(owner)],
    },
    spec: t.spec,
  };
}

export function condition(type: string, status: boolean, reason: string, message: string, previous?: Json[]): Json {
  const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const old = (previous ?? []).find((c) => c.type === type);
  const s = status ? 'True' : 'False';
  const changed = !old || old.status !== s;
  return {
    type,
    status: s,
    lastUpdateTime: old && !changed && old.reason === reason ? old.lastUpdateTime : ts,
    lastTransitionTime: changed ? ts : old.lastTransitionTime,
    reason,
    message,
  };
}

/** an intOrString percentage ("25%") or count against a total */
export function scaledValue(v: Json, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? '0'));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

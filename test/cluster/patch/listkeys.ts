// Which lists of built-in kinds are merged item by item (by these keys) rather than replaced whole.
// Used by strategic-merge patch and by server-side apply; lists of custom resources are always atomic.
import type { Json } from '../api/types.js';

const BY_FIELD: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  hostAliases: ['ip'],
  ownerReferences: ['uid'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

/** the merge keys of the list under `field`, or undefined when it is atomic */
export function listKeys(field: string, items: Json[], builtin: boolean): string[] | undefined {
  if (!builtin) return undefined;
  if (field === 'ports') {
    // container ports are keyed by containerPort, a Service's by port (protocol defaults to TCP in both)
    return items.some((i) => i && typeof i === 'object' && 'containerPort' in i) ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  }
  return BY_FIELD[field];
}

/** the value of an item's keys, as SSA writes it into fieldsV1 (`k:{"name":"app"}`) */
export function itemKey(item: Json, keys: string[]): string {
  const k: Record<string, unknown> = {};
  for (const key of keys) {
    const v = item?.[key] ?? (key === 'protocol' ? 'TCP' : undefined);
    if (v !== undefined) k[key] = v;
  }
  return JSON.stringify(k);
}

export function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

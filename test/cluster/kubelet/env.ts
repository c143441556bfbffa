// A container's environment as the kubelet builds it: env values with $(VAR) expansion, fieldRef,
// configMapKeyRef/secretKeyRef and envFrom. A missing reference is a CreateContainerConfigError.
import type { Objects } from '../api/objects.js';
import type { ResourceRegistry } from '../api/resources.js';
import type { Json, KubeObject } from '../api/types.js';

export class ConfigError extends Error {}

export function containerEnv(objects: Objects, registry: ResourceRegistry, pod: KubeObject, c: Json): Map<string, string> {
  const ns = pod.metadata.namespace!;
  const lookup = (plural: string, name: string, key: string | undefined, optional: boolean): Record<string, string> | string | undefined => {
    const t = registry.byPlural('', plural)!;
    const o = objects.find(t, ns, name);
    const kind = plural === 'configmaps' ? 'configmap' : 'secret';
    if (!o) {
      if (optional) return undefined;
      throw new ConfigError(`${kind} "${name}" not found`);
    }
    const data: Record<string, string> =
      plural === 'secrets'
        ? Object.fromEntries(Object.entries((o.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
        : { ...(o.data ?? {}) };
    if (key === undefined) return data;
    if (!(key in data)) {
      if (optional) return undefined;
      throw new ConfigError(`couldn't find key ${key} in ${plural === 'configmaps' ? 'ConfigMap' : 'Secret'} ${ns}/${name}`);
    }
    return data[key];
  };

  const env = new Map<string, string>();
  for (const from of (c.envFrom ?? []) as Json[]) {
    const ref = from.configMapRef ?? from.secretRef;
    const data = lookup(from.configMapRef ? 'configmaps' : 'secrets', ref.name, undefined, !!ref.optional) as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(data ?? {})) env.set((from.prefix ?? '') + k, v);
  }
  for (const e of (c.env ?? []) as Json[]) {
    let v: string | undefined;
    if (e.valueFrom?.fieldRef) v = fieldRef(pod, e.valueFrom.fieldRef.fieldPath);
    else if (e.valueFrom?.configMapKeyRef)
      v = lookup('configmaps', e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key, !!e.valueFrom.configMapKeyRef.optional) as string | undefined;
    else if (e.valueFrom?.secretKeyRef)
      v = lookup('secrets', e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key, !!e.valueFrom.secretKeyRef.optional) as string | undefined;
    else if (e.valueFrom) v = '';
    else v = expand(String(e.value ?? ''), env);
    if (v !== undefined) env.set(e.name, v);
  }
  return env;
}

/** $(VAR) references to variables defined earlier; $$ escapes a dollar; unknown references stay as written */
export function expand(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => (m === '$$' ? '$' : (env.get(name) ?? m)));
}

function fieldRef(pod: KubeObject, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return pod.metadata[m[1] as 'labels']?.[m[2]] ?? '';
  const known: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.hostIP': '127.0.0.1',
    'status.podIP': '',
  };
  return known[path] ?? '';
}

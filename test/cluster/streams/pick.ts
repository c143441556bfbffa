// Choosing the container a log, exec or port-forward request means, with the real server's error messages.
import { errors } from '../api/status.js';
import type { Json, KubeObject } from '../api/types.js';

export function containerName(pod: KubeObject, requested: string | null): string {
  const names: string[] = (pod.spec?.containers ?? []).map((c: Json) => c.name);
  if (requested) {
    const all = [...names, ...(pod.spec?.initContainers ?? []).map((c: Json) => c.name)];
    if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
    return requested;
  }
  const dflt = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (dflt && names.includes(dflt)) return dflt;
  if (names.length === 1) return names[0];
  throw errors.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
}

/** the container listening on a port: the one declaring it, else the first */
export function containerForPort(pod: KubeObject, port: number): string {
  const cs: Json[] = pod.spec?.containers ?? [];
  return (cs.find((c) => (c.ports ?? []).some((p: Json) => p.containerPort === port)) ?? cs[0])?.name;
}

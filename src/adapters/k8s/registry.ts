/** KEP-1755: the local registry a dev cluster advertises in kube-public/local-registry-hosting. */
import { parseYamlDocuments } from '../../model/yaml.js';
import type { AdvertisedRegistry } from '../../ports/cluster.js';
import type { K8s } from './context.js';
import { mapError } from './errors.js';
import { isApiError } from './rest.js';

const PATH = '/api/v1/namespaces/kube-public/configmaps/local-registry-hosting';

export async function advertisedRegistry(k: K8s): Promise<AdvertisedRegistry | undefined> {
  let cm: { data?: Record<string, string> };
  try {
    cm = await k.rest.request('GET', PATH);
  } catch (e) {
    if (isApiError(e, 403, 404)) return undefined;
    throw mapError(k.info, e, 'ConfigMap/local-registry-hosting', 'reading the advertised registry failed');
  }
  return parseLocalRegistryHosting(cm.data?.['localRegistryHosting.v1']);
}

/** The v1 document (YAML): host, hostFromContainerRuntime, hostFromClusterNetwork, help. Junk → undefined. */
export function parseLocalRegistryHosting(text: string | undefined): AdvertisedRegistry | undefined {
  if (!text) return undefined;
  let doc: unknown;
  try {
    doc = parseYamlDocuments(text, 'localRegistryHosting.v1')[0]?.value;
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const host = str(d.host);
  if (!host) return undefined;
  const out: AdvertisedRegistry = { host };
  const fromRuntime = str(d.hostFromContainerRuntime);
  if (fromRuntime) out.hostFromContainerRuntime = fromRuntime;
  const help = str(d.help);
  if (help) out.help = help;
  return out;
}

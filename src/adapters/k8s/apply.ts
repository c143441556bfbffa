/**
 * Server-side apply of one object (field manager `devloop`, force), with the namespace filled in for
 * namespaced kinds, a short wait for kinds the server does not know yet (a CRD applied just before), and a
 * wait for a CustomResourceDefinition to be Established so its custom resources can follow.
 */
import { DevloopError } from '../../model/errors.js';
import type { KObject } from '../../ports/cluster.js';
import { sleep, type K8s } from './context.js';
import { objectPath, type ResourceType } from './discovery.js';
import { mapError, objectName } from './errors.js';

export const FIELD_MANAGER = 'devloop';
const UNKNOWN_KIND_WAIT_MS = 5_000;
const CRD_ESTABLISHED_WAIT_MS = 30_000;

/**
 * `dryRun`: the server checks the object as it would apply it (dryRun=All) and persists nothing; an unknown kind
 * is refused at once instead of waited for.
 */
export async function apply(k: K8s, obj: KObject, opts: { dryRun?: boolean } = {}): Promise<KObject> {
  const name = obj.metadata?.name;
  const what = objectName(obj.kind, name);
  if (!name)
    throw new DevloopError('cluster-refused', 'the object has no metadata.name', {
      object: what,
      hint: 'Give it a metadata.name (generateName cannot be applied).',
    });
  try {
    const t = await resolveKind(k, obj.apiVersion, obj.kind, what, opts.dryRun ? 0 : UNKNOWN_KIND_WAIT_MS);
    const body = structuredClone(obj);
    if (t.namespaced) body.metadata.namespace ??= k.info.namespace;
    else delete body.metadata.namespace;
    const live = await k.rest.request<KObject>('PATCH', objectPath(t, name, body.metadata.namespace), {
      query: { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict', dryRun: opts.dryRun ? 'All' : undefined },
      body,
      contentType: 'application/apply-patch+yaml',
    });
    if (isCrd(obj) && !opts.dryRun) await waitEstablished(k, t, name, what);
    return live;
  } catch (e) {
    throw mapError(k.info, e, what, 'apply failed');
  }
}

/** The served type of a kind; asks discovery again for a few seconds when the kind is unknown. */
export async function resolveKind(k: K8s, apiVersion: string, kind: string, what: string, waitMs = UNKNOWN_KIND_WAIT_MS): Promise<ResourceType> {
  const deadline = Date.now() + waitMs;
  let t = await k.discovery.find(apiVersion, kind);
  while (!t && Date.now() < deadline) {
    await sleep(500);
    k.discovery.invalidate(apiVersion);
    t = await k.discovery.find(apiVersion, kind);
  }
  if (t) return t;
  throw new DevloopError('cluster-refused', `the cluster has no kind ${kind} in apiVersion ${apiVersion}`, {
    object: what,
    hint: 'Install its CustomResourceDefinition (or the operator that provides it) before this object, or fix apiVersion/kind.',
  });
}

function isCrd(obj: KObject): boolean {
  return obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/');
}

type Condition = { type?: string; status?: string; reason?: string; message?: string };

async function waitEstablished(k: K8s, t: ResourceType, name: string, what: string): Promise<void> {
  const deadline = Date.now() + CRD_ESTABLISHED_WAIT_MS;
  for (;;) {
    const crd = await k.rest.request<KObject & { spec?: { group?: string; versions?: { name: string }[] }; status?: { conditions?: Condition[] } }>(
      'GET',
      objectPath(t, name),
    );
    const conds = crd.status?.conditions ?? [];
    const names = conds.find((c) => c.type === 'NamesAccepted');
    if (names?.status === 'False') {
      throw new DevloopError('cluster-refused', `CustomResourceDefinition names not accepted: ${names.message ?? names.reason ?? ''}`, {
        object: what,
        hint: 'Another CRD already uses these names; rename the kind or plural.',
      });
    }
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) {
      for (const v of crd.spec?.versions ?? []) k.discovery.invalidate(`${crd.spec?.group}/${v.name}`);
      return;
    }
    if (Date.now() > deadline) {
      throw new DevloopError('crd-not-established', `CustomResourceDefinition was not Established within ${CRD_ESTABLISHED_WAIT_MS / 1000}s`, {
        object: what,
        hint: 'Check its status (kubectl describe crd ' + name + '); the API server may be overloaded or the CRD invalid.',
      });
    }
    await sleep(200);
  }
}

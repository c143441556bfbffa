/**
 * Applies a resource's rendered objects with server-side apply (field manager devloop), in a safe order,
 * labelled with the project and resource; an object whose rendered form did not change is not re-applied
 * (its hash is kept in an annotation, so this holds across restarts of devloop too).
 */
import type { Cluster, KObject } from '../ports/cluster.js';
import type { K8sObject } from '../resolve/manifests.js';
import { applyOrder } from './apply-order.js';
import { APPLIED_HASH, CREATED_NAMESPACE, contentHash, labelsFor, templateHashOf, withLabels } from './labels.js';

export interface ApplyOutcome { object: string; applied: boolean; uid?: string; namespace?: string; templateHash?: string }

export class Deployer {
  /** key -> hash last applied by this process. */
  private readonly known = new Map<string, string>();

  constructor(private readonly cluster: Cluster, private readonly project: string) {}

  private key(o: K8sObject): string {
    return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  }

  async applyAll(resource: string, objects: K8sObject[], line: (t: string) => void): Promise<ApplyOutcome[]> {
    const out: ApplyOutcome[] = [];
    const changed: string[] = [];
    for (const o of applyOrder(objects, (x) => x)) {
      const labelled = withLabels(o, labelsFor(this.project, resource));
      const hash = contentHash(labelled);
      const key = this.key(o);
      const name = `${o.kind}/${o.metadata.name}`;
      const templateHash = templateHashOf(labelled);
      if (this.known.get(key) === hash) {
        out.push({ object: name, applied: false, templateHash });
        continue;
      }
      const live = await this.cluster.get({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }).catch(() => undefined);
      const liveAnn = (live?.metadata.annotations ?? {}) as Record<string, string>;
      if (live && liveAnn[APPLIED_HASH] === hash) {
        this.known.set(key, hash);
        out.push({ object: name, applied: false, uid: live.metadata.uid as string | undefined, namespace: live.metadata.namespace, templateHash });
        continue;
      }
      const ann: Record<string, string> = { [APPLIED_HASH]: hash };
      // A namespace devloop creates is marked so `down --delete-namespaces` may delete it; one that existed is never marked.
      if (o.kind === 'Namespace' && (!live || liveAnn[CREATED_NAMESPACE] === 'true')) ann[CREATED_NAMESPACE] = 'true';
      labelled.metadata.annotations = { ...(labelled.metadata.annotations ?? {}), ...ann };
      const res = await this.cluster.apply(labelled as KObject);
      this.known.set(key, hash);
      changed.push(name);
      out.push({ object: name, applied: true, uid: res.metadata.uid as string | undefined, namespace: res.metadata.namespace, templateHash });
    }
    if (changed.length) {
      line('Objects applied to cluster:');
      for (const c of changed) line(`  → ${c}`);
    } else {
      line(`No change to apply: ${out.length} object${out.length === 1 ? ' is' : 's are'} as rendered already`);
    }
    return out;
  }

  forget(): void {
    this.known.clear();
  }
}

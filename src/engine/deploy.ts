/**
 * Applies a resource's rendered objects with server-side apply (field manager devloop), in a safe order,
 * labelled with the project and resource; an object whose rendered form did not change is not re-applied
 * (its hash is kept in an annotation, so this holds across restarts of devloop too).
 */
import type { Cluster, KObject, ObjectRef } from '../ports/cluster.js';
import type { K8sObject } from '../resolve/manifests.js';
import { applyOrder } from './apply-order.js';
import { checkResource, Preflight } from './validate.js';
import { APPLIED_HASH, CREATED_NAMESPACE, RESTARTED_AT, contentHash, labelsFor, templateHashOf, withLabels } from './labels.js';

export interface ApplyOutcome {
  object: string;
  applied: boolean;
  uid?: string;
  namespace?: string;
  templateHash?: string;
}

export class Deployer {
  /** key -> hash last applied by this process. */
  private readonly known = new Map<string, string>();
  /** resource -> key -> the objects this process applied for it, to delete those a reloaded config no longer has. */
  private readonly appliedObjects = new Map<string, Map<string, ObjectRef>>();
  /** resource -> the restart stamp of its last trigger, kept so later applies do not replace the pods again. */
  private readonly restarts = new Map<string, string>();

  /** Every resource's manifests checked before the first build of a plan (see validate.ts). */
  readonly preflight: Preflight;

  constructor(
    private readonly cluster: Cluster,
    private readonly project: string,
  ) {
    this.preflight = new Preflight(cluster);
  }

  private key(o: K8sObject): string {
    return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  }

  /**
   * `force` (a trigger): every object is applied whatever devloop last applied (it may have been deleted behind
   * devloop's back), and pod templates get a new restart stamp, so the pods are replaced.
   */
  async applyAll(resource: string, objects: K8sObject[], line: (t: string) => void, opts: { force?: boolean } = {}): Promise<ApplyOutcome[]> {
    // Every object checked (and dry-run on the server) before any is applied: a resource applies all or none.
    await checkResource(this.cluster, resource, objects);
    const out: ApplyOutcome[] = [];
    const changed: string[] = [];
    if (opts.force) this.restarts.set(resource, new Date().toISOString());
    const stamp = this.restarts.get(resource);
    for (const o of applyOrder(objects, (x) => x)) {
      const labelled = withLabels(o, labelsFor(this.project, resource), stamp ? { [RESTARTED_AT]: stamp } : undefined);
      const hash = contentHash(labelled);
      const key = this.key(o);
      const name = `${o.kind}/${o.metadata.name}`;
      const templateHash = templateHashOf(labelled);
      if (opts.force) {
        // Applied whatever the cache says; the live object is read only to keep the created-namespace mark.
      } else if (this.known.get(key) === hash) {
        out.push({ object: name, applied: false, templateHash });
        continue;
      }
      const live = await this.cluster
        .get({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace })
        .catch(() => undefined);
      const liveAnn = (live?.metadata.annotations ?? {}) as Record<string, string>;
      if (!opts.force && live && liveAnn[APPLIED_HASH] === hash) {
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
    await this.deleteRemoved(resource, new Set(objects.map((o) => this.key(o))), line);
    const mine = new Map<string, ObjectRef>();
    for (const o of objects) mine.set(this.key(o), { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace });
    this.appliedObjects.set(resource, mine);
    if (opts.force && out.some((o) => o.templateHash)) line(`Replacing the pods (devloop trigger): pod templates stamped ${RESTARTED_AT}=${stamp}`);
    if (changed.length) {
      line('Objects applied to cluster:');
      for (const c of changed) line(`  → ${c}`);
    } else {
      line(`No change to apply: ${out.length} object${out.length === 1 ? ' is' : 's are'} as rendered already`);
    }
    return out;
  }

  /** Deletes what this process applied for the resource that is not in `keep` (as Tilt does when YAML loses an object). */
  async deleteRemoved(resource: string, keep: Set<string>, line: (t: string) => void): Promise<void> {
    const before = this.appliedObjects.get(resource);
    if (!before) return;
    for (const [key, ref] of before) {
      if (keep.has(key)) continue;
      await this.cluster.delete(ref).catch((e) => line(`could not delete ${ref.kind}/${ref.name}: ${(e as Error).message}`));
      before.delete(key);
      this.known.delete(key);
      line(`Deleted ${ref.kind}/${ref.name}${ref.namespace ? ` (namespace ${ref.namespace})` : ''}: it is no longer in the config`);
    }
    if (keep.size === 0) this.appliedObjects.delete(resource);
  }

  forget(): void {
    this.known.clear();
  }
}

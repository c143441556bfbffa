// Garbage collection by ownerReferences: when every owner of an object is gone, the object is deleted
// (background propagation); an owner deleted with propagationPolicy Foreground waits for its dependents.
import { storeKey } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import type { KubeObject } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';

export class GarbageCollector implements Controller {
  name = 'garbage-collector';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    const m = e.object.metadata;
    if (e.type === 'DELETED') return [m.uid!];
    if (m.deletionTimestamp && m.finalizers?.includes('foregroundDeletion')) return [m.uid!];
    return [];
  }

  reconcile(uid: string): void {
    const { objects } = this.ctx;
    const owner = this.byUid(uid);
    const dependents = this.dependentsOf(uid);
    if (owner && owner.o.metadata.finalizers?.includes('foregroundDeletion')) {
      for (const d of dependents)
        if (!d.o.metadata.deletionTimestamp) objects.delete(d.t, d.o.metadata.namespace, d.o.metadata.name!, { propagationPolicy: 'Foreground' });
      if (dependents.length === 0) {
        const finalizers = owner.o.metadata.finalizers.filter((f) => f !== 'foregroundDeletion');
        objects.update(
          owner.t,
          owner.o.metadata.namespace,
          owner.o.metadata.name!,
          { ...owner.o, metadata: { ...owner.o.metadata, finalizers } },
          { manager: CONTROLLER_MANAGER },
        );
      } else this.ctx.manager.requeueAfter(this, uid, 200);
      return;
    }
    if (owner) return;
    for (const d of dependents) {
      const alive = (d.o.metadata.ownerReferences ?? []).some((r) => r.uid !== uid && this.byUid(r.uid, r.kind));
      if (!alive && !d.o.metadata.deletionTimestamp) {
        try {
          objects.delete(d.t, d.o.metadata.namespace, d.o.metadata.name!);
        } catch {
          // already gone
        }
      }
    }
  }

  private dependentsOf(uid: string) {
    const out: Array<{ t: ReturnType<ControllerContext['registry']['all']>[number]; o: KubeObject }> = [];
    for (const t of this.kindsOnce()) {
      for (const o of this.ctx.objects.store.list(storeKey(t))) if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) out.push({ t, o });
    }
    return out;
  }

  private byUid(uid: string, kind?: string) {
    for (const t of this.kindsOnce()) {
      if (kind && t.kind !== kind) continue;
      const o = this.ctx.objects.store.list(storeKey(t)).find((x) => x.metadata.uid === uid);
      if (o) return { t, o };
    }
    return undefined;
  }

  /** one ResourceType per stored kind (a CRD's versions share one store) */
  private kindsOnce() {
    const seen = new Set<string>();
    return this.ctx.registry.all().filter((t) => !seen.has(storeKey(t)) && !!seen.add(storeKey(t)));
  }
}

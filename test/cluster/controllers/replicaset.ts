// ReplicaSet -> Pods: create or delete pods until the active ones match spec.replicas; count ready/available.
import type { StoreEvent } from '../api/store.js';
import type { Json } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { isControlledBy, isPodActive, isPodReady, keyOf, ownerKey, podFromTemplate, splitKey } from './util.js';

export class ReplicaSetController implements Controller {
  name = 'replicaset';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.object.kind === 'ReplicaSet') return [keyOf(e.object)];
    if (e.object.kind === 'Pod') return ownerKey(e.object, 'ReplicaSet');
    return [];
  }

  reconcile(key: string): void {
    const { objects, kinds, events } = this.ctx;
    const [ns, name] = splitKey(key);
    const rs = objects.find(kinds.replicasets, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    let active = objects.list(kinds.pods, ns).filter((p) => isControlledBy(p, rs) && isPodActive(p));
    const want: number = rs.spec.replicas ?? 1;
    for (let i = active.length; i < want; i++) {
      const pod = objects.create(kinds.pods, ns, podFromTemplate(kinds.pods, rs, rs.spec.template, { generateName: `${name}-` }), {
        manager: CONTROLLER_MANAGER,
      });
      events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
      active.push(pod);
    }
    if (active.length > want) {
      // not-ready pods go first, then the newest
      const order = [...active].sort(
        (a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
      );
      for (const p of order.slice(0, active.length - want)) {
        objects.delete(kinds.pods, ns, p.metadata.name!);
        events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replicaset-controller');
      }
      active = order.slice(active.length - want);
    }
    const ready = active.filter(isPodReady).length;
    const status: Json = {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    for (const k of Object.keys(status)) if (status[k] === 0 && k !== 'replicas') delete status[k];
    if (JSON.stringify(status) !== JSON.stringify(stripConditions(rs.status))) objects.updateStatus(kinds.replicasets, { ...rs, status }, CONTROLLER_MANAGER);
  }
}

function stripConditions(s: Json): Json {
  const { conditions: _, ...rest } = s ?? {};
  return rest;
}

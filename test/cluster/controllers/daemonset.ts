// DaemonSet -> one pod on the one node; a template change deletes it and a new one takes its place.
import type { StoreEvent } from '../api/store.js';
import type { Json } from '../api/types.js';
import { NODE_NAME } from '../api/defaults.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { isControlledBy, isPodReady, keyOf, ownerKey, podFromTemplate, splitKey, templateHash } from './util.js';

const REVISION_LABEL = 'controller-revision-hash';

export class DaemonSetController implements Controller {
  name = 'daemonset';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.object.kind === 'DaemonSet') return [keyOf(e.object)];
    if (e.object.kind === 'Pod') return ownerKey(e.object, 'DaemonSet');
    return [];
  }

  reconcile(key: string): void {
    const { objects, kinds, events } = this.ctx;
    const [ns, name] = splitKey(key);
    const ds = objects.find(kinds.daemonsets, ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = templateHash(ds.spec.template);
    const pods = objects.list(kinds.pods, ns).filter((p) => isControlledBy(p, ds));
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    for (const p of live) {
      if (p.metadata.labels?.[REVISION_LABEL] !== hash || p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')
        objects.delete(kinds.pods, ns, p.metadata.name!);
    }
    if (pods.length === 0) {
      const pod = podFromTemplate(
        kinds.pods,
        ds,
        ds.spec.template,
        { generateName: `${name}-` },
        { [REVISION_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
      );
      pod.spec = { ...pod.spec, nodeName: NODE_NAME };
      const created = objects.create(kinds.pods, ns, pod, { manager: CONTROLLER_MANAGER });
      events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, 'daemonset-controller');
    }
    const now = objects.list(kinds.pods, ns).filter((p) => isControlledBy(p, ds) && !p.metadata.deletionTimestamp);
    const ready = now.filter(isPodReady).length;
    const status: Json = {
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: 1,
      currentNumberScheduled: now.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready || undefined,
      numberUnavailable: 1 - ready || undefined,
      updatedNumberScheduled: now.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash).length || undefined,
    };
    objects.updateStatus(kinds.daemonsets, { ...ds, status: JSON.parse(JSON.stringify(status)) }, CONTROLLER_MANAGER);
  }
}

// StatefulSet -> Pods NAME-0..N-1, created in order (each waits for the one before to be Ready unless
// podManagementPolicy is Parallel), updated from the highest ordinal down when the template changes.
import type { StoreEvent } from '../api/store.js';
import type { Json, KubeObject } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { isControlledBy, isPodReady, keyOf, ownerKey, podFromTemplate, splitKey, templateHash } from './util.js';

const REVISION_LABEL = 'controller-revision-hash';

export class StatefulSetController implements Controller {
  name = 'statefulset';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.object.kind === 'StatefulSet') return [keyOf(e.object)];
    if (e.object.kind === 'Pod') return ownerKey(e.object, 'StatefulSet');
    return [];
  }

  reconcile(key: string): void {
    const { objects, kinds, events } = this.ctx;
    const [ns, name] = splitKey(key);
    const sts = objects.find(kinds.statefulsets, ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const revision = `${name}-${templateHash(sts.spec.template)}`;
    const want: number = sts.spec.replicas ?? 1;
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    const pods = objects.list(kinds.pods, ns).filter((p) => isControlledBy(p, sts));
    const byOrdinal = new Map(pods.map((p) => [ordinal(p, name), p]));
    const create = (i: number) => {
      const podName = `${name}-${i}`;
      const pod = podFromTemplate(
        kinds.pods,
        sts,
        sts.spec.template,
        { name: podName },
        {
          [REVISION_LABEL]: revision,
          'statefulset.kubernetes.io/pod-name': podName,
          'apps.kubernetes.io/pod-index': String(i),
        },
      );
      pod.spec = { ...pod.spec, hostname: podName, subdomain: sts.spec.serviceName };
      objects.create(kinds.pods, ns, pod, { manager: CONTROLLER_MANAGER });
      events.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${name} successful`, 'statefulset-controller');
    };

    let blocked = false;
    for (let i = 0; i < want && !blocked; i++) {
      const p = byOrdinal.get(i);
      if (!p) {
        create(i);
        blocked = !parallel;
      } else if (p.metadata.deletionTimestamp) blocked = !parallel;
      else if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') {
        objects.delete(kinds.pods, ns, p.metadata.name!);
        blocked = !parallel;
      } else if (!isPodReady(p)) blocked = !parallel;
    }
    // scale down from the highest ordinal, one at a time unless Parallel
    const extra = pods.filter((p) => ordinal(p, name) >= want && !p.metadata.deletionTimestamp).sort((a, b) => ordinal(b, name) - ordinal(a, name));
    for (const p of parallel ? extra : extra.slice(0, 1)) objects.delete(kinds.pods, ns, p.metadata.name!);
    // rolling update: once all are there and ready, replace the highest outdated pod at or above the partition
    const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const live = [...Array(want).keys()].map((i) => byOrdinal.get(i));
    if (sts.spec.updateStrategy?.type !== 'OnDelete' && !blocked && !extra.length && live.every((p) => p && isPodReady(p) && !p.metadata.deletionTimestamp)) {
      const outdated = live.filter((p, i) => i >= partition && p!.metadata.labels?.[REVISION_LABEL] !== revision).pop();
      if (outdated) objects.delete(kinds.pods, ns, outdated.metadata.name!);
    }
    this.updateStatus(sts, revision);
  }

  private updateStatus(sts: KubeObject, revision: string): void {
    const { objects, kinds } = this.ctx;
    const pods = objects.list(kinds.pods, sts.metadata.namespace).filter((p) => isControlledBy(p, sts) && !p.metadata.deletionTimestamp);
    const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    const ready = pods.filter(isPodReady).length;
    const want: number = sts.spec.replicas ?? 1;
    const done = updated === want && pods.length === want;
    const currentRevision = done ? revision : (sts.status?.currentRevision ?? revision);
    const status: Json = {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas: pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
    };
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[k] === 0) delete status[k];
    objects.updateStatus(kinds.statefulsets, { ...sts, status }, CONTROLLER_MANAGER);
  }
}

function ordinal(p: KubeObject, name: string): number {
  const n = p.metadata.name!.slice(name.length + 1);
  return /^\d+$/.test(n) ? Number(n) : -1;
}

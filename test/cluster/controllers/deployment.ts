// Deployment -> ReplicaSets: one ReplicaSet per pod template (named by its pod-template-hash), the new one scaled
// up and the old ones down (Recreate: old first; RollingUpdate: once the new one has enough available pods),
// and the status `kubectl rollout status` reads.
import type { StoreEvent } from '../api/store.js';
import type { Json, KubeObject } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { condition, controllerOf, isControlledBy, keyOf, ownerKey, ownerRef, scaledValue, splitKey, templateHash } from './util.js';

const REVISION = 'deployment.kubernetes.io/revision';

export class DeploymentController implements Controller {
  name = 'deployment';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    const o = e.object;
    if (o.kind === 'Deployment') return [keyOf(o)];
    if (o.kind === 'ReplicaSet') return ownerKey(o, 'Deployment');
    if (o.kind === 'Pod' && e.type === 'DELETED') {
      // Recreate waits for old pods to be gone: find the deployment through the pod's ReplicaSet
      const rsRef = controllerOf(o);
      const rs = rsRef?.kind === 'ReplicaSet' ? this.ctx.objects.find(this.ctx.kinds.replicasets, o.metadata.namespace, rsRef.name) : undefined;
      return rs ? ownerKey(rs, 'Deployment') : [];
    }
    return [];
  }

  reconcile(key: string): void {
    const { objects, kinds } = this.ctx;
    const [ns, name] = splitKey(key);
    const d = objects.find(kinds.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const all = objects.list(kinds.replicasets, ns).filter((rs) => isControlledBy(rs, d));
    const hash = templateHash(d.spec.template);
    const maxRevision = Math.max(0, ...all.map(revisionOf));
    let newRs = all.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const old = all.filter((rs) => rs !== newRs);
    const desired: number = d.spec.replicas ?? 1;
    const recreate = d.spec.strategy?.type === 'Recreate';

    if (!newRs) {
      newRs = objects.create(
        kinds.replicasets,
        ns,
        this.replicaSetFor(d, hash, maxRevision + 1, recreate && old.some((rs) => (rs.status?.replicas ?? 0) > 0) ? 0 : desired),
        { manager: CONTROLLER_MANAGER },
      );
      this.ctx.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${newRs.metadata.name} from 0 to ${newRs.spec.replicas}`,
        'deployment-controller',
      );
    } else if (revisionOf(newRs) < maxRevision) {
      // rolled back to an older template: it becomes the newest revision again
      newRs = objects.update(kinds.replicasets, ns, newRs.metadata.name!, annotate(newRs, REVISION, String(maxRevision + 1)), { manager: CONTROLLER_MANAGER });
    }

    if (recreate) {
      for (const rs of old) if (rs.spec.replicas !== 0) this.scale(d, rs, 0);
      const oldPodsLeft = objects.list(kinds.pods, ns).some((p) => old.some((rs) => isControlledBy(p, rs)));
      if (!oldPodsLeft) newRs = this.scale(d, newRs, desired);
    } else {
      newRs = this.scale(d, newRs, desired);
      const maxUnavailable = scaledValue(d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
      if ((newRs.status?.availableReplicas ?? 0) >= desired - maxUnavailable) for (const rs of old) if (rs.spec.replicas !== 0) this.scale(d, rs, 0);
    }
    this.cleanup(d, old);

    const fresh = objects.find(kinds.deployments, ns, name);
    if (!fresh) return;
    if (fresh.metadata.annotations?.[REVISION] !== String(revisionOf(newRs)))
      objects.update(kinds.deployments, ns, name, annotate(fresh, REVISION, String(revisionOf(newRs))), { manager: CONTROLLER_MANAGER });
    this.updateStatus(key, newRs);
  }

  private replicaSetFor(d: KubeObject, hash: string, revision: number, replicas: number): KubeObject {
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations: {
          [REVISION]: String(revision),
          'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
          'deployment.kubernetes.io/max-replicas': String(d.spec.replicas ?? 1),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas,
        minReadySeconds: d.spec.minReadySeconds,
        selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template,
      },
    };
  }

  private scale(d: KubeObject, rs: KubeObject, replicas: number): KubeObject {
    if (rs.spec.replicas === replicas) return rs;
    const from = rs.spec.replicas;
    const updated = this.ctx.objects.update(
      this.ctx.kinds.replicasets,
      rs.metadata.namespace,
      rs.metadata.name!,
      { ...rs, spec: { ...rs.spec, replicas } },
      { manager: CONTROLLER_MANAGER },
    );
    this.ctx.events.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
      'deployment-controller',
    );
    return updated;
  }

  /** old ReplicaSets scaled to zero beyond revisionHistoryLimit are deleted, oldest first */
  private cleanup(d: KubeObject, old: KubeObject[]): void {
    const idle = old.filter((rs) => rs.spec.replicas === 0 && (rs.status?.replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    const extra = idle.length - (d.spec.revisionHistoryLimit ?? 10);
    for (const rs of idle.slice(0, Math.max(0, extra))) this.ctx.objects.delete(this.ctx.kinds.replicasets, rs.metadata.namespace, rs.metadata.name!);
  }

  private updateStatus(key: string, newRs: KubeObject): void {
    const { objects, kinds } = this.ctx;
    const [ns, name] = splitKey(key);
    const d = objects.find(kinds.deployments, ns, name)!;
    const all = objects.list(kinds.replicasets, ns).filter((rs) => isControlledBy(rs, d));
    const sum = (f: (s: Json) => number) => all.reduce((n, rs) => n + (f(rs.status ?? {}) ?? 0), 0);
    const desired: number = d.spec.replicas ?? 1;
    const current = all.find((rs) => rs.metadata.uid === newRs.metadata.uid) ?? newRs;
    const replicas = sum((s) => s.replicas);
    const updated = current.status?.replicas ?? 0;
    const ready = sum((s) => s.readyReplicas);
    const available = sum((s) => s.availableReplicas);
    const maxUnavailable = d.spec.strategy?.type === 'Recreate' ? 0 : scaledValue(d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    const prev: Json[] = d.status?.conditions ?? [];
    const complete = updated === desired && replicas === desired && available === desired && (current.status?.availableReplicas ?? 0) === desired;
    const rsName = current.metadata.name;
    const progressedAt = progressTime(d, { replicas, updated, ready, available });
    const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    let progressing: Json;
    if (complete) progressing = condition('Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, prev);
    else if (Date.now() - progressedAt > deadline)
      progressing = condition('Progressing', false, 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`, prev);
    else {
      progressing = condition('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, prev);
      progressing.lastUpdateTime = new Date(progressedAt).toISOString().replace(/\.\d+Z$/, 'Z');
      this.ctx.manager.requeueAfter(this, key, Math.max(100, progressedAt + deadline - Date.now() + 50));
    }
    const availableCond =
      available >= desired - maxUnavailable
        ? condition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.', prev)
        : condition('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', prev);
    const status: Json = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available) || undefined,
      conditions: [availableCond, progressing],
    };
    for (const k of Object.keys(status)) if (status[k] === undefined || status[k] === 0) delete status[k];
    objects.updateStatus(kinds.deployments, { ...d, status }, CONTROLLER_MANAGER);
  }
}

function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

function annotate(o: KubeObject, k: string, v: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [k]: v } } };
}

/** when the rollout last made progress: counts changed, or the template (generation) changed */
function progressTime(d: KubeObject, now: Record<string, number>): number {
  const s = d.status ?? {};
  const p = (d.status?.conditions ?? []).find((c: Json) => c.type === 'Progressing');
  const same =
    s.observedGeneration === d.metadata.generation &&
    ['replicas', 'updated', 'ready', 'available'].every(
      (k) => (s[k === 'updated' ? 'updatedReplicas' : k === 'replicas' ? 'replicas' : `${k}Replicas`] ?? 0) === now[k],
    );
  return same && p?.lastUpdateTime ? Date.parse(p.lastUpdateTime) : Date.now();
}

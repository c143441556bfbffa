// Job -> Pods until `completions` have succeeded (Complete) or more than backoffLimit have failed (Failed).
import type { StoreEvent } from '../api/store.js';
import { now, type Json, type KubeObject } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { condition, isControlledBy, isPodReady, keyOf, ownerKey, podFromTemplate, splitKey } from './util.js';

export class JobController implements Controller {
  name = 'job';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    if (e.object.kind === 'Job') return [keyOf(e.object)];
    if (e.object.kind === 'Pod') return ownerKey(e.object, 'Job');
    return [];
  }

  reconcile(key: string): void {
    const { objects, kinds, events } = this.ctx;
    const [ns, name] = splitKey(key);
    const job = objects.find(kinds.jobs, ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const pods = objects.list(kinds.pods, ns).filter((p) => isControlledBy(p, job));
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length + restartsOnFailure(pods);
    let active = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const completions: number = job.spec.completions ?? 1;
    const prev: Json[] = job.status?.conditions ?? [];
    const finished = prev.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const status: Json = { ...(job.status ?? {}), startTime: job.status?.startTime ?? now(), succeeded, failed };

    if (finished) {
      for (const p of active) objects.delete(kinds.pods, ns, p.metadata.name!);
      active = [];
    } else if (failed > (job.spec.backoffLimit ?? 6)) {
      for (const p of active) objects.delete(kinds.pods, ns, p.metadata.name!);
      active = [];
      const msg = 'Job has reached the specified backoff limit';
      status.conditions = [condition('FailureTarget', true, 'BackoffLimitExceeded', msg, prev), condition('Failed', true, 'BackoffLimitExceeded', msg, prev)];
      events.record(job, 'Warning', 'BackoffLimitExceeded', msg, 'job-controller');
    } else if (succeeded >= completions) {
      status.conditions = [
        condition('SuccessCriteriaMet', true, 'CompletionsReached', 'Reached expected number of succeeded pods', prev),
        condition('Complete', true, 'CompletionsReached', 'Reached expected number of succeeded pods', prev),
      ];
      status.completionTime = now();
      events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
    } else if (!job.spec.suspend) {
      const want = Math.min(job.spec.parallelism ?? 1, completions - succeeded);
      for (let i = active.length; i < want; i++) {
        const pod = objects.create(kinds.pods, ns, podFromTemplate(kinds.pods, job, job.spec.template, { generateName: `${name}-` }), {
          manager: CONTROLLER_MANAGER,
        });
        events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
        active.push(pod);
      }
    }
    status.active = active.length;
    status.ready = active.filter(isPodReady).length;
    status.terminating = pods.filter((p) => p.metadata.deletionTimestamp).length;
    status.uncountedTerminatedPods = {};
    for (const k of ['active', 'succeeded', 'failed', 'terminating']) if (status[k] === 0) delete status[k];
    if (JSON.stringify(status) !== JSON.stringify(job.status)) objects.updateStatus(kinds.jobs, { ...job, status }, CONTROLLER_MANAGER);
  }
}

/** with restartPolicy OnFailure, failures are container restarts inside a pod that keeps running */
function restartsOnFailure(pods: KubeObject[]): number {
  return pods
    .filter((p) => p.spec?.restartPolicy === 'OnFailure')
    .reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: Json) => m + (c.restartCount ?? 0), 0), 0);
}

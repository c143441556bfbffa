// Defaulting as the real API server does it for the fields that controllers, kubectl and devloop look at.
import type { Json, KubeObject } from './types.js';

export const NODE_NAME = 'devloop-test-node';

export function applyDefaults(o: KubeObject): void {
  const spec = o.spec as Json;
  switch (o.kind) {
    case 'Pod':
      defaultPodSpec(spec);
      spec.nodeName ??= NODE_NAME;
      break;
    case 'Deployment':
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === 'RollingUpdate') spec.strategy.rollingUpdate ??= { maxSurge: '25%', maxUnavailable: '25%' };
      defaultTemplate(spec);
      break;
    case 'ReplicaSet':
      spec.replicas ??= 1;
      defaultTemplate(spec);
      break;
    case 'StatefulSet':
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      spec.revisionHistoryLimit ??= 10;
      defaultTemplate(spec);
      break;
    case 'DaemonSet':
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      spec.revisionHistoryLimit ??= 10;
      defaultTemplate(spec);
      break;
    case 'Job':
      defaultJob(o);
      break;
    case 'CronJob':
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      if (spec.jobTemplate?.spec?.template) defaultPodSpec((spec.jobTemplate.spec.template.spec ??= {}), 'Never');
      break;
    case 'Service':
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    case 'Namespace':
      o.spec = { finalizers: ['kubernetes'], ...(spec ?? {}) };
      o.status = { phase: 'Active', ...(o.status ?? {}) };
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name! };
      break;
    case 'Secret':
      o.type ??= 'Opaque';
      if (o.stringData) {
        o.data = { ...(o.data ?? {}) };
        for (const [k, v] of Object.entries(o.stringData as Record<string, string>)) o.data[k] = Buffer.from(String(v)).toString('base64');
        delete o.stringData;
      }
      break;
  }
}

function defaultTemplate(spec: Json): void {
  spec.template ??= {};
  spec.template.metadata ??= {};
  defaultPodSpec((spec.template.spec ??= {}));
}

function defaultJob(o: KubeObject): void {
  const spec = o.spec as Json;
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.template ??= {};
  const uid = o.metadata.uid!;
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': o.metadata.name!,
    'controller-uid': uid,
    'job-name': o.metadata.name!,
  };
  if (!spec.manualSelector) {
    spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    spec.template.metadata = { ...(spec.template.metadata ?? {}), labels: { ...(spec.template.metadata?.labels ?? {}), ...labels } };
  }
  defaultPodSpec((spec.template.spec ??= {}), 'Never');
}

function defaultPodSpec(spec: Json, restartPolicy = 'Always'): void {
  spec.restartPolicy ??= restartPolicy;
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??= pullPolicyFor(String(c.image ?? ''));
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
}

/** Always for `:latest` or an untagged ref, IfNotPresent otherwise (digests included) */
function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

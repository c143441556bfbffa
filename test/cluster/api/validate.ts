// The validation a real server does that a test is likely to trip over: names, containers, selectors, immutables.
import { errors } from './status.js';
import { matchesSelector } from './selectors.js';
import type { Json, KubeObject } from './types.js';
import type { ResourceType } from './resources.js';

type Cause = { field: string; message: string };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validate(t: ResourceType, o: KubeObject): void {
  const causes: Cause[] = [];
  const name = o.metadata.name ?? '';
  const labelNamed = ['Namespace', 'Service'].includes(o.kind);
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else if (name.length > (labelNamed ? 63 : 253) || !(labelNamed ? DNS_LABEL : DNS_SUBDOMAIN).test(name))
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${labelNamed ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  const spec = o.spec as Json;
  switch (o.kind) {
    case 'Pod':
      podSpec(spec, 'spec', causes);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      workload(spec, causes);
      break;
    case 'Job':
      podSpec(spec?.template?.spec, 'spec.template.spec', causes);
      if (!['Never', 'OnFailure'].includes(spec?.template?.spec?.restartPolicy))
        causes.push({
          field: 'spec.template.spec.restartPolicy',
          message: `Unsupported value: "${spec?.template?.spec?.restartPolicy}": supported values: "OnFailure", "Never"`,
        });
      break;
  }
  if (causes.length) throw errors.invalid(o.kind, t.group, name, causes);
}

/** fields a PUT or PATCH may not change */
export function validateUpdate(t: ResourceType, before: KubeObject, after: KubeObject): void {
  const causes: Cause[] = [];
  const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(after.kind) && !same(before.spec?.selector, after.spec?.selector))
    causes.push({ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(after.spec?.selector)}: field is immutable` });
  if (after.kind === 'Job' && !same(before.spec?.template, after.spec?.template))
    causes.push({ field: 'spec.template', message: 'Invalid value: field is immutable' });
  if (after.kind === 'Pod') {
    const strip = (s: Json) => ({
      ...s,
      containers: (s?.containers ?? []).map((c: Json) => ({ ...c, image: '' })),
      initContainers: (s?.initContainers ?? []).map((c: Json) => ({ ...c, image: '' })),
      activeDeadlineSeconds: 0,
      tolerations: [],
    });
    if (!same(strip(before.spec), strip(after.spec)))
      causes.push({
        field: 'spec',
        message:
          'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      });
  }
  if (causes.length) throw errors.invalid(after.kind, t.group, after.metadata.name ?? '', causes);
}

function workload(spec: Json, causes: Cause[]): void {
  if (!spec?.selector) causes.push({ field: 'spec.selector', message: 'Required value' });
  else if (!matchesSelector(spec.selector, spec.template?.metadata?.labels))
    causes.push({
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${JSON.stringify(spec.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
    });
  podSpec(spec?.template?.spec, 'spec.template.spec', causes);
}

function podSpec(spec: Json, at: string, causes: Cause[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${at}.containers`, message: 'Required value' });
    return;
  }
  const seen = new Set<string>();
  [...(spec.initContainers ?? []), ...containers].forEach((c: Json, i: number) => {
    const f = `${at}.containers[${i}]`;
    if (!c?.name) causes.push({ field: `${f}.name`, message: 'Required value' });
    else if (!DNS_LABEL.test(c.name))
      causes.push({
        field: `${f}.name`,
        message: `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
      });
    else if (seen.has(c.name)) causes.push({ field: `${f}.name`, message: `Duplicate value: "${c.name}"` });
    if (c?.name) seen.add(c.name);
    if (!c?.image) causes.push({ field: `${f}.image`, message: 'Required value' });
  });
}

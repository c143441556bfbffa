// Field types of the common built-in kinds, checked on an applied configuration as a real server's typed patch is
// ("failed to create typed patch object (ns/name; apps/v1, Kind=Deployment): .spec.replicas: expected numeric ...").
// Covers the fields a manifest is likely to get wrong; fields not listed here are not checked.
import { errors } from './status.js';
import type { Json, KubeObject } from './types.js';
import type { ResourceType } from './resources.js';

type T = 'string' | 'int' | 'intOrString' | 'bool' | 'any' | { list: T } | { map: T } | { fields: Record<string, T> };

const strings: T = { map: 'string' };
const meta: T = { fields: { name: 'string', namespace: 'string', generateName: 'string', labels: strings, annotations: strings } };
const port: T = { fields: { containerPort: 'int', hostPort: 'int', name: 'string', protocol: 'string', hostIP: 'string' } };
const env: T = { fields: { name: 'string', value: 'string', valueFrom: { fields: {} } } };
const container: T = {
  fields: {
    name: 'string',
    image: 'string',
    imagePullPolicy: 'string',
    workingDir: 'string',
    command: { list: 'string' },
    args: { list: 'string' },
    ports: { list: port },
    env: { list: env },
    tty: 'bool',
    stdin: 'bool',
  },
};
const podSpec: T = {
  fields: {
    containers: { list: container },
    initContainers: { list: container },
    restartPolicy: 'string',
    serviceAccountName: 'string',
    terminationGracePeriodSeconds: 'int',
    activeDeadlineSeconds: 'int',
    nodeSelector: strings,
    hostname: 'string',
    volumes: { list: { fields: { name: 'string' } } },
  },
};
const template: T = { fields: { metadata: meta, spec: podSpec } };
const selector: T = {
  fields: { matchLabels: strings, matchExpressions: { list: { fields: { key: 'string', operator: 'string', values: { list: 'string' } } } } },
};
const workload: T = {
  fields: {
    replicas: 'int',
    minReadySeconds: 'int',
    revisionHistoryLimit: 'int',
    progressDeadlineSeconds: 'int',
    paused: 'bool',
    selector,
    template,
    serviceName: 'string',
  },
};

const SCHEMAS: Record<string, Record<string, T>> = {
  Pod: { spec: podSpec },
  Deployment: { spec: workload },
  ReplicaSet: { spec: workload },
  StatefulSet: { spec: workload },
  DaemonSet: { spec: workload },
  Job: { spec: { fields: { template, backoffLimit: 'int', completions: 'int', parallelism: 'int', activeDeadlineSeconds: 'int' } } },
  Service: {
    spec: {
      fields: {
        type: 'string',
        clusterIP: 'string',
        selector: strings,
        ports: { list: { fields: { port: 'int', targetPort: 'intOrString', nodePort: 'int', name: 'string', protocol: 'string' } } },
      },
    },
  },
  ConfigMap: { data: strings, binaryData: strings, immutable: 'bool' },
  Secret: { data: strings, stringData: strings, type: 'string', immutable: 'bool' },
  Namespace: {},
};

function got(v: unknown): string {
  return `&value.valueUnstructured{Value:${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}}`;
}

function check(v: unknown, t: T, at: string): string | undefined {
  if (v === null || v === undefined || t === 'any') return undefined;
  if (t === 'string') return typeof v === 'string' ? undefined : `${at}: expected string, got ${got(v)}`;
  if (t === 'int')
    return typeof v === 'number'
      ? Number.isInteger(v)
        ? undefined
        : `${at}: expected numeric (int or float), got ${got(v)}`
      : `${at}: expected numeric (int or float), got ${typeof v === 'string' ? 'string' : got(v)}`;
  if (t === 'bool') return typeof v === 'boolean' ? undefined : `${at}: expected boolean, got ${got(v)}`;
  if (t === 'intOrString')
    return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) ? undefined : `${at}: expected string or numeric, got ${got(v)}`;
  if ('list' in t) {
    if (!Array.isArray(v)) return `${at}: expected list, got ${got(v)}`;
    for (let i = 0; i < v.length; i++) {
      const e = check(v[i], t.list, `${at}[${i}]`);
      if (e) return e;
    }
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return `${at}: expected map, got ${got(v)}`;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const sub = 'map' in t ? t.map : t.fields[k];
    if (!sub) continue;
    const e = check(x, sub, `${at}.${k}`);
    if (e) return e;
  }
  return undefined;
}

/** Throws a 400 naming the first mistyped field, as a real server refuses to build the typed object. */
export function typecheck(t: ResourceType, o: KubeObject): void {
  if (t.crd) return;
  const fields: Record<string, T> = { metadata: meta, ...(SCHEMAS[t.kind] ?? {}) };
  const e = check(o as Json, { fields }, '');
  if (!e) return;
  const gv = t.group ? `${t.group}/${t.version}` : `/${t.version}`;
  throw errors.badRequest(`failed to create typed patch object (${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}; ${gv}, Kind=${t.kind}): ${e}`);
}

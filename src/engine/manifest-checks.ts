/**
 * Pure: the checks of a Kubernetes object that need no server, for the mistakes a manifest is likely to have (a
 * name the API refuses, a selector that does not match its pod template's labels, no containers, a wrong type in
 * a common field). Only what every API server refuses is checked here: the server-side dry run (validate.ts)
 * does the rest, so nothing a server accepts is ever refused. Messages follow the API server's wording.
 */
import type { K8sObject } from '../resolve/manifests.js';

export interface Problem {
  field: string;
  message: string;
}

type J = Record<string, unknown>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kinds whose names must be RFC 1123 labels / subdomains (other kinds have their own rules: left to the server). */
const LABEL_NAMED = new Set(['Namespace', 'Service']);
const SUBDOMAIN_NAMED = new Set([
  'ConfigMap',
  'Secret',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Pod',
  'ServiceAccount',
  'PersistentVolumeClaim',
  'Ingress',
]);
const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);
const NAMESPACED_BUILTIN = new Set([...SUBDOMAIN_NAMED, 'Service']);

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v);

export function checkObject(o: K8sObject): Problem[] {
  const out: Problem[] = [];
  const name = o.metadata?.name;
  const core = !o.apiVersion.includes('/') || /^(apps|batch|networking\.k8s\.io)\//.test(o.apiVersion);
  if (typeof name !== 'string' || name === '') out.push({ field: 'metadata.name', message: 'Required value: name is required' });
  else if (core && LABEL_NAMED.has(o.kind) && (name.length > 63 || !DNS_LABEL.test(name))) {
    out.push({
      field: 'metadata.name',
      message: `Invalid value: ${show(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
    });
  } else if (core && SUBDOMAIN_NAMED.has(o.kind) && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    out.push({
      field: 'metadata.name',
      message: `Invalid value: ${show(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  const ns = o.metadata?.namespace;
  if (ns !== undefined && core && NAMESPACED_BUILTIN.has(o.kind) && (typeof ns !== 'string' || ns.length > 63 || !DNS_LABEL.test(ns))) {
    out.push({
      field: 'metadata.namespace',
      message: `Invalid value: ${show(ns)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
    });
  }
  labels(o.metadata?.labels, 'metadata.labels', out);
  strings(o.metadata?.annotations, 'metadata.annotations', out);
  if (!core) return out;
  const spec = o.spec as J | undefined;
  if (o.kind === 'ConfigMap') strings(o.data, 'data', out);
  if (o.kind === 'Pod') podSpec(spec, 'spec', out);
  if (WORKLOADS.has(o.kind) && o.apiVersion === 'apps/v1') workload(spec, out);
  if (o.kind === 'Job') podSpec(isObj(spec?.template) ? (spec!.template as J).spec : undefined, 'spec.template.spec', out);
  if (o.kind === 'Service' && isObj(spec)) {
    strings(spec.selector, 'spec.selector', out);
    if (spec.ports !== undefined && !Array.isArray(spec.ports)) out.push({ field: 'spec.ports', message: `expected list, got ${show(spec.ports)}` });
    else
      ((spec.ports as unknown[] | undefined) ?? []).forEach((p, i) => {
        if (isObj(p)) port(p.port, `spec.ports[${i}].port`, out);
      });
  }
  return out;
}

function strings(m: unknown, at: string, out: Problem[]): void {
  if (m === undefined || m === null) return;
  if (!isObj(m)) {
    out.push({ field: at, message: `expected map, got ${show(m)}` });
    return;
  }
  for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') out.push({ field: `${at}.${k}`, message: `expected string, got ${show(v)}` });
}

function labels(m: unknown, at: string, out: Problem[]): void {
  const before = out.length;
  strings(m, at, out);
  if (out.length > before || !isObj(m)) return;
  for (const [k, v] of Object.entries(m)) {
    const slash = k.lastIndexOf('/');
    const [prefix, nm] = slash < 0 ? ['', k] : [k.slice(0, slash), k.slice(slash + 1)];
    if ((slash >= 0 && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || nm.length > 63 || !LABEL_NAME.test(nm)) {
      out.push({
        field: at,
        message: `Invalid value: ${show(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    } else if ((v as string).length > 63 || !LABEL_VALUE.test(v as string)) {
      out.push({
        field: at,
        message: `Invalid value: ${show(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      });
    }
  }
}

function int(v: unknown, at: string, out: Problem[], min = 0): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) out.push({ field: at, message: `expected integer, got ${show(v)}` });
  else if (v < min) out.push({ field: at, message: `Invalid value: ${v}: must be greater than or equal to ${min}` });
}

function port(v: unknown, at: string, out: Problem[]): void {
  const before = out.length;
  int(v, at, out, 1);
  if (out.length === before && typeof v === 'number' && v > 65535)
    out.push({ field: at, message: `Invalid value: ${v}: must be between 1 and 65535, inclusive` });
}

/** Does a LabelSelector select these labels (matchLabels and matchExpressions)? */
export function selects(sel: J, labels: Record<string, unknown>): boolean {
  const ml = isObj(sel.matchLabels) ? sel.matchLabels : {};
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  const exprs = Array.isArray(sel.matchExpressions) ? (sel.matchExpressions as J[]) : [];
  return exprs.every((e) => {
    const key = String(e.key);
    const vals = Array.isArray(e.values) ? e.values : [];
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        return has && vals.includes(labels[key]);
      case 'NotIn':
        return !has || !vals.includes(labels[key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return true;
    }
  });
}

function workload(spec: J | undefined, out: Problem[]): void {
  if (!isObj(spec)) {
    out.push({ field: 'spec', message: 'Required value' });
    return;
  }
  int(spec.replicas, 'spec.replicas', out);
  const tpl = isObj(spec.template) ? spec.template : undefined;
  const tplLabels = isObj(tpl?.metadata) && isObj((tpl!.metadata as J).labels) ? ((tpl!.metadata as J).labels as Record<string, unknown>) : {};
  if (!isObj(spec.selector)) out.push({ field: 'spec.selector', message: 'Required value' });
  else if (Object.keys(spec.selector).length === 0 || (!isObj(spec.selector.matchLabels) && !Array.isArray(spec.selector.matchExpressions))) {
    out.push({ field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' });
  } else if (!selects(spec.selector, tplLabels)) {
    out.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${show(tplLabels)}: \`selector\` does not match template \`labels\`` });
  }
  podSpec(tpl?.spec, 'spec.template.spec', out);
}

function podSpec(spec: unknown, at: string, out: Problem[]): void {
  if (!isObj(spec)) {
    out.push({ field: at, message: 'Required value' });
    return;
  }
  const cs = spec.containers;
  if (!Array.isArray(cs) || cs.length === 0) {
    out.push({ field: `${at}.containers`, message: Array.isArray(cs) || cs === undefined ? 'Required value' : `expected list, got ${show(cs)}` });
    return;
  }
  const seen = new Set<string>();
  const all = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers.map((c, i) => [c, `${at}.initContainers[${i}]`] as const) : []),
    ...cs.map((c, i) => [c, `${at}.containers[${i}]`] as const),
  ];
  for (const [c, f] of all) {
    if (!isObj(c)) {
      out.push({ field: f, message: `expected map, got ${show(c)}` });
      continue;
    }
    if (typeof c.name !== 'string' || !c.name) out.push({ field: `${f}.name`, message: 'Required value' });
    else if (c.name.length > 63 || !DNS_LABEL.test(c.name))
      out.push({
        field: `${f}.name`,
        message: `Invalid value: ${show(c.name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
      });
    else if (seen.has(c.name)) out.push({ field: `${f}.name`, message: `Duplicate value: ${show(c.name)}` });
    if (typeof c.name === 'string') seen.add(c.name);
    if (c.image === undefined || c.image === '') out.push({ field: `${f}.image`, message: 'Required value' });
    else if (typeof c.image !== 'string') out.push({ field: `${f}.image`, message: `expected string, got ${show(c.image)}` });
    for (const k of ['command', 'args'] as const) {
      const v = c[k];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string')))
        out.push({ field: `${f}.${k}`, message: `expected a list of strings, got ${show(v)}` });
    }
    if (c.ports !== undefined && !Array.isArray(c.ports)) out.push({ field: `${f}.ports`, message: `expected list, got ${show(c.ports)}` });
    else
      ((c.ports as unknown[] | undefined) ?? []).forEach((p, i) => {
        if (isObj(p)) port(p.containerPort, `${f}.ports[${i}].containerPort`, out);
      });
    if (c.env !== undefined && !Array.isArray(c.env)) out.push({ field: `${f}.env`, message: `expected list, got ${show(c.env)}` });
    else
      ((c.env as unknown[] | undefined) ?? []).forEach((e, i) => {
        if (isObj(e) && e.value !== undefined && typeof e.value !== 'string')
          out.push({ field: `${f}.env[${i}].value`, message: `expected string, got ${show(e.value)}` });
      });
  }
}

// labelSelector and fieldSelector query parameters, and the matchLabels/matchExpressions selectors of workloads.
import { errors } from './status.js';
import type { Json, KubeObject } from './types.js';

type Req = { key: string; op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!='; values: string[] };
export type Predicate = (o: KubeObject) => boolean;

export function parseLabelSelector(s: string | undefined): Predicate {
  if (!s || !s.trim()) return () => true;
  const reqs: Req[] = splitTop(s).map(parseRequirement);
  return (o) => matchReqs(reqs, o.metadata.labels ?? {});
}

export function parseFieldSelector(s: string | undefined): Predicate {
  if (!s || !s.trim()) return () => true;
  const reqs = s.split(',').map((part) => {
    const m = /^\s*([^!=]+?)\s*(==|!=|=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw errors.badRequest(`invalid field selector: ${part}`);
    return { path: m[1], neg: m[2] === '!=', value: m[3] };
  });
  return (o) => reqs.every((r) => (fieldValue(o, r.path) === r.value) !== r.neg);
}

/** a metav1.LabelSelector (matchLabels + matchExpressions) against a set of labels */
export function matchesSelector(selector: Json, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (l[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as Array<{ key: string; operator: string; values?: string[] }>) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as 'In'];
    if (!op || !matchReqs([{ key: e.key, op, values: e.values ?? [] }], l)) return false;
  }
  return true;
}

function matchReqs(reqs: Req[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
      case 'in':
        return has && r.values.includes(labels[r.key]);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(labels[r.key]);
    }
  });
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0,
    cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

function parseRequirement(p: string): Req {
  let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(p);
  if (m) return { key: m[1], op: m[2] as 'in', values: m[3].split(',').map((x) => x.trim()) };
  m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
  if (m) return { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] };
  m = /^!\s*(\S+)$/.exec(p);
  if (m) return { key: m[1], op: '!exists', values: [] };
  if (/^[\w./-]+$/.test(p)) return { key: p, op: 'exists', values: [] };
  throw errors.badRequest(`unable to parse requirement: ${p}`);
}

function fieldValue(o: KubeObject, path: string): string {
  let v: Json = o;
  for (const part of path.split('.')) v = v?.[part];
  return v === undefined || v === null ? '' : String(v);
}

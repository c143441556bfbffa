// Field sets as server-side apply tracks them: the leaf paths of an object, encoded as in managedFields
// (`f:spec`, `k:{"name":"app"}` for an item of a keyed list, `.` for the item itself).
import type { Json } from '../api/types.js';
import { isObject, itemKey, listKeys } from './listkeys.js';

/** path (segments joined by NUL) -> the value's JSON ('' for an item itself) */
export type FieldSet = Map<string, string>;

const SEP = '\u0000';
const META_FIELDS = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

export function fieldsOf(obj: Json, builtin: boolean): FieldSet {
  const out: FieldSet = new Map();
  for (const [k, v] of Object.entries((obj ?? {}) as Record<string, Json>)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      for (const m of META_FIELDS) if (v?.[m] !== undefined) walk(v[m], m, ['f:metadata', 'f:' + m], builtin, out);
      continue;
    }
    walk(v, k, ['f:' + k], builtin, out);
  }
  return out;
}

function walk(value: Json, field: string, path: string[], builtin: boolean, out: FieldSet): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) walk(v, k, [...path, 'f:' + k], builtin, out);
    return;
  }
  const keys = Array.isArray(value) ? listKeys(field, value, builtin) : undefined;
  if (Array.isArray(value) && keys) {
    for (const item of value) {
      const p = [...path, 'k:' + itemKey(item, keys)];
      out.set([...p, '.'].join(SEP), '');
      if (isObject(item)) for (const [k, v] of Object.entries(item)) walk(v, k, [...p, 'f:' + k], builtin, out);
    }
    return;
  }
  out.set(path.join(SEP), JSON.stringify(value));
}

export function toFieldsV1(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, Record<string, unknown>> = {};
  for (const p of paths) {
    let node: Record<string, unknown> = root;
    for (const seg of p.split(SEP)) node = (node[seg] ??= {}) as Record<string, unknown>;
  }
  return root;
}

export function fromFieldsV1(tree: Json): Set<string> {
  const out = new Set<string>();
  const rec = (node: Json, prefix: string[]) => {
    const entries = Object.entries(node ?? {});
    if (entries.length === 0 && prefix.length) out.add(prefix.join(SEP));
    for (const [k, v] of entries) rec(v, [...prefix, k]);
  };
  rec(tree, []);
  return out;
}

export function splitPath(p: string): string[] {
  return p.split(SEP);
}

/** `.spec.replicas`, as conflicts name a field */
export function describePath(p: string): string {
  return splitPath(p)
    .filter((s) => s !== '.')
    .map((s) => (s.startsWith('f:') ? '.' + s.slice(2) : `[${s.slice(2)}]`))
    .join('');
}

/** the container (object or list) holding a path's last segment, or undefined when the path is absent */
function parentOf(obj: Json, segs: string[]): Json {
  let v = obj;
  for (const s of segs) {
    if (v === undefined || v === null) return undefined;
    if (s.startsWith('f:')) v = v[s.slice(2)];
    else if (s.startsWith('k:')) v = Array.isArray(v) ? v.find((i) => matchesKey(i, s)) : undefined;
  }
  return v;
}

function matchesKey(item: Json, seg: string): boolean {
  const k = JSON.parse(seg.slice(2));
  return itemKey(item, Object.keys(k)) === seg.slice(2);
}

/** removes the field (or list item, for a path ending in `.`) named by a path; empty maps left behind go too */
export function removeAt(obj: Json, p: string): void {
  const segs = splitPath(p);
  if (segs[segs.length - 1] === '.') {
    const list = parentOf(obj, segs.slice(0, -2));
    if (Array.isArray(list)) {
      const i = list.findIndex((x) => matchesKey(x, segs[segs.length - 2]));
      if (i >= 0) list.splice(i, 1);
    }
    return;
  }
  const parent = parentOf(obj, segs.slice(0, -1));
  const last = segs[segs.length - 1];
  if (isObject(parent) && last.startsWith('f:')) delete parent[last.slice(2)];
  // prune maps this emptied, up to the top (an emptied `labels: {}` is dropped as the real server does)
  for (let n = segs.length - 1; n > 1; n--) {
    const up = parentOf(obj, segs.slice(0, n - 1));
    const seg = segs[n - 1];
    if (!seg.startsWith('f:') || !isObject(up)) break;
    const child = up[seg.slice(2)];
    if (isObject(child) && Object.keys(child).length === 0) delete up[seg.slice(2)];
    else break;
  }
}

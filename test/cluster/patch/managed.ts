// managedFields bookkeeping: server-side apply (owned fields, conflicts, removal of fields an applier dropped)
// and the ownership that ordinary updates take of the fields they change.
import { ApiError } from '../api/status.js';
import { clone, now, type Json, type KubeObject, type ManagedFieldsEntry } from '../api/types.js';
import { describePath, fieldsOf, fromFieldsV1, removeAt, toFieldsV1 } from './fieldset.js';
import { isObject, itemKey, listKeys } from './listkeys.js';

interface Owner {
  entry: ManagedFieldsEntry;
  paths: Set<string>;
}

const owners = (o: KubeObject | undefined): Owner[] => (o?.metadata.managedFields ?? []).map((entry) => ({ entry, paths: fromFieldsV1(entry.fieldsV1) }));

const isMine = (e: ManagedFieldsEntry, manager: string, op: 'Apply' | 'Update') => e.manager === manager && e.operation === op && !e.subresource;

export interface ApplyArgs {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  builtin: boolean;
}

/** the object after `applied` is applied by `manager` to `live` (or created from it), with managedFields updated */
export function serverSideApply({ live, applied, manager, force, builtin }: ApplyArgs): KubeObject {
  const want = fieldsOf(applied, builtin);
  const have = live ? fieldsOf(live, builtin) : new Map<string, string>();
  const all = owners(live);
  const others = all.filter((o) => !isMine(o.entry, manager, 'Apply'));

  const conflicts: Array<{ path: string; manager: string; apiVersion: string }> = [];
  for (const [p, v] of want) {
    if (p.endsWith('.') || !have.has(p) || have.get(p) === v) continue;
    for (const o of others) if (o.paths.has(p)) conflicts.push({ path: p, manager: o.entry.manager, apiVersion: o.entry.apiVersion });
  }
  if (conflicts.length && !force) {
    const kind = applied.kind,
      name = applied.metadata?.name ?? '';
    const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${describePath(c.path)}`);
    const msg = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    throw new ApiError(409, 'Conflict', msg, {
      name,
      kind,
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: describePath(c.path),
      })),
    });
  }

  const merged: KubeObject = live
    ? clone(live)
    : ({ apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata.name, namespace: applied.metadata.namespace } } as KubeObject);
  for (const [k, v] of Object.entries(applied)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      for (const m of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (v?.[m] !== undefined) (merged.metadata as Json)[m] = mergeValue((merged.metadata as Json)[m], v[m], m, builtin);
      }
      if (!live && v?.generateName) merged.metadata.generateName = v.generateName;
      continue;
    }
    merged[k] = mergeValue(merged[k], v, k, builtin);
  }

  // fields this manager applied before and no longer does go away, unless someone else also owns them
  const mine = all.find((o) => isMine(o.entry, manager, 'Apply'));
  const dropped = [...(mine?.paths ?? [])].filter((p) => !want.has(p) && !others.some((o) => ownsUnder(o.paths, p)));
  for (const p of dropped.sort((a, b) => b.length - a.length)) removeAt(merged, p);

  const taken = new Set(conflicts.map((c) => c.path));
  const present = fieldsOf(merged, builtin);
  const entries: ManagedFieldsEntry[] = [];
  let placed = false;
  for (const o of all) {
    if (isMine(o.entry, manager, 'Apply')) {
      entries.push(entry(manager, 'Apply', applied.apiVersion, want.keys()));
      placed = true;
      continue;
    }
    const left = [...o.paths].filter((p) => !taken.has(p) && present.has(p));
    if (left.length) entries.push({ ...o.entry, fieldsV1: toFieldsV1(left) });
  }
  if (!placed) entries.push(entry(manager, 'Apply', applied.apiVersion, want.keys()));
  merged.metadata.managedFields = entries;
  return merged;
}

/** records that `manager` changed `before` into `after` with an ordinary create/update/patch */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, manager: string, builtin: boolean): void {
  const a = fieldsOf(after, builtin);
  const b = before ? fieldsOf(before, builtin) : new Map<string, string>();
  const changed = [...a].filter(([p, v]) => b.get(p) !== v).map(([p]) => p);
  const all = owners(before ?? after);
  const entries: ManagedFieldsEntry[] = [];
  let placed = false;
  for (const o of all) {
    if (isMine(o.entry, manager, 'Update')) {
      entries.push(
        entry(
          manager,
          'Update',
          after.apiVersion,
          [...new Set([...o.paths, ...changed])].filter((p) => a.has(p)),
        ),
      );
      placed = true;
      continue;
    }
    const left = [...o.paths].filter((p) => a.has(p) && !changed.includes(p));
    if (left.length) entries.push({ ...o.entry, fieldsV1: toFieldsV1(left) });
  }
  if (!placed && changed.length) entries.push(entry(manager, 'Update', after.apiVersion, changed));
  if (entries.length) after.metadata.managedFields = entries;
  else delete after.metadata.managedFields;
}

function entry(manager: string, operation: 'Apply' | 'Update', apiVersion: string, paths: Iterable<string>): ManagedFieldsEntry {
  return { manager, operation, apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(paths) };
}

function ownsUnder(paths: Set<string>, p: string): boolean {
  if (paths.has(p)) return true;
  if (!p.endsWith('.')) return false;
  const prefix = p.slice(0, -1);
  return [...paths].some((q) => q.startsWith(prefix));
}

function mergeValue(live: Json, applied: Json, field: string, builtin: boolean): Json {
  if (applied === null) return live;
  if (isObject(applied) && isObject(live)) {
    const out = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      out[k] = mergeValue(live[k], v, k, builtin);
    }
    return out;
  }
  const keys = Array.isArray(applied) ? listKeys(field, applied, builtin) : undefined;
  if (keys && Array.isArray(live)) {
    const out = [...live];
    for (const item of applied) {
      const i = out.findIndex((x) => itemKey(x, keys) === itemKey(item, keys));
      if (i >= 0) out[i] = mergeValue(out[i], item, '', builtin);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(applied);
}

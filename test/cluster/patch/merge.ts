// JSON merge patch (RFC 7386) and strategic-merge patch: a merge patch whose keyed lists merge item by item
// and which understands the `$patch: delete|replace` and `$setElementOrder`/`$retainKeys` directives kubectl sends.
import type { Json } from '../api/types.js';
import { isObject, itemKey, listKeys } from './listkeys.js';

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function strategicMergePatch(target: Json, patch: Json, builtin = true): Json {
  return smpObject(isObject(target) ? target : {}, patch, builtin);
}

function smpObject(target: Record<string, Json>, patch: Json, builtin: boolean): Json {
  if (!isObject(patch)) return patch;
  if (patch['$patch'] === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: Record<string, Json> = { ...target };
  const retain = patch['$retainKeys'] as string[] | undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/') || k === '$retainKeys' || k === '$patch') continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = smpList(k, out[k], v, builtin);
      continue;
    }
    if (isObject(v)) {
      const r = smpObject(isObject(out[k]) ? out[k] : {}, v, builtin);
      if (r === undefined) delete out[k];
      else out[k] = r;
      continue;
    }
    out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f])) out[f] = out[f].filter((x: Json) => !(v as Json[]).includes(x));
    }
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function smpList(field: string, target: Json, patch: Json[], builtin: boolean): Json[] {
  const keys = listKeys(field, patch, builtin);
  if (!keys || !Array.isArray(target)) return patch.filter((p) => !(isObject(p) && p['$patch']));
  const out = [...target];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const k = itemKey(item, keys);
    const i = out.findIndex((x) => itemKey(x, keys) === k);
    if (item['$patch'] === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = smpObject(out[i], item, builtin);
    else out.push(smpObject({}, item, builtin));
  }
  return out;
}

// JSON patch (RFC 6902): add, remove, replace, move, copy, test.
import { errors } from '../api/status.js';
import { clone, type Json } from '../api/types.js';

export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be an array of operations');
  let out = clone(doc);
  for (const op of ops) {
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        out = put(out, path, clone(op.value), true);
        break;
      case 'replace':
        get(out, path);
        out = put(out, path, clone(op.value), false);
        break;
      case 'remove':
        out = del(out, path);
        break;
      case 'move': {
        const v = get(out, parsePointer(op.from));
        out = put(del(out, parsePointer(op.from)), path, v, true);
        break;
      }
      case 'copy':
        out = put(out, path, clone(get(out, parsePointer(op.from))), true);
        break;
      case 'test':
        if (JSON.stringify(get(out, path)) !== JSON.stringify(op.value))
          throw errors.invalid('', '', '', [{ field: op.path, message: 'test operation failed' }]);
        break;
      default:
        throw errors.badRequest(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return out;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p?.startsWith('/')) throw errors.badRequest(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string[]): Json {
  let v = doc;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !(p in v)) throw errors.invalid('', '', '', [{ field: '/' + path.join('/'), message: 'path not found' }]);
    v = v[p];
  }
  return v;
}

function put(doc: Json, path: string[], value: Json, insert: boolean): Json {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (insert) parent.splice(i, 0, value);
    else parent[i] = value;
  } else parent[last] = value;
  return doc;
}

function del(doc: Json, path: string[]): Json {
  const parent = get(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  get(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}

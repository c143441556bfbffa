/**
 * Validation of the trailing options object each API function takes: unknown options (with the valid
 * ones and a "did you mean"), wrong types. Errors are DevloopErrors located at the user's call.
 */
import { DevloopError } from '../model/errors.js';
import type { Loc } from './spec.js';

export type Kind =
  | 'string'
  | 'boolean'
  | 'number'
  | 'strings'
  | 'stringOrStrings'
  | 'stringMap'
  | 'any'
  | 'steps'
  | 'stringOrNumberOrList'
  | 'mapOrMaps'
  | 'object'
  | 'stringOrNumber'
  | 'links'
  | 'portForwards';

const describe: Record<Kind, string> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  strings: 'a list of strings',
  stringOrStrings: 'a string or a list of strings',
  stringMap: 'an object of string values, e.g. { key: "value" }',
  any: 'a value',
  steps: 'a list of live update steps (sync, run, fall_back_on, initial_sync, restart_process, restart_container)',
  stringOrNumberOrList: 'a port number, a string such as "8000:80", or a list of them',
  mapOrMaps: 'an object of string labels, or a list of them',
  object: 'an object',
  stringOrNumber: 'a string or a number',
  links: "a URL, link('http://...', 'name'), or a list of them",
  portForwards: "a port number, a string such as '8000:80', port_forward(8000, 80), or a list of them",
};

const isObj = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);
const oneOrList = (v: unknown, ok: (x: unknown) => boolean): boolean => ok(v) || (Array.isArray(v) && v.every(ok));

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  if (typeof v === 'function') return 'a function';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

export function checkType(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'stringOrStrings':
      return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    case 'stringMap':
      return isStringMap(v);
    case 'steps':
      return Array.isArray(v);
    case 'stringOrNumberOrList':
      return typeof v === 'string' || typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'));
    case 'mapOrMaps':
      return isStringMap(v) || (Array.isArray(v) && v.every(isStringMap));
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'stringOrNumber':
      return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    case 'links':
      return oneOrList(v, (x) => typeof x === 'string' || isObj(x));
    case 'portForwards':
      return oneOrList(v, (x) => typeof x === 'string' || typeof x === 'number' || isObj(x));
    case 'any':
      return true;
  }
}

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Validates `opts` against `schema`; returns it typed. `fn` is the API function's name for messages. */
export function checkOptions<T extends Record<string, unknown>>(fn: string, opts: unknown, schema: Record<string, Kind>, loc: Loc): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new DevloopError(
      'config-bad-type',
      `${fn}: the options argument must be an object such as { ${Object.keys(schema)[0]}: ... }, got ${typeName(opts)}`,
      {
        location: loc,
        hint: `valid options of ${fn}: ${Object.keys(schema).join(', ')}`,
      },
    );
  }
  for (const [key, value] of Object.entries(opts)) {
    const kind = schema[key];
    if (!kind) {
      const guess = closest(key, Object.keys(schema));
      throw new DevloopError('config-unknown-option', `${fn}: unknown option '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
        location: loc,
        hint: `valid options of ${fn}: ${Object.keys(schema).join(', ')}`,
      });
    }
    if (value === undefined) continue;
    if (!checkType(kind, value)) {
      throw new DevloopError('config-bad-type', `${fn}: option '${key}' must be ${describe[kind]}, got ${typeName(value)}`, { location: loc });
    }
  }
  return opts as Partial<T>;
}

export function checkArg(fn: string, name: string, kind: Kind, value: unknown, loc: Loc, example?: string): void {
  if (!checkType(kind, value)) {
    throw new DevloopError('config-bad-type', `${fn}: argument '${name}' must be ${describe[kind]}, got ${typeName(value)}`, {
      location: loc,
      hint: example ? `for example: ${example}` : undefined,
    });
  }
}

export const toList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

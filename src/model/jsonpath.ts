/**
 * Kubernetes JSONPath for `k8s_kind(image_json_path)` / `k8s_image_json_path`, parsed (jsonpath-parse.ts) and
 * evaluated as client-go evaluates it on an object read from YAML, with missing keys an error (as in Tilt):
 * - `.name` on a map gives its value; when no input has the key, "name is not found"; null inputs are skipped;
 * - `[i]`, `[a:b:c]`: out-of-range indexes are errors, a slice of nothing is empty (and ends the step);
 * - `*` gives a map's values or a list's elements; `..` gives every map and list with content, then what
 *   follows applies to each; unions concatenate; filters keep the list elements for which the comparison
 *   holds (numbers compare with numbers, strings with strings, ints with ints: 1 and 1.0 are not comparable)
 *   or, for `[?(@.x)]`, for which the path yields something.
 * A path written without braces (`.spec.image`) is read as `{.spec.image}`.
 */
import { DevloopError } from './errors.js';
import { JsonPathSyntaxError, parseJsonPathTemplate, type JpList, type JpNode, type SliceParam } from './jsonpath-parse.js';

export type PathSegment = string | number;

export interface JsonPath {
  /** The expression as written. */
  readonly source: string;
  readonly root: JpList;
}

export interface JsonPathMatch {
  /** Where the value is in the object; undefined for a literal of the path or a byte of a string. */
  readonly segments: PathSegment[] | undefined;
  readonly value: unknown;
}

/**
 * An evaluation error (a key not found, an index out of range), in client-go's words. `partial` is what
 * client-go's failing step returned with it, which an existence filter still counts.
 */
export class JsonPathError extends Error {
  constructor(
    message: string,
    readonly partial: readonly unknown[] = [],
  ) {
    super(message);
  }
}

const HINT =
  "Kubernetes JSONPath, e.g. '{.spec.image}', '{.spec.containers[*].image}', '{.spec.containers[?(@.name==\"web\")].image}'; a key with dots is written '{.metadata.labels.app\\.kubernetes\\.io/name}'.";

/** Throws DevloopError `invalid-json-path`. */
export function compileJsonPath(source: string): JsonPath {
  const fail = (why: string): never => {
    throw new DevloopError('invalid-json-path', `invalid JSON path ${JSON.stringify(source)}: ${why}`, { hint: HINT });
  };
  if (typeof source !== 'string') fail('expected a string');
  const text = source.trim();
  if (text === '') fail('it is empty');
  try {
    // Without braces client-go would read literal text; take it as the path it is meant to be.
    const root = parseJsonPathTemplate(text.includes('{') ? text : `{${/^[\p{L}\p{Nd}_]/u.test(text) ? '.' : ''}${text}}`);
    if (root.nodes.every((n) => n.t === 'list' && n.nodes.length === 0)) fail('it selects nothing');
    return { source, root };
  } catch (e) {
    if (e instanceof JsonPathSyntaxError) return fail(e.message);
    throw e;
  }
}

interface V {
  v: unknown;
  seg?: PathSegment[];
  /** A float literal of the path (1.0 is a float to client-go, not an int). */
  float?: boolean;
}

/** Every value the path reaches in `root`, in client-go's order. Throws JsonPathError. */
export function evalJsonPath(path: JsonPath, root: unknown): JsonPathMatch[] {
  return evalJsonPathGroups(path, root).flat();
}

/** The matches of each top-level part of the template (`{.a}x{.b}` has three), as client-go groups them. */
export function evalJsonPathGroups(path: JsonPath, root: unknown): JsonPathMatch[][] {
  return path.root.nodes.map((node) => walk([{ v: root, seg: [] }], node).map((r) => ({ segments: r.seg, value: r.v })));
}

function walk(input: V[], node: JpNode): V[] {
  switch (node.t) {
    case 'list':
      return node.nodes.reduce((cur, n) => walk(cur, n), input);
    case 'text':
      return [{ v: node.text }];
    case 'int':
    case 'bool':
      return input.map(() => ({ v: node.v }));
    case 'float':
      return input.map(() => ({ v: node.v, float: true }));
    case 'field':
      return evalField(input, node.name);
    case 'array':
      return evalArray(input, node.params);
    case 'union':
      try {
        return node.nodes.flatMap((alt) => walk(input, alt));
      } catch (e) {
        throw e instanceof JsonPathError ? new JsonPathError(e.message, input) : e;
      }
    case 'wildcard':
      return input.flatMap(children);
    case 'recursive':
      return evalRecursive(input);
    case 'filter':
      return evalFilter(input, node.left, node.right, node.op);
    case 'identifier':
      throw new JsonPathError(`unrecognized identifier ${node.name}`, input);
  }
}

const at = (x: V, k: PathSegment): PathSegment[] | undefined => (x.seg ? [...x.seg, k] : undefined);

function evalField(input: V[], name: string): V[] {
  if (input.length === 0) return [];
  const results: V[] = [];
  for (const x of input) {
    if (isMap(x.v) && Object.hasOwn(x.v, name)) results.push({ v: x.v[name], seg: at(x, name) });
  }
  if (results.length === 0) throw new JsonPathError(`${name} is not found`);
  return results;
}

function evalArray(input: V[], node: readonly SliceParam[]): V[] {
  const result: V[] = [];
  for (const x of input) {
    if (x.v === null || x.v === undefined) continue;
    if (!Array.isArray(x.v)) throw new JsonPathError(`${describe(x.v)} is not array or slice`, input);
    const len = x.v.length;
    const [p0, p1, p2] = node.map((p) => ({ ...p })) as [SliceParam, SliceParam, SliceParam];
    if (!p0.known) p0.value = 0;
    if (p0.value < 0) p0.value += len;
    if (!p1.known) p1.value = len;
    if (p1.value < 0 || (p1.value === 0 && p1.derived)) p1.value += len;
    if (p1.value === p0.value) return result; // nothing requested (client-go stops here)
    if (p0.value >= len || p0.value < 0) throw new JsonPathError(`array index out of bounds: index ${p0.value}, length ${len}`, input);
    if (p1.value > len || p1.value < 0) throw new JsonPathError(`array index out of bounds: index ${p1.value - 1}, length ${len}`, input);
    if (p0.value > p1.value) throw new JsonPathError(`starting index ${p0.value} is greater than ending index ${p1.value}`, input);
    let step = 1;
    if (p2.known) {
      if (p2.value <= 0) throw new JsonPathError('step must be > 0', input);
      step = p2.value;
    }
    for (let i = p0.value; i < p1.value; i += step) result.push({ v: x.v[i], seg: at(x, i) });
  }
  return result;
}

/** A map's values, a list's elements, a string's bytes (as client-go's reflection gives them). */
function children(x: V): V[] {
  if (Array.isArray(x.v)) return x.v.map((v, i) => ({ v, seg: at(x, i) }));
  if (isMap(x.v)) return Object.entries(x.v).map(([k, v]) => ({ v, seg: at(x, k) }));
  if (typeof x.v === 'string') return [...Buffer.from(x.v, 'utf8')].map((b) => ({ v: b }));
  return [];
}

function evalRecursive(input: V[]): V[] {
  const result: V[] = [];
  for (const x of input) {
    const kids = children(x);
    if (kids.length === 0) continue;
    result.push(x, ...evalRecursive(kids));
  }
  return result;
}

function evalFilter(input: V[], left: JpList, right: JpList, op: string): V[] {
  const results: V[] = [];
  for (const x of input) {
    if (!Array.isArray(x.v)) throw new JsonPathError(`${describe(x.v)} is not array or slice and cannot be filtered`, input);
    x.v.forEach((el, i) => {
      const item: V = { v: el, seg: at(x, i) };
      if (op === 'exists') {
        let found: readonly unknown[];
        try {
          found = walk([item], left);
        } catch (e) {
          if (!(e instanceof JsonPathError)) throw e;
          found = e.partial; // client-go counts what the failing step returned
        }
        if (found.length > 0) results.push(item);
        return;
      }
      const again = (e: unknown, partial: readonly unknown[]): never => {
        throw e instanceof JsonPathError ? new JsonPathError(e.message, partial) : e;
      };
      let lefts: V[] = [];
      try {
        lefts = walk([item], left);
      } catch (e) {
        again(e, input);
      }
      if (lefts.length === 0) return;
      if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time', input);
      let rights: V[] = [];
      try {
        rights = walk([item], right);
      } catch (e) {
        again(e, input);
      }
      if (rights.length === 0) return;
      if (rights.length > 1) throw new JsonPathError('can only compare one element at a time', input);
      let pass = false;
      try {
        pass = compare(op, lefts[0]!, rights[0]!);
      } catch (e) {
        again(e, results);
      }
      if (pass) results.push(item);
    });
  }
  return results;
}

type Kind = 'bool' | 'int' | 'float' | 'string';

function kindOf(x: V): Kind {
  if (typeof x.v === 'boolean') return 'bool';
  if (typeof x.v === 'bigint') return 'int';
  if (typeof x.v === 'number') return !x.float && Number.isInteger(x.v) ? 'int' : 'float';
  if (typeof x.v === 'string') return 'string';
  throw new JsonPathError('invalid type for comparison');
}

/** Go's text/template comparison functions, as client-go's filters use them. */
function compare(op: string, a: V, b: V): boolean {
  const [ka, kb] = [kindOf(a), kindOf(b)];
  const eq = (): boolean => {
    if (ka !== kb) throw new JsonPathError('incompatible types for comparison');
    if (ka === 'int') return BigInt(a.v as number | bigint) === BigInt(b.v as number | bigint);
    return a.v === b.v;
  };
  const lt = (): boolean => {
    if (ka !== kb) throw new JsonPathError('incompatible types for comparison');
    if (ka === 'bool') throw new JsonPathError('invalid type for comparison');
    if (ka === 'string') return (a.v as string) < (b.v as string);
    if (ka === 'int') return BigInt(a.v as number | bigint) < BigInt(b.v as number | bigint);
    return (a.v as number) < (b.v as number);
  };
  switch (op) {
    case '==':
      return eq();
    case '!=':
      return !eq();
    case '<':
      return lt();
    case '<=':
      return lt() || eq();
    case '>':
      return !(lt() || eq());
    case '>=':
      return !lt();
    default:
      throw new JsonPathError(`unrecognized filter operator ${op}`);
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a map';
  return `the ${typeof v === 'bigint' ? 'number' : typeof v} ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`;
}

/**
 * `spec.template.spec.containers[0].image`, written so that `{.` + it + `}` selects it again: characters that
 * end a field name in JSONPath are escaped (`metadata.labels.app\\.kubernetes\\.io/name`).
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += `${out === '' ? '' : '.'}${seg.replace(/[\\.,[\]$@{} \t]/g, '\\$&')}`;
  }
  return out;
}

/** The value at `segments`, or undefined. */
export function getAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of segments) {
    if (typeof seg === 'number' ? !Array.isArray(v) : !isMap(v)) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** Set the value at `segments` (the parent must exist). Mutates `root`. */
export function setAt(root: unknown, segments: readonly PathSegment[], value: unknown): void {
  if (segments.length === 0) throw new Error('setAt: empty path');
  const parent = getAt(root, segments.slice(0, -1));
  if (typeof parent !== 'object' || parent === null) throw new Error(`setAt: no parent at ${formatPath(segments)}`);
  (parent as Record<string | number, unknown>)[segments[segments.length - 1]!] = value;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

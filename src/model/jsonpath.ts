/**
 * The small JSONPath subset Tilt documents for `k8s_kind` / `k8s_image_json_path`:
 * `{.spec.image}`, `{.spec.containers[*].image}`, `{.spec.template.spec.containers[*].image}`.
 * Supported: an optional `{…}` wrapper and leading `$`; `.field` (a `\` escapes the next character, so
 * `.a\.b` is the key `a.b`); `['key']` / `["key"]`; `[N]` (negative counts from the end); `[*]` and `.*`
 * over array elements or map values. Not supported (an error says so): filters, slices, unions, `..`.
 * A path that reaches nothing gives no match rather than an error: one locator serves many objects.
 */
import { DevloopError } from './errors.js';

export type PathSegment = string | number;

type Step = { type: 'key'; key: string } | { type: 'index'; index: number } | { type: 'all' };

export interface JsonPath {
  /** The expression as written. */
  readonly source: string;
  readonly steps: readonly Step[];
}

export interface JsonPathMatch {
  readonly segments: PathSegment[];
  readonly value: unknown;
}

/** Throws DevloopError `invalid-json-path`. */
export function compileJsonPath(source: string): JsonPath {
  const fail = (why: string): never => {
    throw new DevloopError('invalid-json-path', `invalid JSON path ${JSON.stringify(source)}: ${why}`, {
      hint: "Supported: '{.spec.image}', '{.spec.containers[*].image}', '{.spec.images[0]}', \"{.metadata.labels['app.kubernetes.io/name']}\".",
    });
  };
  let s = typeof source === 'string' ? source.trim() : fail('expected a string');
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) fail("missing closing '}'");
    s = s.slice(1, -1).trim();
  }
  if (s.startsWith('$')) s = s.slice(1);
  if (s === '') fail('it is empty');
  if (/^[^.[]/.test(s)) s = `.${s}`; // `spec.image` is read as `.spec.image`

  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      if (s[i] === '.') fail("recursive descent '..' is not supported");
      if (s[i] === '*') {
        steps.push({ type: 'all' });
        i++;
        continue;
      }
      let key = '';
      while (i < s.length && !'.[]{}'.includes(s[i]!) && !/\s/.test(s[i]!)) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        key += s[i];
        i++;
      }
      if (key === '') fail(`expected a field name at position ${i}`);
      steps.push({ type: 'key', key });
    } else if (c === '[') {
      const close = findClose(s, i);
      if (close < 0) fail("missing closing ']'");
      const inner = s.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ type: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ type: 'index', index: Number(inner) });
      else if (/^'(?:[^'\\]|\\.)*'$|^"(?:[^"\\]|\\.)*"$/.test(inner)) steps.push({ type: 'key', key: inner.slice(1, -1).replace(/\\(.)/g, '$1') });
      else fail(`unsupported selector [${inner}] (only [N], [*] and ['key'] are supported)`);
      i = close + 1;
    } else {
      fail(`unexpected ${JSON.stringify(c)} at position ${i}`);
    }
  }
  return { source, steps };
}

/** Every value the path reaches in `root`, with its concrete location. */
export function evalJsonPath(path: JsonPath, root: unknown): JsonPathMatch[] {
  let current: JsonPathMatch[] = [{ segments: [], value: root }];
  for (const step of path.steps) {
    const next: JsonPathMatch[] = [];
    for (const { segments, value } of current) {
      if (step.type === 'key') {
        if (isMap(value) && Object.hasOwn(value, step.key) && value[step.key] !== undefined) {
          next.push({ segments: [...segments, step.key], value: value[step.key] });
        }
      } else if (step.type === 'index') {
        if (Array.isArray(value)) {
          const index = step.index < 0 ? value.length + step.index : step.index;
          if (index >= 0 && index < value.length) next.push({ segments: [...segments, index], value: value[index] });
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, index) => next.push({ segments: [...segments, index], value: v }));
      } else if (isMap(value)) {
        for (const [k, v] of Object.entries(value)) next.push({ segments: [...segments, k], value: v });
      }
    }
    current = next;
  }
  return current;
}

/** `spec.template.spec.containers[0].image`; keys that are not plain names are written `['a.b']`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `['${seg.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
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

function findClose(s: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ']') return i;
  }
  return -1;
}

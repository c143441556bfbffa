/**
 * YAML as kubectl reads it: the `yaml` package parses (YAML 1.1 directives and tag handles, every line
 * known), and this file builds the values with go-yaml v2's rules as sigs.k8s.io/yaml applies them
 * (yaml-scalar.ts types the scalars):
 * - a key written twice keeps its last value; `<<` merges a map or a list of maps (later keys win, earlier
 *   maps of the list win); keys become JSON strings (`1` → "1", `yes` → "true"); a null, list or map key, and
 *   NaN or an infinity anywhere, are refused as kubectl refuses them;
 * - an anchor whose value holds an alias to itself is refused; alias expansion is limited exactly as go-yaml
 *   limits it (CVE-2019-11253): more than 100 aliased nodes, over 1000 decoded, whose share of the work is
 *   above 99% (falling to 10% between 400,000 and 4,000,000 decoded nodes) stops the read;
 * - integers that fit int64 stay exact (a BigInt beyond 2^53; see exact-json.ts for writing them);
 * - the stream is split as kubectl splits it (at lines starting with `---`, each piece read on its own), and
 *   one that starts with `{` is strict JSON, as kubectl reads it; characters outside YAML's printable set are
 *   refused.
 * Every error names file:line (and column where known).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parse, parseAllDocuments, stringify, visit, type Document, type Node } from 'yaml';
import { DevloopError } from './errors.js';
import { keyString, resolveScalar, ScalarError, type Scalar } from './yaml-scalar.js';
import './exact-json.js';

export interface YamlDocument {
  /** The document's value (null for an empty document). */
  value: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
}

const MAX_DEPTH = 10_000;
const RATIO_LOW = 400_000;
const RATIO_HIGH = 4_000_000;

function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= RATIO_LOW) return 0.99;
  if (decodeCount >= RATIO_HIGH) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - RATIO_LOW) / (RATIO_HIGH - RATIO_LOW));
}

class Failure extends Error {
  constructor(
    message: string,
    readonly node: unknown,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type AnyNode = Node | null | undefined;

class Decoder {
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private depth = 0;
  private readonly active = new Set<unknown>();
  private readonly targets = new Map<unknown, Node>();
  private indexed = false;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
  ) {}

  private count(node: AnyNode): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      throw new Failure(
        'document contains excessive aliasing',
        node,
        'Its aliases expand to far more than it holds (kubectl refuses it too): write the values out, or nest fewer aliases.',
      );
    }
  }

  private target(node: Node): Node {
    if (!this.indexed) this.indexAnchors();
    const t = this.targets.get(node);
    if (!t)
      throw new Failure(
        `unknown anchor '${isAlias(node) ? node.source : '?'}' referenced`,
        node,
        'Define the anchor (&name) before the alias (*name), in the same document.',
      );
    return t;
  }

  /** Each alias's node: the last one anchored with its name before it (an anchor counts from its node's start). */
  private indexAnchors(): void {
    this.indexed = true;
    const anchors = new Map<string, Node>();
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const t = anchors.get(node.source);
          if (t) this.targets.set(node, t);
        } else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /** Follows an alias as go-yaml does (counting it, refusing one met again inside its own expansion). */
  private viaAlias<T>(node: Node, f: (target: Node) => T): T {
    if (this.active.has(node))
      throw new Failure(`anchor '${isAlias(node) ? node.source : '?'}' value contains itself`, node, 'An anchored value cannot hold an alias to itself.');
    const t = this.target(node);
    this.active.add(node);
    this.aliasDepth++;
    try {
      return f(t);
    } finally {
      this.aliasDepth--;
      this.active.delete(node);
    }
  }

  /** The document's value; go-yaml counts the document node too. */
  document(node: AnyNode): unknown {
    this.count(node);
    return this.value(node);
  }

  value(node: AnyNode): unknown {
    this.count(node);
    if (node && isAlias(node)) return this.viaAlias(node, (t) => this.value(t));
    if (!node || isScalar(node)) return toJs(this.scalar(node), node);
    if (++this.depth > MAX_DEPTH) throw new Failure(`exceeded max depth of ${MAX_DEPTH}`, node);
    try {
      if (isMap(node)) return this.mapping(node.items, node, {});
      if (isSeq(node)) return node.items.map((item) => (isPair(item) ? this.pairAsMap(item) : this.value(item as AnyNode)));
      throw new Failure('unexpected YAML node', node);
    } finally {
      this.depth--;
    }
  }

  private pairAsMap(pair: { key: unknown; value: unknown }): Record<string, unknown> {
    this.count(pair.key as AnyNode);
    return this.mapping([pair], pair.key, {});
  }

  private scalar(node: AnyNode): Scalar {
    if (!node) return { t: 'null' };
    const s = node as { source?: string; value: unknown; type?: string; tag?: string };
    const text = typeof s.source === 'string' ? s.source : String(s.value ?? '');
    const range = (node as { range?: [number, number, number] }).range;
    if (s.type === 'QUOTE_DOUBLE' && range && /(?:^|[^\\])(?:\\\\)*\\\//.test(this.text.slice(range[0], range[1]))) {
      throw new Failure('found unknown escape character \\/ (YAML 1.1 has no \\/ escape)', node, 'Write / without the backslash.');
    }
    try {
      return resolveScalar(text, s.tag ?? '', s.type === undefined || s.type === 'PLAIN');
    } catch (e) {
      if (e instanceof ScalarError) throw new Failure(e.message, node);
      throw e;
    }
  }

  private mapping(items: readonly { key: unknown; value: unknown }[], at: unknown, out: Record<string, unknown>): Record<string, unknown> {
    for (const { key, value } of items) {
      const k = key as AnyNode;
      if (k && isScalar(k) && k.source === '<<' && ((k.type === 'PLAIN' && !k.tag) || k.tag === 'tag:yaml.org,2002:merge')) {
        this.merge(value as AnyNode, out, k);
        continue;
      }
      const name = this.key(k, at);
      const v = this.value(value as AnyNode);
      if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      else out[name] = v;
    }
    return out;
  }

  private key(node: AnyNode, at: unknown): string {
    this.count(node);
    if (node && isAlias(node)) return this.viaAlias(node, (t) => this.key(t, t));
    if (node && (isMap(node) || isSeq(node))) throw new Failure('invalid map key: a list or map cannot be a key', node ?? at, 'Keys must be strings.');
    const s = this.scalar(node);
    const k = keyString(s);
    if (k === undefined) {
      const what = s.t === 'null' ? 'null' : `the number ${(s as { v: bigint }).v}`;
      throw new Failure(`unsupported map key: ${what}`, node ?? at, 'Kubernetes keys are strings: quote the key (e.g. \'~\': or "18446744073709551615":).');
    }
    return k;
  }

  private merge(node: AnyNode, out: Record<string, unknown>, at: Node): void {
    const fail = (): never => {
      throw new Failure(
        'map merge requires map or sequence of maps as the value',
        node ?? at,
        'The value of << must be a map (or an alias to one), or a list of them.',
      );
    };
    const into = (n: AnyNode): void => {
      if (n && isAlias(n)) {
        if (!isMap(this.target(n))) fail();
        this.count(n);
        this.viaAlias(n, (t) => {
          this.count(t);
          this.mapping((t as { items: { key: unknown; value: unknown }[] }).items, t, out);
        });
      } else if (n && isMap(n)) {
        this.count(n);
        this.mapping(n.items, n, out);
      } else fail();
    };
    if (node && isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) into(node.items[i] as AnyNode);
    } else into(node);
  }
}

const TWO_63 = 2 ** 63;

/**
 * The value kubectl ends with: it writes go-yaml's value as JSON and reads that back, so a number whose JSON
 * text is an integer within int64 (an int64, or a float like 9.2e18) is an exact integer; anything else a float64.
 */
function toJs(s: Scalar, node: AnyNode): unknown {
  switch (s.t) {
    case 'null':
      return null;
    case 'int':
      return s.v >= BigInt(Number.MIN_SAFE_INTEGER) && s.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s.v) : s.v;
    case 'bigint':
      return exactIfInt64(Number(s.v));
    case 'float':
      if (!Number.isFinite(s.v)) {
        throw new Failure(
          `${Number.isNaN(s.v) ? 'NaN' : 'an infinity'} cannot be sent to Kubernetes (json: unsupported value)`,
          node,
          "Quote it ('.inf') if you mean the text.",
        );
      }
      return exactIfInt64(s.v === 0 ? 0 : s.v);
    default:
      return s.v;
  }
}

function exactIfInt64(v: number): number | bigint {
  return Number.isInteger(v) && !Number.isSafeInteger(v) && v >= -TWO_63 && v < TWO_63 ? BigInt(v) : v;
}

interface Chunk {
  text: string;
  /** 1-based line of the chunk's first line in the file. */
  line: number;
}

/**
 * kubectl's split of a stream into documents (apimachinery's YAMLReader): at every line starting with `---`,
 * which may be followed only by spaces or a comment; each piece is then read on its own.
 */
function splitDocuments(text: string, file: string): Chunk[] {
  const chunks: Chunk[] = [];
  const lines = text.split(/(?<=\n)/);
  let current: string[] = [];
  let start = 1;
  lines.forEach((l, i) => {
    if (!l.startsWith('---')) {
      current.push(l);
      return;
    }
    const rest = l.slice(3).trim();
    if (rest !== '' && !rest.startsWith('#')) {
      throw new DevloopError('yaml-invalid', `invalid YAML: invalid document separator: ${rest}`, {
        location: { file, line: i + 1 },
        hint: 'Only a comment may follow --- on its line (kubectl refuses anything else): start the document on the next line.',
      });
    }
    if (current.length) chunks.push({ text: current.join(''), line: start });
    current = [];
    start = i + 2;
  });
  if (current.length) chunks.push({ text: current.join(''), line: start });
  return chunks;
}

/** Every document of a YAML stream, read as kubectl reads it. Throws DevloopError `yaml-invalid` at file:line:column. */
export function parseYamlDocuments(text: string, file: string): YamlDocument[] {
  if (/^\s*\{/.test(text)) return parseJsonDocuments(text, file);
  return splitDocuments(text, file).map((chunk) => parseChunk(chunk, file));
}

/** What go-yaml's reader refuses: characters outside YAML's printable set. */
const NOT_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function parseChunk(chunk: Chunk, file: string): YamlDocument {
  const lc = new LineCounter();
  const where = (offset: number | undefined) => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line + chunk.line - 1, column: p.col };
  };
  const bad = NOT_PRINTABLE.exec(chunk.text);
  if (bad) {
    const before = chunk.text.slice(0, bad.index).split('\n');
    throw new DevloopError(
      'yaml-invalid',
      `invalid YAML: control characters are not allowed (U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
      {
        location: { file, line: chunk.line + before.length - 1, column: before[before.length - 1]!.length + 1 },
        hint: 'Remove the character, or write it as an escape in a double-quoted string (e.g. "\\x01").',
      },
    );
  }
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(chunk.text, { version: '1.1', schema: 'failsafe', merge: false, uniqueKeys: false, lineCounter: lc, prettyErrors: false });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (e) {
    if (e instanceof RangeError)
      throw new DevloopError('yaml-invalid', 'invalid YAML: nested too deeply', { location: { file, line: chunk.line }, hint: 'Nest fewer levels.' });
    throw e;
  }
  // Like go-yaml, only the first document of a piece counts.
  const doc = docs[0];
  if (!doc) return { value: null, line: chunk.line };
  const err = doc.errors[0];
  if (err) {
    throw new DevloopError('yaml-invalid', `invalid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      location: where(err.pos[0]),
      hint: 'Fix the YAML (indentation, a missing colon or quote are the usual causes).',
    });
  }
  const contents = doc.contents as AnyNode;
  const start = contents?.range?.[0] ?? doc.range[0];
  try {
    return { value: new Decoder(doc, chunk.text).document(contents), line: where(start).line };
  } catch (e) {
    if (e instanceof Failure) {
      const range = (e.node as { range?: [number, number, number] } | undefined)?.range;
      throw new DevloopError('yaml-invalid', `invalid YAML: ${e.message}`, { location: where(range?.[0] ?? start), hint: e.hint ?? 'Fix the YAML.' });
    }
    if (e instanceof RangeError)
      throw new DevloopError('yaml-invalid', 'invalid YAML: nested too deeply', { location: where(start), hint: 'Nest fewer levels.' });
    throw e;
  }
}

/** A stream that starts with `{` is JSON to kubectl (strict: quoted keys, no comments), one value after another. */
function parseJsonDocuments(text: string, file: string): YamlDocument[] {
  const out: YamlDocument[] = [];
  let offset = 0;
  while (offset < text.length && /\S/.test(text.slice(offset))) {
    const rest = text.slice(offset);
    let end = rest.length;
    try {
      JSON.parse(rest);
    } catch (e) {
      const m = /^Unexpected non-whitespace character after JSON at position (\d+)/.exec((e as Error).message);
      if (m) end = Number(m[1]);
      else {
        const at = /position (\d+)/.exec((e as Error).message);
        const before = text.slice(0, offset + (at ? Number(at[1]) : 0)).split('\n');
        throw new DevloopError('yaml-invalid', `invalid JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, {
          location: { file, line: before.length, column: before[before.length - 1]!.length + 1 },
          hint: 'A file that starts with { is read as JSON (as kubectl does): quote every key and string, or write it as YAML.',
        });
      }
    }
    const piece = rest.slice(0, end);
    const line = text.slice(0, offset + /^\s*/.exec(piece)![0].length).split('\n').length;
    out.push({ value: exactJson(parse(piece, { schema: 'json', intAsBigInt: true, uniqueKeys: false })), line });
    offset += end;
  }
  return out;
}

/** JSON numbers as kubectl keeps them: int64 exact, anything else a float64. */
function exactJson(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v >= -(2n ** 63n) && v < 2n ** 63n ? v : exactIfInt64(Number(v));
  if (typeof v === 'number') return exactIfInt64(v === 0 ? 0 : v);
  if (Array.isArray(v)) return v.map(exactJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: exactJson(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/**
 * YAML that kubectl reads back as the same value: strings YAML 1.1 would type (`yes`, `0755`, `1_000`,
 * `2024-01-01`) are quoted, BigInts are written as plain integers, no anchors or aliases.
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { version: '1.1', aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0 });
}

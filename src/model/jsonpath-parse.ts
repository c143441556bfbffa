/**
 * The parser of Kubernetes JSONPath templates, with client-go's grammar (k8s.io/client-go/util/jsonpath, the one
 * Tilt and `kubectl -o jsonpath` use), rule for rule:
 * - text outside `{…}` is literal text; inside, `.name` is a field (a `\` escapes the next character, so
 *   `.a\.b` is the key `a.b`), `.*` and `[*]` wildcards, `..` recursive descent, `[i]`, `[start:end:step]`
 *   (negative counts from the end), `[a,b]` unions (split at every comma), `['a.b']` the same as `.a.b`
 *   (single quotes only; the text is read as a path), `[?(@.x == 'v')]` filters with == != < > <= >= or
 *   existence, quoted strings and numbers as literals, `true`/`false`.
 * `range`/`end` (text output loops) are refused: a path that locates values has no use for them.
 */

export interface SliceParam {
  value: number;
  known: boolean;
  derived: boolean;
}

export type JpNode =
  | { t: 'list'; nodes: JpNode[] }
  | { t: 'text'; text: string }
  | { t: 'field'; name: string }
  | { t: 'array'; params: [SliceParam, SliceParam, SliceParam] }
  | { t: 'filter'; left: JpList; right: JpList; op: string }
  | { t: 'int'; v: number }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'wildcard' }
  | { t: 'recursive' }
  | { t: 'union'; nodes: JpList[] }
  | { t: 'identifier'; name: string };

export type JpList = Extract<JpNode, { t: 'list' }>;

export class JsonPathSyntaxError extends Error {}

const EOF = '';
const DICT_KEY = /^'([^']*)'$/;
const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/;

const isSpace = (r: string) => r === ' ' || r === '\t';
const isEndOfLine = (r: string) => r === '\r' || r === '\n';
const isAlphaNumeric = (r: string) => r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
const isTerminator = (r: string) => isSpace(r) || isEndOfLine(r) || r === EOF || '.,[]$@{}'.includes(r);

class Parser {
  private pos = 0;
  private start = 0;
  private width = 0;
  readonly root: JpList = { t: 'list', nodes: [] };

  constructor(private readonly input: string) {}

  private consume(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = String.fromCodePoint(this.input.codePointAt(this.pos)!);
    this.width = r.length;
    this.pos += r.length;
    return r;
  }

  private peek(): string {
    const r = this.next();
    this.pos -= this.width;
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  parseText(cur: JpList): void {
    for (;;) {
      if (this.input.startsWith('{', this.pos)) {
        if (this.pos > this.start) cur.nodes.push({ t: 'text', text: this.consume() });
        this.pos += 1;
        this.consume();
        const list: JpList = { t: 'list', nodes: [] };
        cur.nodes.push(list);
        this.parseInsideAction(list);
        return;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ t: 'text', text: this.consume() });
  }

  private parseInsideAction(cur: JpList): void {
    for (;;) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consume();
        this.parseText(this.root);
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathSyntaxError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') this.consume();
      else if (r === '[') this.parseArray(cur);
      else if (r === '"' || r === "'") this.parseQuote(cur, r);
      else if (r === '.') this.parseField(cur);
      else if (r === '+' || r === '-' || /^\p{Nd}$/u.test(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else throw new JsonPathSyntaxError(`unrecognized character in action: ${JSON.stringify(r)}`);
    }
  }

  private parseIdentifier(cur: JpList): void {
    for (;;) {
      if (isTerminator(this.next())) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.nodes.push({ t: 'bool', v: value === 'true' });
    else if (value === 'range' || value === 'end') throw new JsonPathSyntaxError(`{${value}} loops print text; an image path cannot use them`);
    else cur.nodes.push({ t: 'identifier', name: value });
  }

  private parseRecursive(cur: JpList): void {
    if (cur.nodes[cur.nodes.length - 1]?.t === 'recursive') throw new JsonPathSyntaxError('invalid multiple recursive descent');
    this.pos += 2;
    this.consume();
    cur.nodes.push({ t: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: JpList): void {
    const r = this.peek();
    if (r === '+' || r === '-') this.next();
    for (;;) {
      const c = this.next();
      if (c !== '.' && !/^\p{Nd}$/u.test(c)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (/^[+-]?\d+$/.test(value)) cur.nodes.push({ t: 'int', v: Number(value) });
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) cur.nodes.push({ t: 'float', v: Number(value) });
    else throw new JsonPathSyntaxError(`cannot parse number ${value}`);
  }

  private parseArray(cur: JpList): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathSyntaxError('unterminated array');
      if (r === ']') break;
    }
    let text = this.consume().slice(1, -1);
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) {
      cur.nodes.push({ t: 'union', nodes: parts.map((p) => parseAction(`[${p.replace(/^ +| +$/g, '')}]`)) });
      return;
    }
    const key = DICT_KEY.exec(text);
    if (key) {
      cur.nodes.push(...parseAction(`.${key[1]}`).nodes);
      return;
    }
    const m = SLICE.exec(text);
    if (!m) throw new JsonPathSyntaxError(`invalid array index ${text}`);
    const params: [SliceParam, SliceParam, SliceParam] = [0, 1, 2].map(() => ({ value: 0, known: false, derived: false })) as never;
    for (let i = 0; i < 3; i++) {
      let v = m[i + 1] ?? '';
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') params[i]!.known = false;
        else {
          if (!/^-?\d+$/.test(v)) throw new JsonPathSyntaxError(`array index ${v} is not a number`);
          params[i] = { value: Number(v), known: true, derived: false };
        }
      } else if (i === 1) {
        params[1] = { value: params[0].value + 1, known: true, derived: true };
      }
    }
    cur.nodes.push({ t: 'array', params });
  }

  private parseFilter(cur: JpList): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathSyntaxError('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')' && begin === end) break;
    }
    if (this.next() !== ']') throw new JsonPathSyntaxError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const m = FILTER.exec(text);
    if (!m) cur.nodes.push({ t: 'filter', left: parseAction(text), right: { t: 'list', nodes: [] }, op: 'exists' });
    else cur.nodes.push({ t: 'filter', left: parseAction(m[1]!), right: parseAction(m[3]!), op: m[2]! });
  }

  private parseQuote(cur: JpList, quote: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new JsonPathSyntaxError('unterminated quoted string');
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consume();
    cur.nodes.push({ t: 'text', text: unquote(value, quote) });
  }

  private parseField(cur: JpList): void {
    this.consume();
    for (;;) {
      const r = this.next();
      if (r === '\\') this.next();
      else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    cur.nodes.push(value === '*' ? { t: 'wildcard' } : { t: 'field', name: value.replace(/\\/g, '') });
  }
}

/** Go's strconv.UnquoteChar loop over a quoted literal. */
function unquote(s: string, quote: string): string {
  const body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === quote) throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
    if (simple[e] !== undefined) out += simple[e];
    else if (e === "'" || e === '"') {
      if (e !== quote) throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
      out += e;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new JsonPathSyntaxError(`unquote string ${s} error invalid syntax`);
  }
  return out;
}

function parseAction(text: string): JpList {
  const p = new Parser(`{${text}}`);
  p.parseText(p.root);
  return p.root.nodes[0] as JpList;
}

/** The template's top-level nodes (texts and `{…}` lists). Throws JsonPathSyntaxError with client-go's wording. */
export function parseJsonPathTemplate(text: string): JpList {
  const p = new Parser(text);
  p.parseText(p.root);
  return p.root;
}

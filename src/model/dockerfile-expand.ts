/**
 * Shell-word processing as BuildKit's frontend/dockerfile/shell lexer does it for FROM, ARG values and
 * --from: quotes removed, the escape character honoured, `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`,
 * `${VAR:+a}`, `${VAR+a}` expanded. An unset variable expands to ''. Malformed input throws.
 */

export type ArgEnv = ReadonlyMap<string, string>;

export function expandWord(word: string, env: ArgEnv, escape = '\\'): string {
  const s = new Scanner(word, env, escape);
  const out = s.until(undefined);
  return out;
}

/** expandWord, or the word as written when it does not parse (as Tilt falls back to the raw argument). */
export function tryExpandWord(word: string, env: ArgEnv, escape = '\\'): string {
  try {
    return expandWord(word, env, escape);
  } catch {
    return word;
  }
}

class Scanner {
  i = 0;
  constructor(
    readonly s: string,
    readonly env: ArgEnv,
    readonly esc: string,
  ) {}

  /** Process up to `stop` (consumed) or the end. */
  until(stop: string | undefined): string {
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.s[this.i]!;
      if (stop !== undefined && ch === stop) {
        this.i++;
        return out;
      }
      if (ch === this.esc) {
        this.i++;
        if (this.i < this.s.length) out += this.s[this.i++];
      } else if (ch === "'") {
        out += this.singleQuoted();
      } else if (ch === '"') {
        out += this.doubleQuoted();
      } else if (ch === '$') {
        out += this.dollar();
      } else {
        out += ch;
        this.i++;
      }
    }
    if (stop !== undefined) throw new Error(`missing '${stop}'`);
    return out;
  }

  singleQuoted(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) throw new Error('unexpected end of statement while looking for matching single-quote');
    const out = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return out;
  }

  doubleQuoted(): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const ch = this.s[this.i]!;
      if (ch === '"') {
        this.i++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      if (ch === this.esc) {
        const next = this.s[this.i + 1];
        if (next === undefined) {
          this.i++;
          continue;
        }
        if (next === '"' || next === '$' || next === this.esc) {
          out += next;
          this.i += 2;
          continue;
        }
      }
      out += ch;
      this.i++;
    }
    throw new Error('unexpected end of statement while looking for matching double-quote');
  }

  dollar(): string {
    this.i++; // '$'
    if (this.s[this.i] !== '{') {
      const name = this.name();
      return name === '' ? '$' : (this.env.get(name) ?? '');
    }
    this.i++; // '{'
    const first = this.s[this.i];
    if (first === undefined) throw new Error("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new Error('syntax error: bad substitution');
    const name = this.name();
    const value = this.env.get(name);
    const op = this.s[this.i++];
    if (op === '}') return value ?? '';
    if (op === ':') {
      const mod = this.s[this.i++];
      const word = this.until('}');
      if (mod === '-') return value ? value : word;
      if (mod === '+') return value ? word : '';
      if (mod === '?') {
        if (!value) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      throw new Error(`unsupported modifier (${mod ?? 'EOF'}) in substitution`);
    }
    if (op === '-' || op === '+' || op === '?') {
      const word = this.until('}');
      if (op === '-') return value ?? word;
      if (op === '+') return value === undefined ? '' : word;
      if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`);
      return value;
    }
    throw new Error(`unsupported modifier (${op ?? 'EOF'}) in substitution`);
  }

  name(): string {
    const m = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/.exec(this.s.slice(this.i));
    const name = m ? m[0] : '';
    this.i += name.length;
    return name;
  }
}

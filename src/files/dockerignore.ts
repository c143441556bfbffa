/**
 * .dockerignore patterns with the semantics of the Docker 20.10 builder (the docker CLI's and BuildKit's
 * context transfer on engine 20.10): how lines are read (BOM, `#` comments, Go's TrimSpace, path cleaning),
 * which patterns are refused, how a pattern becomes a regular expression (`*`, `**`, `?` as one character,
 * `\` escapes, other regexp syntax passed through), and how a path matches (the pattern against the path,
 * or against the path's leading directories when the pattern has no more segments than the parent has).
 */
import { DevloopError, type SourceLocation } from '../model/errors.js';

export interface PatternLine {
  /** As cleaned: `!` kept in front for a re-include. */
  pattern: string;
  /** 1-based line in the file; undefined for patterns given in the config. */
  line?: number;
}

export interface Rule {
  negative: boolean;
  /** The cleaned pattern without `!`. */
  cleaned: string;
  segments: number;
  re: RegExp;
}

/** Go's unicode.IsSpace set, as strings.TrimSpace uses it (JS trim() differs: U+0085 in, U+FEFF out). */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'gu');

export function goTrimSpace(s: string): string {
  return s.replace(TRIM, '');
}

/** Go's path.Clean for slash-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(seg);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/** The lines of a .dockerignore file as the builder reads them: BOM dropped, `#` lines and blank lines skipped. */
export function readDockerignore(text: string): PatternLine[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: PatternLine[] = [];
  lines.forEach((raw, i) => {
    let l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0) l = l.replace(/^\uFEFF/, '');
    if (l.startsWith('#')) return;
    const p = cleanPattern(l);
    if (p !== undefined) out.push({ pattern: p, line: i + 1 });
  });
  return out;
}

/** One pattern as Docker's ReadAll cleans it (trimmed, `!` kept, path-cleaned, no leading `/`); undefined when blank. */
function cleanPattern(raw: string): string | undefined {
  let p = goTrimSpace(raw);
  if (p === '') return undefined;
  const invert = p.startsWith('!');
  if (invert) p = goTrimSpace(p.slice(1));
  if (p.length > 0) {
    p = cleanPath(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
  }
  return invert ? `!${p}` : p;
}

/** Patterns given as strings (config options): cleaned as .dockerignore lines are, but `#` is not a comment. */
export function patternLines(patterns: readonly string[]): PatternLine[] {
  const out: PatternLine[] = [];
  for (const raw of patterns) {
    const p = cleanPattern(raw);
    if (p !== undefined) out.push({ pattern: p });
  }
  return out;
}

/** Where patterns came from, for error messages: a file (lines numbered) or a config option. */
export interface PatternSource {
  file?: string;
  /** e.g. "ignore=" when the patterns were given in the config. */
  label?: string;
  location?: SourceLocation;
}

/** Compile patterns into rules; a pattern Docker refuses is a DevloopError naming file:line. */
export function compileRules(lines: readonly PatternLine[], source: PatternSource = {}): Rule[] {
  const rules: Rule[] = [];
  for (const { pattern: original, line } of lines) {
    let p = goTrimSpace(original);
    if (p === '') continue;
    p = cleanPath(p);
    const refuse = (why: string) => invalid(source, line, original, why);
    let negative = false;
    if (p.startsWith('!')) {
      if (p.length === 1) throw refuse('illegal exclusion pattern: "!"');
      negative = true;
      p = p.slice(1);
    }
    const why = globSyntaxError(p);
    if (why) throw refuse(`syntax error in pattern (${why})`);
    let re: RegExp;
    try {
      re = new RegExp(toRegExp(p), 'u');
    } catch (e) {
      throw refuse(`syntax error in pattern (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`);
    }
    rules.push({ negative, cleaned: p, segments: p.split('/').length, re });
  }
  return rules;
}

function invalid(source: PatternSource, line: number | undefined, pattern: string, why: string): DevloopError {
  const where = source.file ? `${source.file}${line !== undefined ? `:${line}` : ''}` : (source.label ?? 'ignore pattern');
  return new DevloopError('dockerignore-invalid', `${where}: invalid pattern '${pattern}': ${why}`, {
    hint: 'Docker refuses this pattern too: escape special characters with \\, close every [ with ], and give ! a path',
    ...(source.file && line !== undefined ? { location: { file: source.file, line } } : source.location ? { location: source.location } : {}),
  });
}

/**
 * What Go's filepath.Match reports as a bad pattern: a trailing `\`, an unclosed `[`, a class that is empty
 * or has a `-` or `]` where a character should be. Undefined when the pattern is well formed.
 */
function globSyntaxError(p: string): string | undefined {
  const cs = [...p];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (c === '\\') {
      if (i + 1 >= cs.length) return 'trailing \\';
      i++;
    } else if (c === '[') {
      i++;
      if (cs[i] === '^') i++;
      let n = 0;
      for (;;) {
        if (i >= cs.length) return 'unclosed [';
        if (cs[i] === ']' && n > 0) break;
        const lo = classChar(cs, i);
        if (lo === undefined) return 'bad character class';
        i = lo.next;
        if (cs[i] === '-') {
          const hi = classChar(cs, i + 1);
          if (hi === undefined) return 'bad character class';
          if (hi.cp < lo.cp) return 'reversed range in a character class';
          i = hi.next;
        }
        n++;
      }
    }
  }
  return undefined;
}

function classChar(cs: string[], i: number): { cp: number; next: number } | undefined {
  let c = cs[i];
  if (c === undefined || c === '-' || c === ']') return undefined;
  if (c === '\\') {
    i++;
    c = cs[i];
    if (c === undefined) return undefined;
  }
  return { cp: c.codePointAt(0)!, next: i + 1 };
}

/** The regular expression Docker 20.10 builds from a cleaned pattern (JS flavour, with the u flag). */
export function toRegExp(p: string): string {
  const cs = [...p];
  let re = '^';
  let inClass = false;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (inClass) {
      // Class contents pass through as Go's regexp reads them; `\` escapes the next character.
      if (c === '\\' && i + 1 < cs.length) re += escapeChar(cs[++i]!, true);
      else if (c === ']') {
        re += ']';
        inClass = false;
      } else re += c === '[' || c === '/' ? `\\${c}` : c;
      continue;
    }
    if (c === '*') {
      if (cs[i + 1] === '*') {
        i++;
        if (cs[i + 1] === '/') i++;
        re += i + 1 >= cs.length ? '[^\\n]*' : '(?:[^\\n]*/)?';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '.' || c === '$') re += `\\${c}`;
    else if (c === '\\') re += i + 1 < cs.length ? escapeChar(cs[++i]!, false) : '\\\\';
    else if (c === '[') {
      inClass = true;
      re += '[';
      if (cs[i + 1] === '^') {
        re += '^';
        i++;
      }
    } else if (c === '{') re += /^\{\d+(,\d*)?\}/.test(cs.slice(i).join('')) ? '{' : '\\{';
    else if (c === '}') re += /\{\d+(,\d*)?$/.test(re) ? '}' : '\\}';
    else if (c === ']') re += '\\]';
    else if (c === '/') re += '/';
    else re += c; // ( ) | + ^ stay regexp syntax, as in Docker 20.10
  }
  return re + '$';
}

/** A `\`-escaped character as a literal (Go allows escaping any punctuation; letters keep Go's meaning). */
function escapeChar(c: string, inClass: boolean): string {
  if (/[A-Za-z0-9]/.test(c)) return `\\${c}`;
  if (/[\^$\\.*+?()[\]{}|/-]/.test(c)) return inClass || c !== '-' ? `\\${c}` : '-';
  return c;
}

/** Does the path (POSIX, relative, clean) match, as Docker 20.10's PatternMatcher.Matches decides? */
export function matches(rules: readonly Rule[], file: string): boolean {
  let matched = false;
  for (const r of rules) {
    let m = r.re.test(file);
    if (!m) {
      const parent = leadingSegments(file, r.segments);
      if (parent !== undefined) m = r.re.test(parent);
    }
    if (m) matched = !r.negative;
  }
  return matched;
}

/** The first `n` segments of `file` when its parent directory has at least `n` segments, else undefined. */
function leadingSegments(file: string, n: number): string | undefined {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = file.indexOf('/', i + 1);
    if (i < 0) return undefined;
  }
  return file.slice(0, i);
}

/**
 * Docker 20.10's walk enters an excluded directory only when some `!` pattern, as written, starts with that
 * directory's path and a slash; the directory itself is then sent, even if nothing inside it is kept.
 */
export function entersExcludedDir(rules: readonly Rule[], dir: string): boolean {
  const prefix = `${dir}/`;
  return rules.some((r) => r.negative && `${r.cleaned}/`.startsWith(prefix));
}

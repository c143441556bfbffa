/**
 * Dockerfile lexing with BuildKit's rules (frontend/dockerfile/parser): parser directives, comments,
 * line continuations (the escape character, `\` or `` ` ``), empty continuation lines, heredocs on
 * RUN/COPY/ADD. Every logical instruction keeps a map back to offsets in the original text, so a
 * rewrite can replace one token and leave every other byte alone.
 */

export interface Directive {
  name: string;
  value: string;
  line: number;
}

/** A slice of the instruction's logical text: [start, end) there, and where it starts in the original text. */
export interface Span {
  start: number;
  end: number;
}

export interface Instruction {
  /** Upper-cased keyword, e.g. 'FROM'. */
  keyword: string;
  /** 1-based line of the keyword. */
  line: number;
  /** Continuations joined (escape + newline removed, comment lines inside dropped), left-trimmed. */
  text: string;
  /** Where the arguments (after the keyword and its whitespace) start in `text`. */
  argsStart: number;
  /** Original-text offset of the character `text[i]` (for an exclusive end use offsetOf(end - 1) + 1). */
  offsetOf(i: number): number;
}

export interface LexedDockerfile {
  directives: Directive[];
  escape: string;
  instructions: Instruction[];
  /** 1-based line of an original-text offset. */
  lineOf(offset: number): number;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

interface PhysLine {
  start: number;
  text: string;
}

export function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\v' || ch === '\f' || ch === '\r' || ch === '\n';
}

function leadingSpace(s: string): number {
  let i = 0;
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

function splitLines(text: string): PhysLine[] {
  const out: PhysLine[] = [];
  let start = text.startsWith('\uFEFF') ? 1 : 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const end = nl > start && text[nl - 1] === '\r' ? nl - 1 : nl;
    out.push({ start, text: text.slice(start, end) });
    if (nl === text.length) break;
    start = nl + 1;
  }
  return out;
}

export function lexDockerfile(text: string): LexedDockerfile {
  const lines = splitLines(text);
  const lineStarts = lines.map((l) => l.start);
  const directives: Directive[] = [];
  let escape = '\\';
  let directivesDone = false;
  let continuation = /\\[ \t]*$/;
  const instructions: Instruction[] = [];

  const parseDirective = (trimmed: string, line: number): void => {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(trimmed);
    const name = m?.[1]!.toLowerCase();
    if (!m || !KNOWN_DIRECTIVES.has(name!) || directives.some((d) => d.name === name)) {
      directivesDone = true;
      return;
    }
    directives.push({ name: name!, value: m[2]!, line });
    if (name === 'escape' && (m[2] === '`' || m[2] === '\\')) {
      escape = m[2];
      continuation = escape === '`' ? /`[ \t]*$/ : /\\[ \t]*$/;
    }
  };
  const trimContinuation = (s: string): [string, boolean] => {
    const m = continuation.exec(s);
    return m ? [s.slice(0, m.index), false] : [s, true];
  };

  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    const lead = leadingSpace(first.text);
    const trimmed = first.text.slice(lead);
    parseDirective(trimmed, i + 1);
    if (trimmed.startsWith('#') || trimmed === '') continue;
    directivesDone = true;

    const startLine = i + 1;
    const pieces: { orig: number; text: string }[] = [];
    let [piece, eol] = trimContinuation(trimmed);
    pieces.push({ orig: first.start + lead, text: piece });
    while (!eol && i + 1 < lines.length) {
      const next = lines[++i]!;
      const t = next.text.slice(leadingSpace(next.text));
      if (t.startsWith('#') || t === '') continue; // comment or empty line inside a continuation
      [piece, eol] = trimContinuation(next.text);
      pieces.push({ orig: next.start, text: piece });
    }
    const instr = makeInstruction(pieces, startLine);
    if (instr.text.trim() === '') continue;
    instructions.push(instr);
    if (HEREDOC_KEYWORDS.has(instr.keyword) && instr.text.includes('<<')) {
      for (const doc of heredocs(instr.text.slice(instr.argsStart), escape)) {
        // The body runs up to a line equal to the name (leading tabs stripped for <<-).
        while (i + 1 < lines.length) {
          const body = lines[++i]!.text;
          if ((doc.chomp ? body.replace(/^\t+/, '') : body) === doc.name) break;
        }
      }
    }
  }

  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return { directives, escape, instructions, lineOf };
}

function makeInstruction(pieces: { orig: number; text: string }[], line: number): Instruction {
  const starts: number[] = [];
  let text = '';
  for (const p of pieces) {
    starts.push(text.length);
    text += p.text;
  }
  const kwEnd = text.search(/\s|$/);
  let argsStart = kwEnd;
  while (argsStart < text.length && isSpace(text[argsStart])) argsStart++;
  const offsetOf = (i: number): number => {
    let k = pieces.length - 1;
    while (k > 0 && starts[k]! > i) k--;
    return pieces[k]!.orig + (i - starts[k]!);
  };
  return { keyword: text.slice(0, kwEnd).toUpperCase(), line, text, argsStart, offsetOf };
}

export interface Word {
  /** The word as written, quotes and escapes included. */
  raw: string;
  start: number;
  end: number;
}

/**
 * Whitespace-separated words, quote-aware (BuildKit's parseWords): quotes and escapes stay in `raw`.
 * `from` is where to start in `s`; positions are offsets in `s`.
 */
export function splitWords(s: string, escape: string, from = 0): Word[] {
  const words: Word[] = [];
  let i = from;
  while (i < s.length) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) break;
    const start = i;
    let quote = '';
    while (i < s.length) {
      const ch = s[i]!;
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === escape && quote !== "'") i++;
      } else if (isSpace(ch)) break;
      else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === escape) i++;
      i++;
    }
    i = Math.min(i, s.length);
    words.push({ raw: s.slice(start, i), start, end: i });
  }
  return words;
}

/** Leading `--name[=value]` words (BuildKit's extractBuilderFlags); `args` is where the rest starts. */
export function splitFlags(s: string, escape: string, from = 0): { flags: Word[]; args: number } {
  const flags: Word[] = [];
  for (const w of splitWords(s, escape, from)) {
    if (!w.raw.startsWith('--')) return { flags, args: w.start };
    if (w.raw === '--') return { flags, args: w.end };
    flags.push(w);
  }
  return { flags, args: s.length };
}

function heredocs(args: string, escape: string): { name: string; chomp: boolean }[] {
  const out: { name: string; chomp: boolean }[] = [];
  for (const w of splitWords(args, escape)) {
    const m = HEREDOC_WORD.exec(w.raw);
    if (!m || m[3] === '') continue;
    const name = m[3]!.replace(/["']/g, '');
    if (name === '' || /\s/.test(name)) continue;
    out.push({ name, chomp: m[2] === '-' });
  }
  return out;
}

/** The state of one Tiltfile translation: the source, what devloop exports, names seen, imports to write, notes. */
import type { SyntaxNode } from '@lezer/common';
import { Untranslatable } from './strings.js';

export interface Note {
  /** Line in the Tiltfile. */
  line: number;
  /** todo: left as a comment to port by hand; check: translated, but the meaning may differ. */
  kind: 'todo' | 'check';
  text: string;
  /** Line of the marker comment in devloop.ts. */
  outLine?: number;
}

export class Ctx {
  /** Functions devloop exports, with their declared parameter count. */
  readonly devloop: Map<string, number>;
  readonly imports = new Set<string>();
  readonly nodeImports = new Map<string, Set<string>>();
  /** Parameters of the functions the Tiltfile defines (def). */
  readonly userFuncs = new Map<string, string[]>();
  /** Every name the Tiltfile assigns, defines, loads or loops over. */
  readonly userNames = new Set<string>();
  /** Local names standing for a devloop function (a load() alias, an extension function with a devloop equivalent). */
  readonly aliases = new Map<string, string>();
  /** What to check where an aliased name is used (an extension function written as a devloop one). */
  readonly aliasAdvice = new Map<string, string>();
  /** Names from load() of the Tiltfile's own files: called with a trailing options object like devloop's. */
  readonly loadedNames = new Set<string>();
  /** Names a load() brought in that devloop has nothing for, with what to do instead. */
  readonly missing = new Map<string, string>();
  /** Names known to hold lists (assigned a list literal), for += and +. */
  readonly lists = new Set<string>();
  /** Names known to hold dicts (assigned a dict literal), for `in`. */
  readonly dicts = new Set<string>();
  /** Checks for the statement being translated. */
  pending: string[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly src: string,
    devloop: Map<string, number>,
  ) {
    this.devloop = devloop;
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  lineOf(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  useDevloop(name: string): string {
    this.imports.add(name);
    return name;
  }

  useNode(module: string, name: string): string {
    let s = this.nodeImports.get(module);
    if (!s) this.nodeImports.set(module, (s = new Set()));
    s.add(name);
    return name;
  }

  check(text: string): void {
    if (!this.pending.includes(text)) this.pending.push(text);
  }

  fail(reason: string, n?: SyntaxNode): never {
    throw new Untranslatable(reason, n?.from);
  }
}

/** The children of a node, comments left out. */
export function kids(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface ' +
    'package private protected public await arguments eval undefined NaN Infinity'
  ).split(' '),
);

/** A Starlark identifier as a TypeScript one (reserved words get a trailing underscore). */
export function jsName(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(s) && !RESERVED.has(s);
}

/**
 * A Tiltfile as a devloop.ts: parsed with a Python grammar (Starlark is a subset), statement by statement. What it
 * cannot translate stays in devloop.ts as a comment marked "devloop init: TODO" at its place; what it translated
 * but may mean something different is marked "devloop init: check". Both are listed in the notes.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { Ctx, jsName, kids, type Note } from './context.js';
import { expr, loopParts } from './expr.js';
import { loadStatement, type LoadResult } from './load.js';
import { Untranslatable } from './strings.js';

export type { Note } from './context.js';

export interface Translation {
  code: string;
  notes: Note[];
  /** Statements translated, and statements left as comments. */
  translated: number;
  untranslated: number;
}

interface Scope {
  declared: Set<string>;
  counts: Map<string, number>;
}

const MARK = 'devloop init:';

export function translateTiltfile(src: string, devloop: Map<string, number>, sourceName = 'Tiltfile'): Translation {
  const c = new Ctx(src, devloop);
  const top = parser.parse(src).topNode;
  const comments: SyntaxNode[] = [];
  const loads = new Map<number, LoadResult>();
  prescan(c, top, comments, loads);
  const t = new Writer(c, comments, loads, sourceName);
  t.block(kids(top), '', { declared: new Set(), counts: countAssignments(c, kids(top)) });
  t.flushComments(src.length, '');
  const header = [
    `// Ported from ${sourceName} by \`devloop init --from ${sourceName}\`.`,
    `// Lines marked "${MARK} TODO" hold Tiltfile code left to port by hand; "${MARK} check" marks a translation to review.`,
  ];
  const imports = [...c.imports].sort();
  if (imports.length) header.push(`import { ${imports.join(', ')} } from 'devloop';`);
  for (const l of t.localImports) header.push(l);
  for (const [mod, names] of [...c.nodeImports].sort()) header.push(`import { ${[...names].sort().join(', ')} } from '${mod}';`);
  header.push('');
  let shifted = 0;
  while (t.lines.length && t.lines[0] === '') {
    t.lines.shift();
    shifted++;
  }
  for (const n of t.notes) if (n.outLine !== undefined) n.outLine += header.length - shifted;
  const body = t.lines.join('\n');
  return { code: `${header.join('\n')}\n${body.trimEnd()}\n`, notes: t.notes, translated: t.translated, untranslated: t.untranslated };
}

function prescan(c: Ctx, n: SyntaxNode, comments: SyntaxNode[], loads: Map<number, LoadResult>): void {
  for (let k = n.firstChild; k; k = k.nextSibling) {
    if (k.name === 'Comment') {
      comments.push(k);
      continue;
    }
    if (k.name === 'FunctionDefinition') {
      const [, nameNode, params] = kids(k);
      const names = kids(params)
        .filter((p, i, all) => p.name === 'VariableName' && all[i - 1]?.name !== '*' && all[i - 1]?.name !== '**')
        .map((p) => c.text(p));
      c.userFuncs.set(c.text(nameNode), names);
      c.userNames.add(c.text(nameNode));
      for (const p of kids(params)) if (p.name === 'VariableName') c.userNames.add(c.text(p));
    }
    if (k.name === 'AssignStatement' || k.name === 'UpdateStatement') {
      const parts = kids(k);
      const op = parts.findIndex((p) => p.name === 'AssignOp' || p.name === 'UpdateOp');
      for (const p of parts.slice(0, op)) if (p.name === 'VariableName') c.userNames.add(c.text(p));
      if (
        k.name === 'AssignStatement' &&
        op === 1 &&
        parts[0].name === 'VariableName' &&
        ['ArrayExpression', 'ArrayComprehensionExpression'].includes(parts[2]?.name)
      )
        c.lists.add(c.text(parts[0]));
      if (k.name === 'AssignStatement' && op === 1 && parts[0].name === 'VariableName' && parts[2]?.name === 'DictionaryExpression')
        c.dicts.add(c.text(parts[0]));
    }
    if (k.name === 'ForStatement') {
      const parts = kids(k);
      for (const p of parts.slice(
        1,
        parts.findIndex((x) => x.name === 'in'),
      ))
        if (p.name === 'VariableName') c.userNames.add(c.text(p));
    }
    const call = k.name === 'ExpressionStatement' ? k.firstChild : null;
    if (call?.name === 'CallExpression' && call.firstChild?.name === 'VariableName' && c.text(call.firstChild) === 'load') {
      loads.set(k.from, loadStatement(c, call));
      continue;
    }
    prescan(c, k, comments, loads);
  }
}

/** How often each name is assigned in a scope (nested blocks included, nested functions not). */
function countAssignments(c: Ctx, stmts: SyntaxNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (n: SyntaxNode): void => {
    if (n.name === 'FunctionDefinition') return;
    if (n.name === 'AssignStatement' || n.name === 'UpdateStatement') {
      const parts = kids(n);
      const op = parts.findIndex((p) => p.name === 'AssignOp' || p.name === 'UpdateOp');
      // `xs += [...]` on a list becomes xs.push(...): not a reassignment.
      const push = n.name === 'UpdateStatement' && c.text(parts[op]) === '+=' && (parts[op + 1]?.name === 'ArrayExpression' || c.lists.has(c.text(parts[0])));
      for (const p of parts.slice(0, op))
        if (p.name === 'VariableName') counts.set(c.text(p), (counts.get(c.text(p)) ?? 0) + (push ? 0 : n.name === 'UpdateStatement' ? 2 : 1));
    }
    for (let k = n.firstChild; k; k = k.nextSibling) visit(k);
  };
  stmts.forEach(visit);
  return counts;
}

/** Names assigned anywhere in a statement (not in nested functions). */
function assignedIn(c: Ctx, n: SyntaxNode): string[] {
  return [...countAssignments(c, [n]).keys()];
}

/** A condition: a list is true when it is not empty, as in Starlark (an empty JS array is truthy). */
function condition(c: Ctx, n: SyntaxNode, ind: string): string {
  const isList = (x: SyntaxNode): boolean => x.name === 'VariableName' && c.lists.has(c.text(x));
  if (isList(n)) return `${expr(c, n, ind)}.length > 0`;
  const k = kids(n);
  if (n.name === 'UnaryExpression' && c.text(k[0]) === 'not' && isList(k[1])) return `${expr(c, k[1], ind)}.length === 0`;
  return expr(c, n, ind);
}

function hasError(n: SyntaxNode): boolean {
  const cur = n.cursor();
  do {
    if (cur.type.isError) return true;
  } while (cur.next() && cur.from < n.to);
  return false;
}

class Writer {
  readonly lines: string[] = [];
  readonly notes: Note[] = [];
  readonly localImports: string[] = [];
  translated = 0;
  untranslated = 0;
  private nextComment = 0;
  private lastPos = 0;

  constructor(
    private readonly c: Ctx,
    private readonly comments: SyntaxNode[],
    private readonly loads: Map<number, LoadResult>,
    private readonly sourceName: string,
  ) {}

  private gap(pos: number): void {
    if (/\n[ \t]*\n/.test(this.c.src.slice(this.lastPos, pos)) && this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  flushComments(before: number, ind: string, gaps = true): void {
    while (this.nextComment < this.comments.length && this.comments[this.nextComment].from < before) {
      const cm = this.comments[this.nextComment++];
      if (gaps) this.gap(cm.from);
      const text = this.c.text(cm).replace(/^#/, '');
      if (!/-\*-\s*mode:/i.test(text)) this.lines.push(`${ind}//${text}`);
      this.lastPos = cm.to;
    }
  }

  private note(kind: Note['kind'], pos: number, text: string, ind: string): void {
    const line = this.c.lineOf(pos);
    this.lines.push(`${ind}// ${MARK} ${kind === 'todo' ? 'TODO' : 'check'} (${this.sourceName}:${line}): ${text}`);
    this.notes.push({ line, kind, text, outLine: this.lines.length });
  }

  private commentOut(n: SyntaxNode, reason: string, ind: string, pos = n.from): void {
    this.note('todo', pos, reason, ind);
    const start = this.c.src.lastIndexOf('\n', n.from - 1) + 1;
    const original = this.c.src.slice(start, n.to).split('\n');
    const strip = /^[ \t]*/.exec(original[0])![0].length;
    for (const l of original) this.lines.push(`${ind}// ${l.slice(Math.min(strip, /^[ \t]*/.exec(l)![0].length))}`.trimEnd());
    this.untranslated++;
  }

  block(stmts: SyntaxNode[], ind: string, scope: Scope): void {
    for (const s of stmts) {
      if (s.name === ':') continue;
      this.flushComments(s.from, ind);
      this.gap(s.from);
      for (const name of assignedIn(this.c, s)) {
        if (scope.declared.has(name)) continue;
        if (
          s.name === 'AssignStatement' &&
          kids(s).some((k) => k.name === 'VariableName' && this.c.text(k) === name && k.to <= (kids(s).find((x) => x.name === 'AssignOp')?.from ?? 0))
        )
          continue;
        this.lines.push(`${ind}let ${jsName(name)};`);
        scope.declared.add(name);
      }
      this.statement(s, ind, scope);
      this.lastPos = s.to;
      // A comment on the statement's last line stays on that line.
      const cm = this.comments[this.nextComment];
      if (cm && cm.from >= s.to && this.c.lineOf(cm.from) === this.c.lineOf(s.to) && this.lines.length) {
        this.lines[this.lines.length - 1] += ` //${this.c.text(cm).replace(/^#/, '')}`;
        this.nextComment++;
        this.lastPos = cm.to;
      }
    }
  }

  private statement(s: SyntaxNode, ind: string, scope: Scope): void {
    const c = this.c;
    const load = this.loads.get(s.from);
    if (load) {
      if (load.localImport) this.localImports.push(load.localImport);
      for (const n of load.notes) this.note(n.kind, s.from, n.text, ind);
      if (load.todo) this.commentOut(s, load.todo, ind);
      else this.translated++;
      return;
    }
    c.pending = [];
    const mark = this.lines.length;
    try {
      if (hasError(s)) c.fail('a syntax error');
      const out = this.simple(s, ind, scope);
      if (out === undefined) return this.compound(s, ind, scope);
      const checks = c.pending;
      c.pending = [];
      this.lines.splice(mark);
      for (const ch of checks) this.note('check', s.from, ch, ind);
      // Comments inside the statement go above it.
      this.flushComments(s.to, ind, false);
      if (out) this.lines.push(...out.split('\n').map((l, i) => (i === 0 ? `${ind}${l}` : l)));
      this.translated++;
    } catch (e) {
      if (!(e instanceof Untranslatable)) throw e;
      this.lines.splice(mark);
      this.flushComments(s.from, ind);
      this.commentOut(s, e.reason, ind);
      while (this.nextComment < this.comments.length && this.comments[this.nextComment].from < s.to) this.nextComment++;
    }
  }

  /** A simple statement as one line of code ('' for nothing), or undefined for a compound statement. */
  private simple(s: SyntaxNode, ind: string, scope: Scope): string | undefined {
    const c = this.c;
    const k = kids(s);
    switch (s.name) {
      case 'ExpressionStatement': {
        const e = k[0];
        if (e.name === 'String')
          return `// ${c
            .text(e)
            .replace(/^[rRuU]?("""|'''|"|')|("""|'''|"|')$/g, '')
            .trim()
            .split('\n')
            .join(`\n${ind}// `)}`;
        if (e.name === 'CallExpression' && e.firstChild?.name === 'VariableName' && !c.userNames.has(c.text(e.firstChild))) {
          const fn = c.text(e.firstChild);
          if (fn === 'fail')
            return `throw new Error(${kids(kids(e)[1])
              .filter((x) => !['(', ')', ','].includes(x.name))
              .map((x) => expr(c, x, ind))
              .join(' + ')});`;
          if (fn === 'include') c.fail("include(): port that Tiltfile too and import it (import './other.ts')");
          if (fn === 'warn')
            return `console.warn(${kids(kids(e)[1])
              .filter((x) => !['(', ')', ','].includes(x.name))
              .map((x) => expr(c, x, ind))
              .join(', ')});`;
        }
        return `${expr(c, e, ind)};`;
      }
      case 'AssignStatement':
        return this.assign(s, k, ind, scope);
      case 'UpdateStatement': {
        const [target, op, value] = k;
        const t = expr(c, target, ind);
        const v = expr(c, value, ind);
        const o = c.text(op);
        if (o === '+=' && (value.name === 'ArrayExpression' || c.lists.has(c.text(target)))) return `${t}.push(...${v});`;
        if (o === '//=') c.fail('//=', op);
        return `${t} ${o} ${v};`;
      }
      case 'ReturnStatement':
        if (k.length > 2) c.fail('a return of several values');
        return k.length > 1 ? `return ${expr(c, k[1], ind)};` : 'return;';
      case 'PassStatement':
        return '';
      case 'BreakStatement':
        return 'break;';
      case 'ContinueStatement':
        return 'continue;';
      case 'IfStatement':
      case 'ForStatement':
      case 'WhileStatement':
      case 'FunctionDefinition':
        return undefined;
      default:
        return c.fail(s.type.isError ? 'a syntax error' : `${s.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`);
    }
  }

  private assign(s: SyntaxNode, k: SyntaxNode[], ind: string, scope: Scope): string {
    const c = this.c;
    const ops = k.filter((x) => x.name === 'AssignOp');
    if (ops.length !== 1) c.fail('a chained assignment (a = b = ...)');
    if (k.some((x) => x.name === 'TypeDef')) c.fail('a type annotation');
    const op = k.indexOf(ops[0]);
    const targets = k.slice(0, op).filter((x) => x.name !== ',');
    const values = k.slice(op + 1).filter((x) => x.name !== ',');
    const value = values.length === 1 ? expr(c, values[0], ind) : `[${values.map((v) => expr(c, v, ind)).join(', ')}]`;
    const lhs = targets.length === 1 ? expr(c, targets[0], ind) : `[${targets.map((t) => expr(c, t, ind)).join(', ')}]`;
    const names = targets.filter((t) => t.name === 'VariableName').map((t) => c.text(t));
    if (targets.some((t) => t.name !== 'VariableName' && t.name !== 'MemberExpression')) c.fail('an assignment target I cannot read');
    const fresh = names.filter((n) => !scope.declared.has(n));
    for (const n of fresh) scope.declared.add(n);
    if (fresh.length && fresh.length === targets.length) {
      const once = fresh.every((n) => (scope.counts.get(n) ?? 0) <= 1);
      return `${once ? 'const' : 'let'} ${lhs} = ${value};`;
    }
    if (fresh.length) c.fail('an assignment that mixes new and existing names');
    return `${lhs} = ${value};`;
  }

  private compound(s: SyntaxNode, ind: string, scope: Scope): void {
    const c = this.c;
    const k = kids(s);
    const inner = `${ind}  `;
    const header = (line: string): void => {
      const checks = c.pending;
      c.pending = [];
      for (const ch of checks) this.note('check', s.from, ch, ind);
      this.lines.push(`${ind}${line}`);
    };
    const body = (b: SyntaxNode, sc: Scope = scope): void => {
      this.block(kids(b), inner, sc);
      this.flushComments(b.to, inner);
    };
    if (s.name === 'IfStatement') {
      const heads: string[] = [];
      for (let i = 0; i < k.length; i++) if (k[i].name === 'if' || k[i].name === 'elif') heads.push(condition(c, k[i + 1], ind));
      let h = 0;
      for (let i = 0; i < k.length; i++) {
        if (k[i].name === 'if') header(`if (${heads[h++]}) {`);
        else if (k[i].name === 'elif') this.lines.push(`${ind}} else if (${heads[h++]}) {`);
        else if (k[i].name === 'else') this.lines.push(`${ind}} else {`);
        else if (k[i].name === 'Body') body(k[i]);
      }
      this.lines.push(`${ind}}`);
    } else if (s.name === 'ForStatement') {
      if (k.filter((x) => x.name === 'Body').length > 1) c.fail('for ... else');
      const iIn = k.findIndex((x) => x.name === 'in');
      const { iter, param } = loopParts(
        c,
        k.slice(1, iIn).filter((x) => x.name !== ','),
        k[iIn + 1],
        ind,
      );
      header(`for (const ${param} of ${iter}) {`);
      body(k[k.length - 1]);
      this.lines.push(`${ind}}`);
    } else if (s.name === 'WhileStatement') {
      if (k.filter((x) => x.name === 'Body').length > 1) c.fail('while ... else');
      header(`while (${condition(c, k[1], ind)}) {`);
      body(k[2]);
      this.lines.push(`${ind}}`);
    } else {
      const [, nameNode, paramList, b] = k;
      const ps = kids(paramList).filter((p) => p.name !== '(' && p.name !== ')');
      const params: string[] = [];
      const declared = new Set<string>();
      for (let i = 0; i < ps.length; i++) {
        const p = ps[i];
        if (p.name === ',') continue;
        if (p.name === '**') c.fail('**kwargs in a def');
        if (p.name === '*') {
          params.push(`...${jsName(c.text(ps[i + 1]))}`);
          declared.add(c.text(ps[i + 1]));
          i++;
          continue;
        }
        if (p.name !== 'VariableName') c.fail('a parameter I cannot read');
        declared.add(c.text(p));
        if (ps[i + 1]?.name === 'AssignOp') {
          params.push(`${jsName(c.text(p))} = ${expr(c, ps[i + 2], ind)}`);
          i += 2;
        } else params.push(jsName(c.text(p)));
      }
      header(`function ${jsName(c.text(nameNode))}(${params.join(', ')}) {`);
      body(b, { declared, counts: countAssignments(c, kids(b)) });
      this.lines.push(`${ind}}`);
    }
    this.translated++;
  }
}

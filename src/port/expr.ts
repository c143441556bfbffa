/** Starlark expressions as TypeScript: literals, operators, calls (keyword arguments into the trailing options object). */
import type { SyntaxNode } from '@lezer/common';
import { INSTEAD, TILT_SIGNATURES } from '../config/tilt-names.js';
import { type Ctx, isIdentifier, jsName, kids } from './context.js';
import { call } from './calls.js';
import { jsString, percentFormat, stringValue } from './strings.js';

export interface Args {
  pos: SyntaxNode[];
  kw: Array<[string, SyntaxNode]>;
  star: boolean;
}

/** Splits an ArgList into positional and keyword arguments. */
export function parseArgs(c: Ctx, list: SyntaxNode): Args {
  const parts = kids(list).filter((k) => k.name !== '(' && k.name !== ')');
  const args: Args = { pos: [], kw: [], star: false };
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i];
    if (k.name === ',') continue;
    if (k.name === '*' || k.name === '**') {
      args.star = true;
      i++;
      continue;
    }
    if (k.name === 'VariableName' && parts[i + 1]?.name === 'AssignOp') {
      args.kw.push([c.text(k), parts[i + 2]]);
      i += 2;
      continue;
    }
    if (args.kw.length) c.fail('a positional argument after a keyword argument', k);
    if (parts[i + 1]?.name === 'for') c.fail('a generator expression as an argument', k);
    args.pos.push(k);
  }
  return args;
}

export const PRECEDENCE_SAFE = new Set([
  'UnaryExpression',
  'VariableName',
  'Number',
  'String',
  'Boolean',
  'None',
  'ArrayExpression',
  'TupleExpression',
  'DictionaryExpression',
  'CallExpression',
  'MemberExpression',
  'ParenthesizedExpression',
]);

/** An operand: parenthesized unless it is atomic. */
export function operand(c: Ctx, n: SyntaxNode, ind: string): string {
  const s = expr(c, n, ind);
  return PRECEDENCE_SAFE.has(n.name) ? s : `(${s})`;
}

export function isStringLit(n: SyntaxNode): boolean {
  return n.name === 'String';
}

function isList(c: Ctx, n: SyntaxNode): boolean {
  return n.name === 'ArrayExpression' || n.name === 'ArrayComprehensionExpression' || (n.name === 'VariableName' && c.lists.has(c.text(n)));
}

function seq(c: Ctx, items: SyntaxNode[], ind: string, open: string, close: string): string {
  const parts = items.map((i) => expr(c, i, `${ind}  `));
  const one = `${open}${parts.join(', ')}${close}`;
  if (one.length + ind.length <= 100 && !one.includes('\n')) return one;
  return `${open}\n${parts.map((p) => `${ind}  ${p},`).join('\n')}\n${ind}${close}`;
}

export function objectOf(c: Ctx, entries: Array<[string, string]>, ind: string): string {
  return objectParts(
    entries.map(([k, v]) => `${isIdentifier(k) ? k : jsString(k)}: ${v}`),
    ind,
  );
}

function objectParts(parts: string[], ind: string): string {
  if (parts.length === 0) return '{}';
  const one = `{ ${parts.join(', ')} }`;
  if (one.length + ind.length <= 100 && !one.includes('\n')) return one;
  return `{\n${parts.map((p) => `${ind}  ${p},`).join('\n')}\n${ind}}`;
}

function items(n: SyntaxNode): SyntaxNode[] {
  return kids(n).filter((k) => !['[', ']', '(', ')', ',', '{', '}'].includes(k.name));
}

export function expr(c: Ctx, n: SyntaxNode, ind = ''): string {
  switch (n.name) {
    case 'VariableName':
      return name(c, n);
    case 'Number':
      return c.text(n).replace(/[lL]$/, '');
    case 'String':
      return jsString(stringValue(c.text(n)), /^[rRuU]?('''|""")/.test(c.text(n)));
    case 'ContinuedString':
      return kids(n)
        .map((k) => expr(c, k, ind))
        .join(' + ');
    case 'Boolean':
      return c.text(n) === 'True' ? 'true' : 'false';
    case 'None':
      return 'null';
    case 'ArrayExpression':
      return seq(c, items(n), ind, '[', ']');
    case 'TupleExpression':
      return seq(c, items(n), ind, '[', ']');
    case 'ParenthesizedExpression':
      return `(${expr(c, items(n)[0], ind)})`;
    case 'DictionaryExpression':
      return dict(c, n, ind);
    case 'CallExpression':
      return call(c, n, ind);
    case 'MemberExpression':
      return member(c, n, ind);
    case 'BinaryExpression':
      return binary(c, n, ind);
    case 'UnaryExpression': {
      const [op, x] = kids(n);
      const o = c.text(op);
      return o === 'not' ? `!${operand(c, x, ind)}` : `${o}${operand(c, x, ind)}`;
    }
    case 'ConditionalExpression': {
      const k = kids(n);
      return `${operand(c, k[2], ind)} ? ${operand(c, k[0], ind)} : ${operand(c, k[4], ind)}`;
    }
    case 'ArrayComprehensionExpression':
      return comprehension(c, n, ind);
    case 'FormatString':
      return c.fail('an f-string (not Starlark)', n);
    default:
      return c.fail(n.type.isError ? 'a syntax error' : `${describe(n.name)}`, n);
  }
}

function describe(nodeName: string): string {
  const words = nodeName.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `a ${words}`;
}

function name(c: Ctx, n: SyntaxNode): string {
  const v = c.text(n);
  if (c.userNames.has(v)) return jsName(v);
  const miss = c.missing.get(v);
  if (miss) return c.fail(miss, n);
  const alias = c.aliases.get(v);
  if (alias) {
    const advice = c.aliasAdvice.get(v);
    if (advice) c.check(advice);
    return c.useDevloop(alias);
  }
  if (c.devloop.has(v)) return c.useDevloop(v);
  if (v === '__file__') return c.fail('__file__: use config_dir() for its directory', n);
  if (INSTEAD[v] !== undefined || TILT_SIGNATURES[v]) return c.fail(`devloop has no ${v}: ${INSTEAD[v] ?? 'not in this version of devloop'}`, n);
  return jsName(v);
}

function dict(c: Ctx, n: SyntaxNode, ind: string): string {
  const k = items(n);
  const parts: string[] = [];
  for (let i = 0; i < k.length; i++) {
    if (k[i].name === '**') {
      parts.push(`...${expr(c, k[i + 1], ind)}`);
      i++;
      continue;
    }
    if (k[i + 1]?.name === 'for') c.fail('a dict comprehension', n);
    const key = k[i];
    const value = k[i + 2];
    if (k[i + 1]?.name !== ':' || !value) c.fail('a dict entry I cannot read', key);
    const v = expr(c, value, `${ind}  `);
    if (key.name === 'String') {
      const name = stringValue(c.text(key));
      parts.push(`${isIdentifier(name) ? name : jsString(name)}: ${v}`);
    } else {
      parts.push(`[${expr(c, key, ind)}]: ${v}`);
    }
    i += 2;
  }
  return objectParts(parts, ind);
}

function comprehension(c: Ctx, n: SyntaxNode, ind: string): string {
  const k = items(n);
  const fors = k.filter((x) => x.name === 'for').length;
  if (fors !== 1) c.fail('a comprehension with more than one for', n);
  const iFor = k.findIndex((x) => x.name === 'for');
  const iIn = k.findIndex((x) => x.name === 'in');
  const iIf = k.findIndex((x) => x.name === 'if');
  const targets = k.slice(iFor + 1, iIn).filter((x) => x.name !== ',');
  const { iter, param } = loopParts(c, targets, k[iIn + 1], ind);
  let out = iter;
  if (iIf > 0) out += `.filter((${param}) => ${expr(c, k[iIf + 1], ind)})`;
  const elt = k.slice(0, iFor);
  if (elt.length !== 1) c.fail('a comprehension I cannot read', n);
  if (!(targets.length === 1 && c.text(elt[0]) === c.text(targets[0]))) out += `.map((${param}) => ${expr(c, elt[0], ind)})`;
  return out;
}

/** The iterable and the loop variable(s) of `for TARGETS in ITER`; `d.items()` becomes Object.entries(d). */
export function loopParts(c: Ctx, targets: SyntaxNode[], iterNode: SyntaxNode, ind: string): { iter: string; param: string } {
  for (const t of targets) if (t.name !== 'VariableName') c.fail('a loop target that is not a plain name', t);
  for (const t of targets) c.userNames.add(c.text(t));
  const names = targets.map((t) => jsName(c.text(t)));
  const param = names.length === 1 ? names[0] : `[${names.join(', ')}]`;
  return { iter: expr(c, iterNode, ind), param };
}

export function member(c: Ctx, n: SyntaxNode, ind: string): string {
  const k = kids(n);
  const obj = k[0];
  const objText = c.text(obj);
  if (k[1]?.name === '.') {
    const prop = c.text(k[2]);
    if (objText === 'os' && !c.userNames.has('os')) {
      if (prop === 'environ') return 'process.env';
      if (prop === 'name') return "(process.platform === 'win32' ? 'nt' : 'posix')";
      return c.fail(`os.${prop}: ${INSTEAD.os}`, n);
    }
    if (objText === 'config' && !c.userNames.has('config') && !c.devloop.has('config')) {
      if (prop === 'main_dir' && c.devloop.has('config_dir')) return `${c.useDevloop('config_dir')}()`;
      return c.fail(`config.${prop}: ${INSTEAD.config}`, n);
    }
    return `${operand(c, obj, ind)}.${prop}`;
  }
  // subscript or slice
  const inner = k.slice(2, -1);
  const colon = inner.findIndex((x) => x.name === ':');
  const o = operand(c, obj, ind);
  if (colon < 0) {
    if (inner.length !== 1) c.fail('a subscript I cannot read', n);
    const idx = inner[0];
    if (idx.name === 'UnaryExpression' && c.text(idx).startsWith('-')) return `${o}.at(${expr(c, idx, ind)})`;
    return `${o}[${expr(c, idx, ind)}]`;
  }
  if (inner.filter((x) => x.name === ':').length > 1) c.fail('a slice with a step', n);
  const lo = inner.slice(0, colon);
  const hi = inner.slice(colon + 1);
  const from = lo.length ? expr(c, lo[0], ind) : '0';
  return hi.length ? `${o}.slice(${from}, ${expr(c, hi[0], ind)})` : `${o}.slice(${from})`;
}

function binary(c: Ctx, n: SyntaxNode, ind: string): string {
  const k = kids(n);
  const left = k[0];
  const right = k[k.length - 1];
  const op = k
    .slice(1, -1)
    .map((x) => c.text(x))
    .join(' ');
  const l = (): string => operand(c, left, ind);
  const r = (): string => operand(c, right, ind);
  const isNone = (x: SyntaxNode): boolean => x.name === 'None';
  switch (op) {
    case 'and':
      return `${l()} && ${r()}`;
    case 'or':
      return `${l()} || ${r()}`;
    case '==':
      return isNone(right) ? `${l()} == null` : `${l()} === ${r()}`;
    case '!=':
      return isNone(right) ? `${l()} != null` : `${l()} !== ${r()}`;
    case 'is':
      return isNone(right) ? `${l()} == null` : `${l()} === ${r()}`;
    case 'is not':
      return isNone(right) ? `${l()} != null` : `${l()} !== ${r()}`;
    case 'in':
      return membership(c, left, right, ind);
    case 'not in':
      return `!${membership(c, left, right, ind)}`;
    case '//':
      return `Math.floor(${l()} / ${r()})`;
    case '+':
      if (isList(c, left) || isList(c, right)) return `[...${l()}, ...${r()}]`;
      return `${l()} + ${r()}`;
    case '*':
      if (isStringLit(left)) return `${l()}.repeat(${r()})`;
      if (isList(c, left) || isList(c, right)) c.fail('a list repeated with *', n);
      return `${l()} * ${r()}`;
    case '%':
      if (isStringLit(left)) {
        const vals = right.name === 'TupleExpression' ? items(right).map((x) => expr(c, x, ind)) : [expr(c, right, ind)];
        return percentFormat(stringValue(c.text(left)), vals);
      }
      if (right.name === 'TupleExpression' || isStringLit(right)) c.fail("'%' formatting of a string held in a variable: write a template literal", n);
      c.check("'%' kept as the remainder operator; if its left side is a string, write a template literal instead");
      return `${l()} % ${r()}`;
    default:
      if (['-', '/', '**', '<', '>', '<=', '>=', '&', '|', '^', '<<', '>>'].includes(op)) return `${l()} ${op} ${r()}`;
      return c.fail(`the operator ${op}`, n);
  }
}

function membership(c: Ctx, left: SyntaxNode, right: SyntaxNode, ind: string): string {
  const x = expr(c, left, ind);
  if (right.name === 'DictionaryExpression' || (right.name === 'VariableName' && c.dicts.has(c.text(right)))) return `(${x} in ${expr(c, right, ind)})`;
  if (!['ArrayExpression', 'TupleExpression', 'String'].includes(right.name) && !isList(c, right)) {
    c.check(`'in' written as .includes(): right for a list or a string; for a dict write (key in obj)`);
  }
  return `${operand(c, right, ind)}.includes(${x})`;
}

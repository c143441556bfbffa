/** Calls: devloop's functions (Tilt's keyword arguments into the trailing options object), the Tiltfile's own, Starlark builtins, methods. */
import type { SyntaxNode } from '@lezer/common';
import { INSTEAD, TILT_SIGNATURES } from '../config/tilt-names.js';
import { type Ctx, jsName, kids } from './context.js';
import { expr, isStringLit, member, objectOf, operand, parseArgs, PRECEDENCE_SAFE, type Args } from './expr.js';
import { formatMethod, stringValue } from './strings.js';

export function call(c: Ctx, n: SyntaxNode, ind: string): string {
  const [callee, list] = kids(n);
  const args = parseArgs(c, list);
  if (args.star) c.fail('*args or **kwargs in a call', list);
  const pos = (): string[] => args.pos.map((a) => expr(c, a, ind));
  const noKw = (what: string): void => {
    if (args.kw.length) c.fail(`keyword arguments to ${what}`, list);
  };
  if (callee.name === 'VariableName') {
    const fn = c.text(callee);
    if (c.userFuncs.has(fn)) return userCall(c, fn, args, ind);
    const miss = c.missing.get(fn);
    if (miss) c.fail(miss, callee);
    if (!c.userNames.has(fn)) {
      const special = builtinCall(c, fn, args, pos, noKw);
      if (special !== undefined) return special;
      const target = c.aliases.get(fn) ?? fn;
      if (c.aliasAdvice.has(fn)) c.check(c.aliasAdvice.get(fn)!);
      if (c.devloop.has(target)) return devloopCall(c, target, args, ind);
      if (INSTEAD[fn] !== undefined || TILT_SIGNATURES[fn]) c.fail(`devloop has no ${fn}: ${INSTEAD[fn] ?? 'not in this version of devloop'}`, callee);
    }
    if (args.kw.length) {
      c.check(
        `${fn}(): keyword arguments passed as a trailing options object; ${c.loadedNames.has(fn) ? 'port the file it comes from to take one' : 'check the function takes one'}`,
      );
      return `${jsName(fn)}(${[
        ...pos(),
        objectOf(
          c,
          args.kw.map(([k, v]) => [k, expr(c, v, ind)]),
          ind,
        ),
      ].join(', ')})`;
    }
    return `${jsName(fn)}(${pos().join(', ')})`;
  }
  if (callee.name === 'MemberExpression') return methodCall(c, callee, args, pos, noKw, ind);
  noKw('this call');
  return `${operand(c, callee, ind)}(${pos().join(', ')})`;
}

function builtinCall(c: Ctx, fn: string, args: Args, pos: () => string[], noKw: (w: string) => void): string | undefined {
  const one = (): string => {
    noKw(`${fn}()`);
    if (args.pos.length !== 1) c.fail(`${fn}() with ${args.pos.length} arguments`);
    return pos()[0];
  };
  switch (fn) {
    case 'print':
      noKw('print()');
      return `console.log(${pos().join(', ')})`;
    case 'str':
      return `String(${one()})`;
    case 'len':
      return `${wrapped(c, args.pos[0], one())}.length`;
    case 'int':
      return `Number(${one()})`;
    case 'bool':
      return `Boolean(${one()})`;
    case 'list':
      return `[...${wrapped(c, args.pos[0], one())}]`;
    case 'sorted':
      return `[...${wrapped(c, args.pos[0], one())}].sort()`;
    case 'blob':
      return c.devloop.has('blob') ? undefined : one();
    case 'enumerate':
      return `${wrapped(c, args.pos[0], one())}.entries()`;
    case 'range': {
      noKw('range()');
      const p = pos();
      if (p.length === 1) return `Array.from({ length: ${p[0]} }, (_, i) => i)`;
      if (p.length === 2) return `Array.from({ length: ${p[1]} - ${p[0]} }, (_, i) => ${p[0]} + i)`;
      return c.fail('range() with a step');
    }
    case 'struct':
    case 'dict':
      if (args.pos.length) c.fail(`${fn}() with positional arguments`);
      return objectOf(
        c,
        args.kw.map(([k, v]) => [k, expr(c, v)]),
        '',
      );
    case 'decode_json':
      return c.devloop.has(fn) ? undefined : `JSON.parse(${one()})`;
    case 'encode_json':
      return c.devloop.has(fn) ? undefined : `JSON.stringify(${one()}, null, 2)`;
    case 'read_json':
      if (c.devloop.has(fn)) return undefined;
      {
        const dflt = args.kw.find(([k]) => k === 'default')?.[1] ?? args.pos[1];
        if (args.kw.some(([k]) => k !== 'default') || !args.pos[0]) c.fail('read_json() with these arguments');
        const path = expr(c, args.pos[0]);
        return `JSON.parse(${c.useDevloop('read_file')}(${path}${dflt ? `, JSON.stringify(${expr(c, dflt)})` : ''}))`;
      }
    case 'fail':
      return c.fail('fail() inside an expression: throw new Error(...) as a statement');
    default:
      return undefined;
  }
}

function wrapped(c: Ctx, n: SyntaxNode, s: string): string {
  return PRECEDENCE_SAFE.has(n.name) ? s : `(${s})`;
}

/** A call of a devloop function: Tilt's keyword (and extra positional) arguments go into the trailing options object. */
function devloopCall(c: Ctx, fn: string, args: Args, ind: string): string {
  const sig = TILT_SIGNATURES[fn] ?? { params: [], positional: args.pos.length, options: true };
  const slots: Array<string | undefined> = [];
  const opts: Array<[string, string]> = [];
  const inner = `${ind}  `;
  args.pos.forEach((a, i) => {
    if (i < sig.positional || sig.options === false) slots[i] = expr(c, a, ind);
    else if (sig.params[i]) opts.push([sig.params[i], expr(c, a, inner)]);
    else c.fail(`${fn}() with more positional arguments than Tilt takes`, a);
  });
  for (const [k, v] of args.kw) {
    const idx = sig.params.indexOf(k);
    if (idx >= 0 && (idx < sig.positional || sig.options === false)) slots[idx] = expr(c, v, ind);
    else if (sig.options === false) c.fail(`${fn}() has no parameter ${k}`, v);
    else opts.push([k, expr(c, v, inner)]);
  }
  while (slots.length && slots[slots.length - 1] === undefined) slots.pop();
  const parts = [...slots].map((s) => s ?? 'undefined');
  if (opts.length) parts.push(objectOf(c, opts, ind));
  return `${c.useDevloop(fn)}(${parts.join(', ')})`;
}

function userCall(c: Ctx, fn: string, args: Args, ind: string): string {
  const params = c.userFuncs.get(fn)!;
  const slots: Array<string | undefined> = args.pos.map((a) => expr(c, a, ind));
  for (const [k, v] of args.kw) {
    const idx = params.indexOf(k);
    if (idx < 0) c.fail(`${fn}() has no parameter ${k}`, v);
    slots[idx] = expr(c, v, ind);
  }
  const parts: string[] = [];
  for (let i = 0; i < slots.length; i++) parts.push(slots[i] ?? 'undefined');
  return `${jsName(fn)}(${parts.join(', ')})`;
}

const METHODS: Record<string, (obj: string, a: string[]) => string | undefined> = {
  strip: (o, a) => (a.length ? undefined : `${o}.trim()`),
  rstrip: (o, a) => (a.length ? undefined : `${o}.trimEnd()`),
  lstrip: (o, a) => (a.length ? undefined : `${o}.trimStart()`),
  lower: (o) => `${o}.toLowerCase()`,
  upper: (o) => `${o}.toUpperCase()`,
  startswith: (o, a) => (a.length === 1 ? `${o}.startsWith(${a[0]})` : undefined),
  endswith: (o, a) => (a.length === 1 ? `${o}.endsWith(${a[0]})` : undefined),
  replace: (o, a) => (a.length === 2 ? `${o}.replaceAll(${a[0]}, ${a[1]})` : undefined),
  split: (o, a) => (a.length === 0 ? `${o}.trim().split(/\\s+/)` : a.length === 1 ? `${o}.split(${a[0]})` : undefined),
  splitlines: (o, a) => (a.length ? undefined : `${o}.split('\\n')`),
  append: (o, a) => (a.length === 1 ? `${o}.push(${a[0]})` : undefined),
  extend: (o, a) => (a.length === 1 ? `${o}.push(...${a[0]})` : undefined),
  get: (o, a) => (a.length === 1 ? `${o}[${a[0]}]` : a.length === 2 ? `(${o}[${a[0]}] ?? ${a[1]})` : undefined),
  items: (o, a) => (a.length ? undefined : `Object.entries(${o})`),
  keys: (o, a) => (a.length ? undefined : `Object.keys(${o})`),
  values: (o, a) => (a.length ? undefined : `Object.values(${o})`),
  update: (o, a) => (a.length === 1 ? `Object.assign(${o}, ${a[0]})` : undefined),
  join: (o, a) => (a.length === 1 ? `${a[0]}.join(${o})` : undefined),
  find: (o, a) => (a.length === 1 ? `${o}.indexOf(${a[0]})` : undefined),
  count: (o, a) => (a.length === 1 ? `${o}.split(${a[0]}).length - 1` : undefined),
};

const OS_PATH: Record<string, [string, string]> = {
  join: ['node:path', 'join'],
  basename: ['node:path', 'basename'],
  dirname: ['node:path', 'dirname'],
  abspath: ['node:path', 'resolve'],
  relpath: ['node:path', 'relative'],
  exists: ['node:fs', 'existsSync'],
  realpath: ['node:fs', 'realpathSync'],
};

function methodCall(c: Ctx, callee: SyntaxNode, args: Args, pos: () => string[], noKw: (w: string) => void, ind: string): string {
  const k = kids(callee);
  const obj = k[0];
  const prop = k[k.length - 1];
  if (k[1]?.name !== '.' || prop.name !== 'PropertyName') {
    noKw('this call');
    return `${member(c, callee, ind)}(${pos().join(', ')})`;
  }
  const m = c.text(prop);
  const objText = c.text(obj);
  if (isStringLit(obj) && m === 'format') return formatMethod(stringValue(objText), pos(), new Map(args.kw.map(([key, v]) => [key, expr(c, v, ind)])));
  if (objText === 'os.path' && OS_PATH[m]) {
    noKw(`os.path.${m}()`);
    const [mod, fn] = OS_PATH[m];
    return `${c.useNode(mod, fn)}(${pos().join(', ')})`;
  }
  if (objText === 'os' && !c.userNames.has('os')) {
    noKw(`os.${m}()`);
    const a = pos();
    if (m === 'getenv' && a.length === 1) return `process.env[${a[0]}]`;
    if (m === 'getenv' && a.length === 2) return `(process.env[${a[0]}] ?? ${a[1]})`;
    if (m === 'getcwd') return 'process.cwd()';
    if (m === 'putenv' && a.length === 2) return `(process.env[${a[0]}] = ${a[1]})`;
    if (m === 'unsetenv' && a.length === 1) return `delete process.env[${a[0]}]`;
    return c.fail(`os.${m}(): ${INSTEAD.os}`, callee);
  }
  if ((objText === 'config' || objText === 'shlex' || objText === 'sys') && !c.userNames.has(objText) && !c.devloop.has(objText)) {
    return c.fail(`${objText}.${m}(): ${INSTEAD[objText] ?? 'not in this version of devloop'}`, callee);
  }
  if (m === 'format') c.fail('.format() on a string that is not a literal: write a template literal', callee);
  if (objText === 'config' && !c.userNames.has('config') && c.devloop.has('config') && args.kw.length) {
    // config.define_string('env', args=True, usage='...'): keyword arguments into the trailing options object, as for functions
    return `${c.useDevloop('config')}.${m}(${[
      ...pos(),
      objectOf(
        c,
        args.kw.map(([key, v]) => [key, expr(c, v, ind)]),
        ind,
      ),
    ].join(', ')})`;
  }
  noKw(`.${m}()`);
  const o = operand(c, obj, ind);
  const t = METHODS[m]?.(o, pos());
  if (t !== undefined) return t;
  if (METHODS[m]) c.fail(`.${m}() with these arguments`, callee);
  return `${o}.${m}(${pos().join(', ')})`;
}

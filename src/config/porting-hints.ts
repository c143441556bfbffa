/**
 * Config errors explained for someone porting a Tiltfile: Starlark left in devloop.ts (keyword arguments,
 * True/False/None, load(), # comments, '...'.format(), % formatting) gets a hint at its line with what to write;
 * a function devloop does not have says so and what to use; an error inside a helper module also names the call
 * in devloop.ts that led there. The line is read with a Python grammar, as Starlark is a subset of Python.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { DevloopError } from '../model/errors.js';
import { devloopExports } from '../port/exports.js';
import { translateTiltfile } from '../port/translate.js';
import { parseStack } from './callsite.js';
import { closest } from './options.js';
import { EXTENSIONS, INSTEAD } from './tilt-names.js';

/** Returns the error with a porting hint and the caller in devloop.ts where they apply; never throws. */
export function explainConfigError(error: DevloopError, thrown: unknown, configFile: string): DevloopError {
  try {
    return withCaller(porting(error, thrown, configFile) ?? error, thrown, configFile);
  } catch {
    return error;
  }
}

function sourceLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function like(e: DevloopError, message: string, hint: string, code = e.code): DevloopError {
  return new DevloopError(code, message, { location: e.location, hint, object: e.object, details: e.details, cause: e.cause });
}

interface Leftover {
  kind: 'kwarg' | 'assign' | 'bool' | 'load' | 'comment' | 'format' | 'percent';
  text: string;
  name?: string;
}

/** Starlark constructs on one line of devloop.ts. */
export function leftovers(line: string): Leftover[] {
  const out: Leftover[] = [];
  const tree = parser.parse(line);
  const text = (n: SyntaxNode): string => line.slice(n.from, n.to);
  tree.iterate({
    enter: (ref) => {
      const n = ref.node;
      if (n.name === 'Comment') out.push({ kind: 'comment', text: text(n) });
      else if (n.name === 'Boolean' || n.name === 'None') out.push({ kind: 'bool', text: text(n) });
      else if (n.name === 'ArgList') {
        for (let k = n.firstChild; k; k = k.nextSibling) {
          if (k.name === 'VariableName' && k.nextSibling?.name === 'AssignOp')
            out.push({ kind: 'kwarg', name: text(k), text: line.slice(k.from, k.nextSibling.nextSibling?.to ?? k.nextSibling.to) });
        }
      } else if (n.name === 'AssignStatement' && n.firstChild?.name === 'VariableName' && n.firstChild.nextSibling?.name === 'AssignOp') {
        out.push({ kind: 'assign', name: text(n.firstChild), text: text(n) });
      } else if (n.name === 'CallExpression' && n.firstChild?.name === 'VariableName' && text(n.firstChild) === 'load')
        out.push({ kind: 'load', text: text(n) });
      else if (n.name === 'MemberExpression' && n.firstChild?.name === 'String' && n.lastChild && text(n.lastChild) === 'format')
        out.push({ kind: 'format', text: text(n) });
      else if (n.name === 'BinaryExpression' && n.firstChild?.name === 'String' && n.firstChild.nextSibling && text(n.firstChild.nextSibling) === '%')
        out.push({ kind: 'percent', text: text(n) });
    },
  });
  return out;
}

/** The line as Starlark translated to TypeScript: its imports, code and notes (undefined when some of it is left to port). */
function rewrite(line: string): { imports: string[]; code: string; checks: string[] } | undefined {
  const src = line
    .trim()
    .replace(/^(export\s+)?(const|let|var)\s+/, '')
    .replace(/;\s*$/, '');
  const t = translateTiltfile(src, devloopExports());
  if (t.untranslated > 0 || t.notes.some((n) => n.kind === 'todo')) return undefined;
  const lines = t.code
    .split('\n')
    .slice(2)
    .filter((l) => l.trim());
  const imports = lines.filter((l) => l.startsWith('import '));
  const code = lines
    .filter((l) => !l.startsWith('import ') && !l.startsWith('//'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return code || imports.length ? { imports, code, checks: t.notes.map((n) => n.text) } : undefined;
}

function noSuchFunction(e: DevloopError, name: string): DevloopError {
  const names = [...devloopExports().keys()];
  const instead = INSTEAD[name];
  const guess = closest(name, names);
  const hint = instead ? `instead: ${instead}` : guess ? `did you mean '${guess}'?` : "the README's config API lists what devloop has";
  return like(e, `devloop has no function '${name}' (it was imported from 'devloop')`, hint, 'config-no-such-function');
}

function porting(e: DevloopError, thrown: unknown, configFile: string): DevloopError | undefined {
  const msg = thrown instanceof Error ? thrown.message : '';
  const missing =
    /^\(0\s*,\s*_devloop\w*\.(\w+)\) is not a (?:function|constructor)/.exec(msg) ?? /^_devloop\w*\.(\w+) is not a (?:function|constructor)/.exec(msg);
  if (missing) return noSuchFunction(e, missing[1]);
  const file = e.location?.file ?? configFile;
  const lines = sourceLines(file);
  const line = e.location?.line ? (lines[e.location.line - 1] ?? '') : '';
  const found = line ? leftovers(line) : [];
  const name = basename(configFile);
  const fixed = (): string => {
    const r = rewrite(line);
    return r ? `; write: ${r.code}` : '';
  };
  const undef = thrown instanceof ReferenceError ? /^(\w+) is not defined/.exec(msg)?.[1] : undefined;
  if (undef === 'True' || undef === 'False' || undef === 'None') {
    const js = { True: 'true', False: 'false', None: 'null' }[undef];
    return like(e, `${undef} is Starlark; in TypeScript it is ${js}`, `write ${js}${undef === 'None' ? ' (or leave the option out)' : ''}`, 'config-starlark');
  }
  if (undef === 'load' || (e.code === 'config-syntax' && found.some((f) => f.kind === 'load'))) {
    const r = rewrite(line);
    const imports = r?.imports.length ? `write at the top: ${r.imports.join(' ')}${r.checks.length ? `; note: ${r.checks.join('; ')}` : ''}` : undefined;
    return like(e, 'load() is Starlark; devloop.ts imports instead', imports ?? `${INSTEAD.load}; ${loadAdvice(line)}`, 'config-starlark');
  }
  const kw = found.find((f) => f.kind === 'kwarg' && (f.name === undef || undef === undefined));
  if (kw && (undef || e.code === 'config-syntax')) {
    return like(e, `${kw.text} is a Starlark keyword argument`, `options go in the trailing object: { ${kw.name}: ... }${fixed()}`, 'config-starlark');
  }
  const assign = undef ? found.find((f) => f.kind === 'assign' && f.name === undef) : undefined;
  if (assign) {
    const before =
      lines
        .slice(0, (e.location?.line ?? 1) - 1)
        .reverse()
        .find((l) => l.trim())
        ?.trim() ?? '';
    const value = assign.text
      .slice(assign.text.indexOf('=') + 1)
      .trim()
      .replace(/[,)\]]+;?$/, '');
    if (/[(,]$/.test(before)) {
      return like(e, `${undef}=${value} is a Starlark keyword argument`, `options go in the trailing object: { ${undef}: ${value} }`, 'config-starlark');
    }
    return like(
      e,
      `${undef} is assigned but never declared (Starlark assigns without a keyword)`,
      `write const ${undef} = ${value}; (let if it is assigned again)`,
      'config-starlark',
    );
  }
  if (e.code === 'config-syntax') {
    if (/Invalid shorthand property initializer/.test(e.message)) {
      return like(
        e,
        `${e.message.replace(/\.$/, '')}: an object takes key: value, not key=value`,
        "write { dockerfile: 'Dockerfile' }, not { dockerfile='Dockerfile' }",
        'config-starlark',
      );
    }
    const comment = found.find((f) => f.kind === 'comment');
    if (comment)
      return like(
        e,
        `'${comment.text.slice(0, 30)}' is a Starlark comment`,
        `comments in ${name} start with //: ${comment.text.replace(/^#/, '//')}`,
        'config-starlark',
      );
    const r = rewrite(line);
    const same = (a: string): string => a.replace(/[\s;]/g, '');
    if (r?.code && same(r.code) !== same(line)) return like(e, e.message, `if this line is Starlark, in TypeScript it is: ${r.code}`);
  }
  if (thrown instanceof TypeError && /\.format is not a function/.test(msg)) {
    return like(
      e,
      "'...'.format() is Starlark; TypeScript strings have no format()",
      `write a template literal, \`text \${value}\`${fixed()}`,
      'config-starlark',
    );
  }
  if (/\bNaN\b/.test(e.message)) {
    const at = lines.map((l, i) => ({ i, p: leftovers(l).find((f) => f.kind === 'percent') })).filter((x) => x.p);
    if (at.length) {
      const first = at[0];
      const r = rewrite(lines[first.i]);
      return like(
        e,
        `${e.message} ('...' % value is Starlark formatting; in TypeScript it gives NaN)`,
        `write a template literal at ${basename(file)}:${first.i + 1}${r ? `: ${r.code}` : ', e.g. `img-${name}`'}`,
        'config-starlark',
      );
    }
  }
  if (undef && devloopExports().has(undef)) return like(e, `${undef} is not defined`, `import it: import { ${undef} } from 'devloop'`);
  if (undef && INSTEAD[undef] !== undefined)
    return like(e, `${undef} is not defined: devloop has no ${undef}()`, `instead: ${INSTEAD[undef]}`, 'config-starlark');
  return undefined;
}

function loadAdvice(line: string): string {
  const m = /ext:\/\/([\w-]+)/.exec(line);
  if (!m) return 'port that file to TypeScript and import it';
  const ext = EXTENSIONS[m[1]];
  if (!ext) return `Tilt's ext://${m[1]} has no devloop port: write what it does in TypeScript`;
  const renames = Object.entries(ext.renames ?? {}).map(([from, to]) => `${to}() for ${from}()`);
  return `for Tilt's ext://${m[1]}: ${renames.length ? `use ${renames.join(', ')}; ` : ''}${ext.advice}`;
}

/** An error located in another file (a helper module) also names the line of devloop.ts that called into it. */
function withCaller(e: DevloopError, thrown: unknown, configFile: string): DevloopError {
  if (!e.location || e.location.file === configFile) return e;
  const stack = thrown instanceof Error ? thrown.stack : undefined;
  const call = parseStack(stack).find((f) => f.file === configFile);
  if (!call) return e;
  const text = (sourceLines(configFile)[call.line - 1] ?? '').trim();
  const details = [`called from ${basename(configFile)}:${call.line}${text ? `: ${text}` : ''}`, ...(e.details ?? [])];
  return new DevloopError(e.code, e.message, { location: e.location, hint: e.hint, object: e.object, details, cause: e.cause });
}

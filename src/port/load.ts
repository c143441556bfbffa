/** `load('ext://NAME', 'sym')` and `load('./lib.star', 'sym')` as imports: devloop's functions, or the user's own module. */
import type { SyntaxNode } from '@lezer/common';
import { EXTENSIONS } from '../config/tilt-names.js';
import { type Ctx, kids } from './context.js';
import { parseArgs } from './expr.js';
import { stringValue, Untranslatable } from './strings.js';

export interface LoadResult {
  /** Set when the whole load() is left as a comment. */
  todo?: string;
  notes: Array<{ kind: 'todo' | 'check'; text: string }>;
  /** An import line for the user's own module. */
  localImport?: string;
}

export function loadStatement(c: Ctx, call: SyntaxNode): LoadResult {
  try {
    return load(c, call);
  } catch (e) {
    if (e instanceof Untranslatable) return { todo: e.reason, notes: [] };
    throw e;
  }
}

function load(c: Ctx, call: SyntaxNode): LoadResult {
  const args = parseArgs(c, kids(call)[1]);
  const lit = (n: SyntaxNode): string => (n.name === 'String' ? stringValue(c.text(n)) : c.fail('load() with an argument that is not a string', n));
  if (args.star || args.pos.length === 0) c.fail('a load() I cannot read');
  const path = lit(args.pos[0]);
  const symbols: Array<[string, string]> = [
    ...args.pos.slice(1).map((p): [string, string] => [lit(p), lit(p)]),
    ...args.kw.map(([local, v]): [string, string] => [local, lit(v)]),
  ];
  if (path.startsWith('ext://')) return extension(c, path, symbols);
  for (const [local] of symbols) {
    c.userNames.add(local);
    c.loadedNames.add(local);
  }
  const module = `./${path
    .replace(/^\/\//, '')
    .replace(/^\.\//, '')
    .replace(/\.(star|tilt|bzl|py)$/, '')}`;
  const names = symbols.map(([local, remote]) => (local === remote ? local : `${remote} as ${local}`));
  return {
    localImport: `import { ${names.join(', ')} } from '${module}';`,
    notes: [
      {
        kind: 'todo',
        text: `port ${path} to TypeScript as ${module}.ts, exporting ${symbols.map(([, r]) => r).join(', ')} (devloop init --from ${path} -o ${module}.ts, then add export)`,
      },
    ],
  };
}

function extension(c: Ctx, path: string, symbols: Array<[string, string]>): LoadResult {
  const name = path.slice('ext://'.length).split('/')[0];
  const ext = EXTENSIONS[name];
  const notes: LoadResult['notes'] = [];
  const missing: string[] = [];
  for (const [local, remote] of symbols) {
    const renamed = ext?.renames?.[remote];
    if (c.devloop.has(remote)) {
      if (local !== remote) c.aliases.set(local, remote);
      else c.useDevloop(remote);
    } else if (renamed && c.devloop.has(renamed)) {
      c.aliases.set(local, renamed);
      c.aliasAdvice.set(local, `${local}() written as ${renamed}(): ${ext.advice}`);
    } else {
      missing.push(remote);
      c.missing.set(local, `${local}() comes from Tilt's ext://${name}, which devloop does not have: ${ext?.advice ?? 'write what it does in TypeScript'}`);
    }
  }
  if (missing.length)
    return { todo: `devloop has no port of ext://${name} (${missing.join(', ')}): ${ext?.advice ?? 'write what it does in TypeScript'}`, notes };
  return { notes };
}

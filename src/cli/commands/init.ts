/** `devloop init --from Tiltfile`: writes a devloop.ts translated from a Tiltfile and prints what to check by hand. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DevloopError } from '../../model/errors.js';
import { devloopExports } from '../../port/exports.js';
import { translateTiltfile } from '../../port/translate.js';
import type { CommonOptions } from '../main.js';
import type { Output } from '../output.js';
import { color } from '../output.js';

export interface InitOptions extends CommonOptions {
  from?: string;
  output?: string;
  force?: boolean;
}

export async function initCommand(opts: InitOptions, o: Output): Promise<number> {
  const cwd = process.cwd();
  if (!opts.from) {
    throw new DevloopError('init-no-source', 'devloop init needs a Tiltfile to start from', { hint: 'run devloop init --from Tiltfile' });
  }
  const from = resolve(cwd, opts.from);
  if (!existsSync(from) || !statSync(from).isFile()) {
    throw new DevloopError('init-not-found', `${opts.from} is not a file (looked for ${from})`, {
      hint: 'give the path of the Tiltfile: devloop init --from path/to/Tiltfile',
    });
  }
  const toStdout = opts.output === '-';
  const out = toStdout ? '-' : resolve(cwd, opts.output ?? join(dirname(from), 'devloop.ts'));
  if (!toStdout && existsSync(out) && !opts.force) {
    throw new DevloopError('init-exists', `${relative(cwd, out) || out} already exists`, {
      hint: 'give another file with -o FILE, or --force to overwrite it',
    });
  }
  const sourceName = relative(toStdout ? cwd : dirname(out), from) || from;
  const t = translateTiltfile(readFileSync(from, 'utf8').replace(/^\uFEFF/, ''), devloopExports(), sourceName);
  if (toStdout) o.out(t.code);
  else writeFileSync(out, t.code);
  const outName = toStdout ? 'devloop.ts' : relative(cwd, out);
  const todos = t.notes.filter((n) => n.kind === 'todo');
  const checks = t.notes.filter((n) => n.kind === 'check');
  o.err(
    `${toStdout ? 'Translated' : `Wrote ${outName} from`} ${relative(cwd, from)}: ${t.translated} statement${t.translated === 1 ? '' : 's'} translated, ` +
      `${t.untranslated} left as comments to port by hand, ${checks.length} to check.`,
  );
  for (const [title, list] of [
    ['To port by hand (TODO):', todos],
    ['To check:', checks],
  ] as const) {
    if (!list.length) continue;
    o.err(color.yellow(title));
    for (const n of list) o.err(`  ${sourceName}:${n.line} → ${outName}:${n.outLine}: ${n.text}`);
  }
  const dir = toStdout ? dirname(from) : dirname(out);
  if (existsSync(join(dir, '.tiltignore')) && !existsSync(join(dir, '.devloopignore'))) {
    o.err('Also: copy .tiltignore to .devloopignore (same syntax) so devloop ignores the same files.');
  }
  o.err(
    `Next: ${dir === cwd ? '' : `cd ${relative(cwd, dir) || '.'} && `}devloop ci --dry-run${toStdout || out === join(dir, 'devloop.ts') ? '' : ` -f ${relative(dir, out)}`} shows what it would build and deploy.`,
  );
  return 0;
}

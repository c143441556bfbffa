/** Finding the config file: `-f FILE`, else the first of CONFIG_NAMES in the directory; a directory is not a config. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DevloopError } from '../model/errors.js';

export const CONFIG_NAMES = ['devloop.ts', 'devloop.mts', 'devloop.js', 'devloop.mjs'];

function notAFile(p: string, shown: string, hint: string): DevloopError {
  return new DevloopError('config-not-a-file', `${shown} is a directory, not a config file`, { location: { file: p }, hint });
}

/** Finds the config: `-f FILE` if given, else the first of CONFIG_NAMES in `cwd`. */
export function findConfig(cwd: string, file?: string): string {
  if (file) {
    const p = resolve(cwd, file);
    if (!existsSync(p)) {
      throw new DevloopError('config-not-found', `config file ${file} not found (looked for ${p})`, { hint: 'check the path given to -f' });
    }
    if (!statSync(p).isFile()) throw notAFile(p, file, 'give -f the config file itself, e.g. -f dir/devloop.ts');
    return p;
  }
  for (const n of CONFIG_NAMES) {
    const p = resolve(cwd, n);
    if (!existsSync(p)) continue;
    if (!statSync(p).isFile()) throw notAFile(p, n, `devloop reads ${n} as the config; rename or remove that directory, or name the config with -f FILE`);
    return p;
  }
  throw new DevloopError('config-not-found', `no devloop config in ${cwd}`, {
    hint: `create one of ${CONFIG_NAMES.join(', ')} there (see the README's config API), or name one with -f FILE`,
  });
}

/** Rendering of errors: a DevloopError as what/where/hint; anything else as a bug (stack only with --debug). */
import { relative } from 'node:path';
import { formatError, isDevloopError, type DevloopError } from '../model/errors.js';
import { color, type Output } from './output.js';

function relativize(e: DevloopError, cwd: string): DevloopError {
  if (e.location?.file.startsWith('/')) {
    const rel = relative(cwd, e.location.file);
    if (!rel.startsWith('..')) e.location = { ...e.location, file: rel };
  }
  return e;
}

export function renderError(e: unknown, o: Output, debug: boolean, cwd = process.cwd()): void {
  if (isDevloopError(e)) {
    const lines = formatError(relativize(e, cwd)).split('\n');
    o.err(color.red(lines[0]));
    for (const l of lines.slice(1)) o.err(l.startsWith('hint:') ? color.yellow(l) : l);
    if (debug && e.cause instanceof Error && e.cause.stack) o.err(color.dim(e.cause.stack));
    return;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  o.err(color.red(`error: internal error in devloop: ${err.message}`));
  o.err(debug ? color.dim(err.stack ?? '') : 'This is a bug in devloop. Run again with --debug to see the stack trace, and report it.');
}

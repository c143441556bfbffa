/**
 * Paths a local_resource or a build makes later (a custom_build dep `build/classes`, a local_resource dep on
 * generated code) may be missing when the config loads, as Tilt allows: a warning naming the nearest existing parent,
 * which the watcher watches until the path appears (then the image builds, or the resource runs, from it).
 */
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { abs, type Recorder } from './recorder.js';
import type { Loc } from './spec.js';

export function nearestExisting(p: string): string {
  let d = p;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

/** The absolute path; when nothing is there yet, a warning located at the call. */
export function laterPath(r: Recorder, fn: string, what: string, p: string, loc: Loc): string {
  const full = abs(r, p);
  if (!existsSync(full)) {
    const parent = nearestExisting(full);
    const shown = relative(r.plan.configDir, parent) || '.';
    r.plan.warnings.push({
      message: `${fn}: ${what} '${p}' does not exist yet (${loc.file.split('/').pop()}:${loc.line}); watching ${shown} until it appears`,
      loc,
    });
  }
  return full;
}

/**
 * What every config helper outside api.ts needs: the recorder and the user's call site, located errors, texts
 * k8s_yaml() takes as YAML (blobs), and reading a watched file. Internal: not part of the public API.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { abs, addFileRead, current, type Recorder } from './recorder.js';
import type { Loc } from './spec.js';

export interface Call {
  fn: string;
  r: Recorder;
  loc: Loc;
}

export function beginCall(fn: string): Call {
  const r = current(fn);
  return { fn, r, loc: callerLocation(r.plan.configFile) };
}

export function failAt(code: string, message: string, loc: Loc, hint?: string, details?: string[]): never {
  throw new DevloopError(code, message, { location: loc, hint, details });
}

/** Marks `text` as YAML text for k8s_yaml() (as read_file and local do), described by `source`. */
export function asBlob(c: Call, text: string, source: string): string {
  c.r.blobs.set(text, source);
  return text;
}

/** Is this string YAML text (a blob, or several lines) rather than a path? The rule k8s_yaml() uses. */
export function isYamlText(c: Call, s: string): boolean {
  return c.r.blobs.has(s) || s.includes('\n');
}

/**
 * Reads a config-relative file and records it as read (watched), even when it is missing, so creating it
 * re-evaluates the config. Missing: undefined when `optional`, else an error naming the call and the path.
 */
export function readWatched(c: Call, path: string, what: string, optional = false): { path: string; text?: string } {
  const p = abs(c.r, path);
  addFileRead(c.r, p);
  if (!existsSync(p)) {
    if (optional) return { path: p };
    failAt(
      'config-path-missing',
      `${c.fn}: ${what} '${path}' does not exist (looked for ${p})`,
      c.loc,
      `paths in ${c.r.plan.configFile.split('/').pop()} are relative to its directory (${c.r.plan.configDir}); fix the path or create it`,
    );
  }
  if (statSync(p).isDirectory()) failAt('config-bad-value', `${c.fn}: ${what} '${path}' is a directory, not a file`, c.loc);
  return { path: p, text: readFileSync(p, 'utf8') };
}

/**
 * Running a local tool (kustomize, kubectl, helm) while the config is evaluated: finding it on PATH, and a
 * failure that names the command, the directory it ran in and the tool's own message.
 */
import { execaRunner } from '../adapters/process/execa-runner.js';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { failAt, type Call } from './helper-call.js';

/** The executable `name` on PATH (or `name` itself when it is a path), or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return isAbsolute(c) ? c : join(process.cwd(), c);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Shell-like text of an argv, for messages. */
export function commandText(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** kubectl's klog wrapper (`E1204 ... run.go:72] "command failed" err="..."`) unwrapped to the message itself. */
export function toolMessage(stderr: string): string[] {
  const lines: string[] = [];
  for (const raw of stderr.split('\n')) {
    const m = /^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="(.*)"\s*$/.exec(raw);
    let line = raw;
    if (m) {
      try {
        line = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        line = m[1];
      }
    }
    for (const l of line.split('\n')) if (l.trim()) lines.push(l.trimEnd());
  }
  return lines;
}

/** How long a render may take before it is stopped (kustomize fetching a remote base can hang on the network). */
export const TOOL_TIMEOUT_MS = 300_000;

/** Runs argv in `cwd`; returns stdout, or throws a DevloopError with `code` naming the command, the directory and the tool's message. */
export function runTool(c: Call, code: string, argv: string[], cwd: string, hint: string, timeoutMs = TOOL_TIMEOUT_MS): string {
  c.r.plan.logs.push(`${c.fn}: ${commandText(argv)}`);
  const res = execaRunner.runSync(argv, { cwd, timeoutMs });
  if (res.timedOut) {
    failAt(
      code,
      `${c.fn}: \`${commandText(argv)}\` did not finish within ${timeoutMs / 1000} s and was stopped (in ${cwd})`,
      c.loc,
      'run the command by hand to see where it waits (a remote base or chart repository that does not answer?)',
    );
  }
  if (res.failed) {
    const msg = toolMessage(res.stderr);
    const details = (msg.length ? msg : res.stdout.trimEnd().split('\n').filter(Boolean)).slice(-20);
    failAt(code, `${c.fn}: \`${commandText(argv)}\` ${res.summary} (in ${cwd})`, c.loc, hint, details);
  }
  return res.stdout;
}

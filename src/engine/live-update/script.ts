/**
 * Pure: the one shell script a live update runs in a container (delete, extract the tar from stdin, prove the
 * files arrived, run the run steps in order), and the parser of what it prints back.
 */
import { parseRestartMarker, restartLines, type RestartResult } from './restart.js';

export const MARK = '@@devloop';

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptInput {
  deletes: string[];
  /** Remote paths in the tar (absolute). */
  copies: string[];
  hasTar: boolean;
  /** Symbolic links to make (remote path and target text), after the copies; verified with readlink. */
  links?: { remote: string; target: string }[];
  runs: string[][];
  /** restart_process(): the supervisor's state file; the script restarts the process after the runs. */
  restart?: string;
}

export function updateScript(i: ScriptInput): string {
  const lines: string[] = [];
  if (i.deletes.length) lines.push(`rm -rf -- ${i.deletes.map(shq).join(' ')} || { echo "${MARK} rm-failed"; exit 0; }`);
  if (i.hasTar) {
    // Extract into a temporary directory, then copy each file over its destination: cp writes into an
    // existing file (same inode), so reloaders that watch files (node --watch, nodemon) keep seeing changes;
    // tar would replace the file and leave such a watcher on the old inode. -o: don't restore owners.
    const dirs = [...new Set(i.copies.map((c) => c.slice(0, c.lastIndexOf('/')) || '/'))];
    // A destination that is a link (a local link replaced by a file) is removed first: cp would write through it.
    const copy = i.copies.map((c) => `{ [ ! -L ${shq(c)} ] || rm -f -- ${shq(c)}; } && cp -f "$T"${shq(c)} ${shq(c)}`).join(' && ');
    lines.push(`T=$(mktemp -d) || T=/tmp/.devloop-sync-$$`);
    lines.push(
      `{ mkdir -p "$T" && tar -x -o -f - -C "$T" && mkdir -p ${dirs.map(shq).join(' ')} && ${copy}; } 2>&1 || { rm -rf "$T"; echo "${MARK} tar-failed $(id -u)"; exit 0; }`,
    );
    lines.push('rm -rf "$T"');
  }
  const links = i.links ?? [];
  if (links.length) {
    // A link is made as a link (never its target's content); whatever was at the path is replaced.
    const dirs = [...new Set(links.map((l) => l.remote.slice(0, l.remote.lastIndexOf('/')) || '/'))];
    const make = links.map((l) => `rm -rf -- ${shq(l.remote)} && ln -s -- ${shq(l.target)} ${shq(l.remote)}`).join(' && ');
    lines.push(`{ mkdir -p ${dirs.map(shq).join(' ')} && ${make}; } 2>&1 || { echo "${MARK} tar-failed $(id -u)"; exit 0; }`);
    links.forEach((l, n) => lines.push(`echo "${MARK} link ${n} $(readlink -- ${shq(l.remote)} 2>/dev/null)"`));
  }
  if (i.copies.length) {
    const files = i.copies.map(shq).join(' ');
    lines.push(`echo "${MARK} verify"`);
    lines.push(`if command -v sha256sum >/dev/null 2>&1; then sha256sum -- ${files} 2>&1; else for f in ${files}; do echo "$(wc -c < "$f") $f"; done; fi`);
  }
  for (const d of i.deletes) lines.push(`[ -e ${shq(d)} ] && echo "${MARK} still-exists ${d}"`);
  i.runs.forEach((argv, n) => {
    lines.push(`echo "${MARK} run ${n}"`);
    lines.push(`${argv.map(shq).join(' ')} 2>&1; rc=$?; echo "${MARK} run-exit ${n} $rc"; [ $rc -eq 0 ] || exit 0`);
  });
  if (i.restart) lines.push(...restartLines(MARK, i.restart));
  lines.push(`echo "${MARK} done"`);
  return lines.join('\n');
}

export interface ScriptResult {
  failure?: { kind: 'rm' | 'tar'; output: string; uid?: string };
  /** Remote path -> sha256 hex or byte size as printed. */
  verified: Map<string, string>;
  /** Index in ScriptInput.links -> the target readlink printed ('' when the path is not a link). */
  links: Map<number, string>;
  stillExisting: string[];
  runs: { index: number; exitCode: number; output: string[] }[];
  /** What the restart_process() lines reported. */
  restart?: RestartResult;
  done: boolean;
  /** Lines before any marker (e.g. tar's complaints). */
  preamble: string[];
}

export function parseScriptOutput(out: string): ScriptResult {
  const r: ScriptResult = { verified: new Map(), links: new Map(), stillExisting: [], runs: [], done: false, preamble: [] };
  let section: 'pre' | 'verify' | 'run' | 'restart' = 'pre';
  let run: ScriptResult['runs'][number] | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith(`${MARK} `)) {
      const [, what, ...rest] = line.split(' ');
      if (what === 'rm-failed' || what === 'tar-failed') r.failure = { kind: what === 'rm-failed' ? 'rm' : 'tar', output: r.preamble.join('\n'), uid: rest[0] };
      else if (what === 'verify') section = 'verify';
      else if (what === 'link') r.links.set(Number(rest[0]), rest.slice(1).join(' '));
      else if (what === 'still-exists') r.stillExisting.push(rest.join(' '));
      else if (what === 'run') {
        run = { index: Number(rest[0]), exitCode: -1, output: [] };
        r.runs.push(run);
        section = 'run';
      } else if (what === 'run-exit' && run) run.exitCode = Number(rest[1]);
      else if (what === 'done') r.done = true;
      else if (what === 'restart') section = 'restart';
      else r.restart = parseRestartMarker(what, rest) ?? r.restart;
      continue;
    }
    if (section === 'pre') {
      if (line) r.preamble.push(line);
    } else if (section === 'verify') {
      const m = /^([0-9a-f]{64}|\d+)\s+(\/.*)$/.exec(line.trim());
      if (m) r.verified.set(m[2], m[1]);
    } else if (section === 'run' && run) run.output.push(line);
  }
  return r;
}

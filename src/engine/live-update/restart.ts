/**
 * The restart_process() step of a live update: the lines the update script runs after its sync and run steps
 * (signal the supervisor of src/model/supervisor.ts, then wait until the new process runs), and what their output
 * means. devloop says "restarted" only after the script saw a new generation of the process alive and exec'd (its
 * command line is no longer the supervisor's).
 */
import type { RestartProcessStep } from '../../config/spec.js';

/** Polls of the supervisor's state file before giving up (5 ms apart: about 12 s, past the supervisor's 10 s TERM grace). */
const POLLS = 2400;
/** Polls between signals while the generation has not moved (about 1 s). */
const RESEND = 200;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Shell lines that restart the supervised process; they print `${mark} restarted PID` or a failure marker and exit. */
export function restartLines(mark: string, file: string): string[] {
  return [
    `echo "${mark} restart"`,
    `f=${q(file)}`,
    `if ! { read a n0 c0 t0 x0 < "$f"; } 2>/dev/null || ! kill -0 "$a" 2>/dev/null; then echo "${mark} restart-failed no-supervisor"; exit 0; fi`,
    `kill -USR1 "$a" 2>&1 || { echo "${mark} restart-failed signal"; exit 0; }`,
    'i=0',
    'while :; do',
    '  { read a2 n c t x < "$f"; } 2>/dev/null',
    '  if [ "${n:-0}" -gt "$n0" ]; then',
    `    if [ "$t" = exited ]; then echo "${mark} restart-exited $x"; exit 0; fi`,
    `    if kill -0 "$c" 2>/dev/null && ! cmp -s "/proc/$c/cmdline" "/proc/$a/cmdline" 2>/dev/null; then echo "${mark} restarted $c"; break; fi`,
    `  elif ! kill -0 "$a" 2>/dev/null; then echo "${mark} restart-failed supervisor-gone"; exit 0; fi`,
    `  i=$((i+1)); if [ $i -gt ${POLLS} ]; then echo "${mark} restart-failed timeout"; exit 0; fi`,
    // A signal that landed between the supervisor's check of its flags and its `wait` is only seen at the next one.
    `  [ $((i % ${RESEND})) -eq 0 ] && [ "\${n:-0}" -le "$n0" ] && kill -USR1 "$a" 2>/dev/null`,
    '  sleep 0.005 2>/dev/null || sleep 1',
    'done',
  ];
}

export interface RestartResult {
  pid?: number;
  exited?: number;
  problem?: string;
}

/** Reads one restart marker (the words after the mark); undefined when it is not one. */
export function parseRestartMarker(what: string, rest: string[]): RestartResult | undefined {
  if (what === 'restarted') return { pid: Number(rest[0]) };
  if (what === 'restart-exited') return { exited: Number(rest[0]) };
  if (what === 'restart-failed') return { problem: rest[0] ?? 'unknown' };
  return undefined;
}

/** The error text and hint of a restart that did not end with a running process. */
export function restartFailure(step: RestartProcessStep, r: RestartResult | undefined): { message: string; hint: string } {
  if (!r) return { message: 'the process restart did not report back', hint: 'the container may be restarting; the next change rebuilds the image' };
  if (r.exited !== undefined) {
    return {
      message: `the restarted process exited at once with code ${r.exited}`,
      hint:
        step.exitPolicy === 'continue'
          ? 'see its log lines above; the next update starts it again'
          : 'see its log lines above; the container exits with that code and Kubernetes restarts it',
    };
  }
  switch (r.problem) {
    case 'no-supervisor':
      return {
        message: `no devloop supervisor runs in the container (no live process in ${step.file})`,
        hint: 'restart_process() needs the container to run its command under devloop: give the image build an entrypoint (or the container a command), and make sure the container was deployed by this devloop version',
      };
    case 'supervisor-gone':
      return { message: 'the supervised process and its supervisor exited during the restart', hint: "see the container's log lines above" };
    case 'timeout':
      return {
        message: 'the new process was not running within 12 s of the restart signal',
        hint: "the old process may ignore SIGTERM and take up to 10 s to be killed; see the container's log lines above",
      };
    default:
      return { message: `the process could not be restarted (${r.problem})`, hint: 'the next change rebuilds the image' };
  }
}

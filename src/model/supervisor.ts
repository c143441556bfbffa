/**
 * The process supervisor of restart_process(): a POSIX sh script (busybox sh and dash run it) that becomes the
 * container's command and runs the real command as its child, so a live update can restart that child without
 * restarting the container. devloop needs no helper image: live update already needs sh in the image.
 *
 * Kubernetes expands `$(NAME)` and turns `$$` into `$` in a container's command, so the script has no `$$` and its
 * only `$(` is `$((`, which names no variable and is left as it is.
 *
 * The container's command becomes `sh -c SUPERVISOR devloop-restart STATE_FILE EXIT_POLICY CMD...`; the container's
 * `args` follow and reach CMD, as they would reach the command itself.
 *
 * - It writes `SUPERVISOR_PID GENERATION CHILD_PID run|exited LAST_EXIT_CODE` to STATE_FILE (via a rename, so a
 *   reader never sees half a line) whenever the child starts or exits.
 * - SIGUSR1 (sent by the live update's restart step): SIGTERM to the child (to its process group when `setsid` is
 *   there, so `sh -c` entrypoints lose their children too), SIGKILL after 10 s, then start CMD again. More USR1s
 *   before the new child starts make no second restart (the step sends it again when a signal came between the
 *   shell's check of its flags and its `wait`, where a shell cannot notice it).
 * - SIGTERM, SIGINT, SIGHUP, SIGQUIT reach the child; the supervisor then exits with the child's exit code, so
 *   Kubernetes shows the app's own code. A POSIX sh without a terminal starts background commands with SIGINT and
 *   SIGQUIT ignored, so those two reach only a process that handles them (node's process.on, Go's signal.Notify);
 *   SIGTERM, what Kubernetes stops a container with, reaches every process.
 * - The child exits by itself: with EXIT_POLICY `restart` (the default) the supervisor exits with its code (the
 *   container ends, Kubernetes restarts it); with `continue` it waits, and the next update starts CMD again.
 * - The child's stdout and stderr are the container's: its logs show as they would without the supervisor.
 */
export const SUPERVISOR_NAME = 'devloop-restart';

export const SUPERVISOR_SCRIPT = [
  'f=$1; p=$2; shift 2',
  // Our own pid without `$$`, which Kubernetes turns into `$` in a container's command.
  'read -r me _ < /proc/self/stat',
  'n=0; c=; x=0; y=0; r=; s=; q=; g=',
  'command -v setsid >/dev/null 2>&1 && g=setsid',
  "trap 'r=1' USR1",
  "trap 's=TERM' TERM",
  "trap 's=INT' INT",
  "trap 's=HUP' HUP",
  "trap 's=QUIT' QUIT",
  'st() { echo "$me $n ${c:-0} $1 $x" > "$f.$me" && mv -f "$f.$me" "$f"; }',
  'go() { n=$((n+1)); $g "$@" & c=$!; st run || echo "devloop-restart: cannot write $f: restart_process() will not work" >&2; }',
  'go "$@"',
  'while :; do',
  '  if [ -n "$r$s" ]; then :; elif [ -n "$c" ]; then wait "$c" 2>/dev/null; y=$?; else sleep 2147483647 & z=$!; wait "$z"; kill "$z" 2>/dev/null; fi',
  '  if [ -n "$s" ]; then q=$s; s=; [ -n "$c" ] || exit "$x"; kill -"$q" "$c" 2>/dev/null; continue; fi',
  '  if [ -n "$r" ]; then',
  '    if [ -n "$c" ]; then',
  '      kill -TERM -"$c" 2>/dev/null || kill -TERM "$c" 2>/dev/null',
  '      sh -c \'sleep 10; kill -KILL -$0 || kill -KILL $0\' "$c" 2>/dev/null & k=$!',
  '      while kill -0 "$c" 2>/dev/null; do wait "$c" 2>/dev/null; [ -n "$s" ] && { q=$s; s=; kill -"$q" "$c" 2>/dev/null; }; done',
  '      kill "$k" 2>/dev/null',
  '    fi',
  '    [ -n "$q" ] && exit "$x"',
  '    go "$@"; r=; continue',
  '  fi',
  '  if [ -n "$c" ]; then x=$y; c=; st exited; if [ -n "$q" ] || [ "$p" != continue ]; then exit "$x"; fi; fi',
  'done',
].join('\n');

export type ExitPolicy = 'restart' | 'continue';

/** The container command that runs `command` under the supervisor. */
export function supervised(command: readonly string[], stateFile: string, exitPolicy: ExitPolicy): string[] {
  return ['sh', '-c', SUPERVISOR_SCRIPT, SUPERVISOR_NAME, stateFile, exitPolicy, ...command];
}

/** True when a container command is already wrapped (rendering twice must not wrap twice). */
export function isSupervised(command: readonly unknown[] | undefined): boolean {
  return !!command && command[0] === 'sh' && command[1] === '-c' && command[2] === SUPERVISOR_SCRIPT;
}

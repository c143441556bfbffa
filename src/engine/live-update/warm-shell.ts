/**
 * Warm shells: one long-lived `sh` per container, kept open through an exec session, to which live update writes
 * its update scripts. An update then costs a write and a read over a stream that is already open, instead of a
 * new exec (a WebSocket handshake, then the runtime starting a process in the container: about 50 ms on a local
 * cluster, more on a remote one).
 *
 * Each request runs the same script a one-off exec would (`sh -c SCRIPT`), as a child of the warm shell, so an
 * `exit` in it or a run step that misbehaves cannot end the session. Its stdin is the tar, sent as base64 in a
 * here-document (`base64 -d <<EOF | sh -c SCRIPT`), or /dev/null. After it, the shell prints a marker with the
 * exit status on stdout and another on stderr; everything between a start marker and them is the request's output.
 *
 * Whenever the warm path cannot be used — no container ID, an executor without sessions, a payload over 1 MiB,
 * an image without base64, a session that fails to open — the update goes through a one-off exec, as before.
 * A session that ends in the middle of a request (the container restarted, the pod went away) fails that
 * request; if no run step had started, it is retried once as a one-off exec, otherwise the update fails and
 * the next change rebuilds.
 */
import type { ExecResult, ExecSession } from '../../ports/cluster.js';
import type { ContainerExecutor, ContainerTarget } from '../../ports/container-exec.js';
import { MARK, shq } from './script.js';

/** Payloads above this go through a one-off exec (base64 in a here-document grows them by a third). */
export const WARM_MAX_PAYLOAD = 1 << 20;
/** Sessions kept open at most; the least recently used is closed beyond it. */
const MAX_SHELLS = 64;
const READY_TIMEOUT_MS = 10_000;
/**
 * A request whose start marker has not come back by then finds the session dead (a connection that a proxy or load
 * balancer dropped without closing it): the session is dropped and the script goes through a one-off exec.
 */
export const START_TIMEOUT_MS = 10_000;
const EOF = '@@DEVLOOP_PAYLOAD_END';

class ShellLost extends Error {
  constructor(readonly started: boolean) {
    super('the warm shell ended during the update');
  }
}

interface Pending {
  n: number;
  ok: (r: ExecResult) => void;
  fail: (e: Error) => void;
  /** Fires when the start marker is late. */
  timer?: NodeJS.Timeout;
}

/** The request text: the script as a child of the warm shell, then the two markers. */
export function warmRequest(n: number, script: string, stdin?: Buffer): string {
  const run = stdin
    ? `base64 -d <<'${EOF}' | sh -c ${shq(script)}\n${(stdin.toString('base64').match(/.{1,76}/g) ?? []).join('\n')}\n${EOF}\n`
    : `sh -c ${shq(script)} </dev/null\n`;
  return `printf '\\n@@W start ${n}\\n'\n${run}printf '\\n@@W exit ${n} %s\\n' "$?"; printf '\\n@@W end ${n}\\n' >&2\n`;
}

export class WarmShell {
  private out = Buffer.alloc(0);
  private err = Buffer.alloc(0);
  private seq = 0;
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Looks at the output for the readiness answer (while ready() waits). */
  private readyWaiter: (() => void) | undefined;
  ended = false;

  constructor(
    private readonly session: ExecSession,
    private readonly startTimeoutMs = START_TIMEOUT_MS,
  ) {
    session.onStdout((b) => {
      this.out = Buffer.concat([this.out, b]);
      this.readyWaiter?.();
      this.check();
    });
    session.onStderr((b) => {
      this.err = Buffer.concat([this.err, b]);
      this.check();
    });
    void session.closed.then(() => {
      this.ended = true;
      this.readyWaiter?.();
      const p = this.pending;
      this.pending = undefined;
      clearTimeout(p?.timer);
      p?.fail(new ShellLost(this.out.includes(`${MARK} run `)));
    });
  }

  /** Checks that the shell answers and has base64; false (and closed) if not. */
  async ready(): Promise<boolean> {
    const code = await new Promise<string | undefined>((resolve) => {
      const finish = (v: string | undefined) => {
        clearTimeout(timer);
        this.readyWaiter = undefined;
        resolve(v);
      };
      const timer = setTimeout(() => finish(undefined), READY_TIMEOUT_MS);
      this.readyWaiter = () => {
        const m = /\n@@W ready (\d+)\n/.exec(this.out.toString('latin1'));
        if (m || this.ended) finish(m?.[1]);
      };
      this.session.write(`command -v base64 >/dev/null 2>&1; printf '\\n@@W ready %s\\n' "$?"\n`);
      this.readyWaiter(); // the session may have ended already
    });
    if (code === '0') {
      this.out = Buffer.alloc(0);
      return true;
    }
    this.close();
    return false;
  }

  /** Runs `sh -c script` with `stdin` as its input; one request at a time. */
  run(script: string, stdin?: Buffer): Promise<ExecResult> {
    const next = this.chain.then(() => this.send(script, stdin));
    this.chain = next.catch(() => {});
    return next;
  }

  private send(script: string, stdin?: Buffer): Promise<ExecResult> {
    if (this.ended) return Promise.reject(new ShellLost(false));
    const n = ++this.seq;
    this.out = Buffer.alloc(0);
    this.err = Buffer.alloc(0);
    return new Promise<ExecResult>((ok, fail) => {
      const timer = setTimeout(() => {
        if (this.pending?.n !== n) return;
        this.pending = undefined;
        this.close();
        fail(new ShellLost(false));
      }, this.startTimeoutMs);
      this.pending = { n, ok, fail, timer };
      this.session.write(warmRequest(n, script, stdin));
    });
  }

  private check(): void {
    const p = this.pending;
    if (!p) return;
    const text = this.out.toString('latin1');
    const start = `\n@@W start ${p.n}\n`;
    if (p.timer && text.startsWith(start)) {
      clearTimeout(p.timer);
      p.timer = undefined;
    }
    const exit = new RegExp(`\\n@@W exit ${p.n} (\\d+)\\n`).exec(text);
    const end = this.err.indexOf(`\n@@W end ${p.n}\n`);
    if (!exit || end < 0) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    const from = text.startsWith(start) ? start.length : 0;
    p.ok({ exitCode: Number(exit[1]), stdout: this.out.subarray(from, exit.index), stderr: this.err.subarray(0, end) });
  }

  sessionClosed(): Promise<void> {
    return this.session.closed;
  }

  close(): void {
    this.ended = true;
    this.session.close();
  }
}

/** A ContainerExecutor that sends `sh -c SCRIPT` through a warm shell when it can, else through `base`. */
export function warmShellExecutor(base: ContainerExecutor, opts: { startTimeoutMs?: number } = {}): ContainerExecutor {
  const shells = new Map<string, Promise<WarmShell | undefined>>();
  /** Containers where a warm shell could not be had: never tried again. */
  const cold = new Set<string>();

  const open = async (key: string, target: ContainerTarget): Promise<WarmShell | undefined> => {
    try {
      const shell = new WarmShell(await base.session!(target, ['sh']), opts.startTimeoutMs);
      if (!(await shell.ready())) {
        cold.add(key);
        shells.delete(key);
        return undefined;
      }
      return shell;
    } catch {
      cold.add(key);
      shells.delete(key);
      return undefined;
    }
  };

  const get = (target: ContainerTarget): Promise<WarmShell | undefined> | undefined => {
    const key = target.containerID;
    if (!key || !base.session || cold.has(key)) return undefined;
    let s = shells.get(key);
    if (s) {
      shells.delete(key); // most recently used last
      shells.set(key, s);
      return s;
    }
    s = open(key, target);
    shells.set(key, s);
    void s.then(
      (shell) =>
        shell &&
        void shell.sessionClosed().then(() => {
          if (shells.get(key) === s) shells.delete(key);
        }),
    );
    if (shells.size > MAX_SHELLS) {
      const [oldest, first] = shells.entries().next().value as [string, Promise<WarmShell | undefined>];
      shells.delete(oldest);
      void first.then((sh) => sh?.close());
    }
    return s;
  };

  return {
    async exec(target, command, stdin) {
      const warm = command.length === 3 && command[0] === 'sh' && command[1] === '-c' && (!stdin || stdin.length <= WARM_MAX_PAYLOAD) ? get(target) : undefined;
      const shell = warm && (await warm);
      if (shell && !shell.ended) {
        try {
          return await shell.run(command[2], stdin);
        } catch (e) {
          if (!(e instanceof ShellLost) || e.started) throw e;
        }
      }
      return base.exec(target, command, stdin);
    },
    prepare(target) {
      void get(target);
    },
    close() {
      for (const s of shells.values()) void s.then((sh) => sh?.close());
      shells.clear();
    },
  };
}

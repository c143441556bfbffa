/**
 * The restart_process() supervisor and the update script's restart lines, run for real by busybox sh and dash
 * (the shells of the images live update meets most): restarts on the signal and reports only a running new process,
 * passes signals and exit codes through, follows both exit policies, and leaves no process of the old generation.
 * A shell that is not installed is skipped, saying so.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supervised } from '../../src/model/supervisor.js';
import { parseScriptOutput, updateScript } from '../../src/engine/live-update/script.js';

const dir = mkdtempSync(join(tmpdir(), 'devloop-supervisor-'));
const started: ChildProcess[] = [];
after(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const has = (argv: string[]) => spawnSync(argv[0], [...argv.slice(1), '-c', 'true']).status === 0;
const shells: { name: string; argv: string[] }[] = [
  { name: 'busybox sh', argv: ['busybox', 'sh'] },
  { name: 'dash', argv: ['dash'] },
];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Sup {
  proc: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
  state: () => string[];
}

/** Starts `command` under the supervisor, run by `sh` (its own `sh` too: the supervisor's command line starts with sh). */
function supervise(sh: string[], name: string, command: string[], policy: 'restart' | 'continue' = 'restart'): Sup {
  const file = join(dir, `${name}.state`);
  const [, , script, ...rest] = supervised(command, file, policy);
  const proc = spawn(sh[0], [...sh.slice(1), '-c', script, ...rest], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (c) => {
    out += c;
  });
  proc.stderr!.on('data', (c) => {
    out += c;
  });
  const exit = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
  const state = () => {
    try {
      return readFileSync(file, 'utf8').trim().split(' ');
    } catch {
      return [];
    }
  };
  return { proc, out: () => out, exit, state };
}

/** What a live update runs: the update script with only its restart lines, in its own shell (as an exec would). */
function restart(sh: string[], name: string) {
  const script = updateScript({ deletes: [], copies: [], hasTar: false, runs: [], restart: join(dir, `${name}.state`) });
  const r = spawnSync(sh[0], [...sh.slice(1), '-c', script], { encoding: 'utf8', timeout: 20_000 });
  return parseScriptOutput(r.stdout);
}

const APP = (name: string) => {
  const p = join(dir, `${name}.app.sh`);
  writeFileSync(
    p,
    `v=$(cat ${join(dir, `${name}.version`)})
echo "start $v $$ args:$*"
trap 'echo "term $v"; exit 7' TERM
[ "$v" = crash ] && { echo "crashing"; exit 3; }
while :; do sleep 1 & wait $!; done
`,
  );
  return p;
};

/** Kubernetes' expansion of a container's command: `$$` becomes `$`, `$(NAME)` a defined variable, else stays. */
function k8sExpand(s: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    if (s[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (s[i + 1] === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, end);
      out += name in vars ? vars[name] : `$(${name})`;
      i = end;
      continue;
    }
    out += '$';
  }
  return out;
}

test('Kubernetes leaves the supervisor script as it is in a container command', () => {
  const argv = supervised(['/app/server'], '/tmp/.restart-proc', 'restart');
  assert.deepEqual(
    argv.map((a) => k8sExpand(a, { n: 'X', c: 'X', HOME: '/root' })),
    argv,
  );
});

for (const { name, argv } of shells) {
  const skip = has(argv) ? false : `${name} is not installed here`;
  const opts = { skip, timeout: 40_000 };
  const id = name.replace(/\W/g, '');

  test(`${name}: a restart stops the old process with SIGTERM and reports the new one only once it runs`, opts, async () => {
    const n = `${id}-restart`;
    writeFileSync(join(dir, `${n}.version`), 'v1');
    const s = supervise(argv, n, ['sh', APP(n), 'a b'], 'restart');
    await until(() => s.out().includes('start v1'), 'the first start');
    assert.match(s.out(), /start v1 \d+ args:a b/, 'arguments reach the command');
    const [sup, gen, pid1, st] = s.state();
    assert.deepEqual([Number(sup), gen, st], [s.proc.pid, '1', 'run']);
    writeFileSync(join(dir, `${n}.version`), 'v2');
    const r = restart(argv, n);
    assert.ok(r.restart?.pid, `restarted: ${JSON.stringify(r)}`);
    assert.ok(r.done);
    assert.notEqual(String(r.restart.pid), pid1);
    assert.ok(alive(r.restart.pid), 'the reported process is alive');
    assert.ok(!alive(Number(pid1)), 'the old process is gone');
    await until(() => s.out().includes('start v2'), 'the second start');
    assert.match(s.out(), /term v1/, 'the old process got SIGTERM');
    assert.deepEqual(s.state().slice(1, 4), ['2', String(r.restart.pid), 'run']);
    s.proc.kill('SIGTERM');
    assert.equal(await s.exit, 7, "SIGTERM reaches the process and the supervisor exits with the process's code");
    assert.match(s.out(), /term v2/);
  });

  test(`${name}: exit_policy restart: a process that exits by itself ends the supervisor with its code`, opts, async () => {
    const n = `${id}-exit`;
    writeFileSync(join(dir, `${n}.version`), 'crash');
    const s = supervise(argv, n, ['sh', APP(n)], 'restart');
    assert.equal(await s.exit, 3);
    assert.deepEqual(s.state().slice(3), ['exited', '3']);
    assert.deepEqual(restart(argv, n).restart, { problem: 'no-supervisor' }, 'a restart without a supervisor says so');
  });

  test(`${name}: exit_policy continue: the process that exited is started again by the next update; a new one that crashes is reported`, opts, async () => {
    const n = `${id}-continue`;
    writeFileSync(join(dir, `${n}.version`), 'crash');
    const s = supervise(argv, n, ['sh', APP(n)], 'continue');
    await until(() => s.state()[3] === 'exited' || undefined, 'the crash');
    await sleep(50);
    assert.equal(s.proc.exitCode, null, 'the supervisor stays');
    // The restarted process crashes again: reported with its code, unless the step saw it running just before it crashed.
    const again = restart(argv, n).restart;
    if (again?.exited === undefined) assert.ok(again?.pid, JSON.stringify(again));
    else assert.equal(again.exited, 3);
    await until(() => s.state()[3] === 'exited' || undefined, 'the second crash');
    writeFileSync(join(dir, `${n}.version`), 'v2');
    const r = restart(argv, n);
    assert.ok(r.restart?.pid && alive(r.restart.pid), JSON.stringify(r));
    await until(() => s.out().includes('start v2'), 'the start after the fix');
    s.proc.kill('SIGHUP');
    assert.equal(await s.exit, 129, 'SIGHUP reaches the process (it does not trap it): 128 + 1');
  });

  test(`${name}: a string entrypoint (sh -c) loses its children on restart: no process of the old generation is left`, opts, async () => {
    const n = `${id}-tree`;
    const marker = `devloop-tree-${id}-${process.pid}`;
    const s = supervise(argv, n, ['sh', '-c', `sleep 300 & echo "child $!"; sleep 301; echo ${marker}`], 'restart');
    const child = Number((await until(() => /child (\d+)/.exec(s.out()) ?? undefined, 'the grandchild'))[1]);
    assert.ok(alive(child));
    const r = restart(argv, n);
    assert.ok(r.restart?.pid, JSON.stringify(r));
    await until(() => !alive(child) || undefined, 'the old grandchild to end');
    s.proc.kill('SIGKILL');
    await s.exit;
    // The new generation's processes are in the process group of the reported pid.
    if (r.restart?.pid)
      try {
        process.kill(-r.restart.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  });
}

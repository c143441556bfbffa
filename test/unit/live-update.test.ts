/** Live update decisions and the container script: tables of cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLiveUpdate, remotePath } from '../../src/engine/live-update/plan.js';
import { parseScriptOutput, shq, updateScript, MARK } from '../../src/engine/live-update/script.js';
import type { LiveUpdateStep } from '../../src/config/spec.js';
import type { ExecSession } from '../../src/ports/cluster.js';
import { WARM_MAX_PAYLOAD, warmRequest, warmShellExecutor } from '../../src/engine/live-update/warm-shell.js';

const loc = { file: '/p/devloop.ts', line: 1 };
const steps: LiveUpdateStep[] = [
  { type: 'fall_back_on', paths: ['/p/app.dockerfile', '/p/deps'], loc },
  { type: 'sync', local: '/p', remote: '/var/www/app', loc },
  { type: 'sync', local: '/p/static', remote: '/srv/static', loc },
  { type: 'run', cmd: ['sh', '-c', 'npm install'], shell: true, triggers: ['/p/package.json'], loc },
  { type: 'run', cmd: ['touch', '/tmp/reloaded'], shell: false, triggers: [], loc },
];

test('remote paths: a file under the sync root keeps its relative path', () => {
  const s = { type: 'sync', local: '/p/src', remote: '/app/', loc } as const;
  assert.equal(remotePath(s, '/p/src/a/b.js'), '/app/a/b.js');
  assert.equal(remotePath(s, '/p/src'), '/app/');
});

const cases: { name: string; changes: { path: string; deleted: boolean }[]; want: unknown }[] = [
  {
    name: 'a file under the sync is copied; untriggered runs run',
    changes: [{ path: '/p/server.js', deleted: false }],
    want: { kind: 'sync', copies: [{ local: '/p/server.js', remote: '/var/www/app/server.js' }], deletes: [], runs: ['touch'] },
  },
  {
    name: 'the most specific sync wins',
    changes: [{ path: '/p/static/logo.svg', deleted: false }],
    want: { kind: 'sync', copies: [{ local: '/p/static/logo.svg', remote: '/srv/static/logo.svg' }], deletes: [], runs: ['touch'] },
  },
  {
    name: 'a deleted file is deleted remotely',
    changes: [{ path: '/p/old.js', deleted: true }],
    want: { kind: 'sync', copies: [], deletes: ['/var/www/app/old.js'], runs: ['touch'] },
  },
  {
    name: 'a triggered run runs only when its trigger changed, and says which file',
    changes: [{ path: '/p/package.json', deleted: false }],
    want: { kind: 'sync', copies: [{ local: '/p/package.json', remote: '/var/www/app/package.json' }], deletes: [], runs: ['sh:package.json', 'touch'] },
  },
  {
    name: 'a fall_back_on file rebuilds and says which',
    changes: [
      { path: '/p/server.js', deleted: false },
      { path: '/p/deps/x.lock', deleted: false },
    ],
    want: { kind: 'rebuild', reason: 'deps/x.lock matches fall_back_on(deps)' },
  },
];

for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    const rel = (p: string) => p.replace(/^\/p\//, '');
    const got = planLiveUpdate(steps, c.changes, rel);
    if (got.kind === 'rebuild') return assert.deepEqual(got, c.want);
    assert.deepEqual(
      { kind: got.kind, copies: got.copies, deletes: got.deletes, runs: got.runs.map((r) => (r.trigger ? `${r.step.cmd[0]}:${r.trigger}` : r.step.cmd[0])) },
      c.want,
    );
  });
}

test('plan: a file outside every sync rebuilds and says so', () => {
  const only: LiveUpdateStep[] = [{ type: 'sync', local: '/p/src', remote: '/app', loc }];
  assert.deepEqual(planLiveUpdate(only, [{ path: '/p/package.json', deleted: false }]), {
    kind: 'rebuild',
    reason: '/p/package.json is not under any sync() path',
  });
});

test('script: quoting survives quotes and spaces', () => {
  assert.equal(shq("it's a file"), `'it'\\''s a file'`);
  const s = updateScript({ deletes: ["/a b/it's"], copies: ['/x/y.js'], hasTar: true, runs: [['sh', '-c', 'echo hi']] });
  assert.match(s, /rm -rf -- '\/a b\/it'\\''s'/);
  assert.match(s, /tar -x -o -f - -C "\$T"/);
  assert.match(s, /cp -f "\$T"'\/x\/y\.js' '\/x\/y\.js'/);
  assert.match(s, /sha256sum -- '\/x\/y\.js'/);
});

test('script output: verification, runs and their exit codes, tar failure', () => {
  const hash = 'a'.repeat(64);
  const ok = parseScriptOutput(
    [
      `${MARK} verify`,
      `${hash}  /x/y.js`,
      `12 /x/z.txt`,
      `${MARK} run 0`,
      'installing',
      `${MARK} run-exit 0 0`,
      `${MARK} run 1`,
      'boom',
      `${MARK} run-exit 1 2`,
    ].join('\n'),
  );
  assert.equal(ok.verified.get('/x/y.js'), hash);
  assert.equal(ok.verified.get('/x/z.txt'), '12');
  assert.deepEqual(
    ok.runs.map((r) => [r.index, r.exitCode, r.output]),
    [
      [0, 0, ['installing']],
      [1, 2, ['boom']],
    ],
  );
  assert.equal(ok.done, false);
  const bad = parseScriptOutput(["tar: can't open 'var/www/app/a.js': Permission denied", `${MARK} tar-failed 1000`].join('\n'));
  assert.deepEqual(bad.failure, { kind: 'tar', output: "tar: can't open 'var/www/app/a.js': Permission denied", uid: '1000' });
});

// ---------------------------------------------------------------- warm shells (against a fake session)

/** A session whose "shell" answers the readiness probe with `probeCode` and echoes nothing else. */
function fakeSession(probeCode: number): ExecSession & { written: string[] } {
  let out: ((b: Buffer) => void) | undefined;
  let close: () => void = () => {};
  const written: string[] = [];
  return {
    written,
    write: (d) => {
      written.push(String(d));
      if (String(d).includes('@@W ready')) setImmediate(() => out?.(Buffer.from(`\n@@W ready ${probeCode}\n`)));
    },
    onStdout: (fn) => {
      out = fn;
    },
    onStderr: () => {},
    closed: new Promise<void>((ok) => {
      close = ok;
    }),
    close: () => close(),
  };
}

test('warm shells: an image without base64, an executor without sessions, a payload over the limit and a target without container ID use one-off execs', async () => {
  const target = { label: 'p/c', namespace: 'ns', pod: 'p', container: 'c', containerID: 'docker://abc' };
  const cold: string[] = [];
  const exec = async (_t: unknown, cmd: string[]) => {
    cold.push(cmd[2] ?? cmd.join(' '));
    return { exitCode: 0, stdout: Buffer.from('cold'), stderr: Buffer.alloc(0) };
  };
  const noBase64 = fakeSession(1);
  const w = warmShellExecutor({ exec, session: async () => noBase64 });
  assert.equal((await w.exec(target, ['sh', '-c', 'a'])).stdout.toString(), 'cold');
  assert.equal((await w.exec(target, ['sh', '-c', 'b'])).stdout.toString(), 'cold');
  assert.equal(noBase64.written.length, 1, 'the probe only, and the container is not probed again');
  const plain = warmShellExecutor({ exec });
  await plain.exec(target, ['sh', '-c', 'c']);
  let opened = 0;
  const w2 = warmShellExecutor({
    exec,
    session: async () => {
      opened++;
      return fakeSession(0);
    },
  });
  await w2.exec(target, ['sh', '-c', 'd'], Buffer.alloc(WARM_MAX_PAYLOAD + 1));
  await w2.exec({ ...target, containerID: undefined }, ['sh', '-c', 'e']);
  await w2.exec(target, ['tar', '-x']);
  assert.deepEqual(cold, ['a', 'b', 'c', 'd', 'e', 'tar -x']);
  assert.equal(opened, 0);
});

test('warm shells: the request runs the script as a child shell with the payload as base64 in a here-document', () => {
  const payload = Buffer.from('x'.repeat(100));
  const text = warmRequest(7, "echo 'hi'", payload);
  const lines = text.split('\n');
  assert.equal(lines.shift(), "printf '\\n@@W start 7\\n'");
  assert.equal(lines[0], `base64 -d <<'@@DEVLOOP_PAYLOAD_END' | sh -c 'echo '\\''hi'\\'''`);
  const end = lines.indexOf('@@DEVLOOP_PAYLOAD_END');
  assert.equal(Buffer.from(lines.slice(1, end).join(''), 'base64').toString(), payload.toString());
  assert.ok(lines.slice(1, end).every((l) => l.length <= 76 && /^[A-Za-z0-9+/=]+$/.test(l)));
  assert.match(lines[end + 1], /printf '\\n@@W exit 7 %s\\n' "\$\?"; printf '\\n@@W end 7\\n' >&2/);
  assert.match(warmRequest(8, 'cat'), /^printf '\\n@@W start 8\\n'\nsh -c 'cat' <\/dev\/null\n/);
});

test('warm shells: a session that stops answering (a dropped connection) is closed after the start timeout, and the script runs as a one-off exec', async () => {
  const target = { label: 'p/c', namespace: 'ns', pod: 'p', container: 'c', containerID: 'docker://silent' };
  const session = fakeSession(0); // answers the probe, then nothing
  let closed = false;
  const close = session.close;
  session.close = () => {
    closed = true;
    close();
  };
  let opened = 0;
  const cold: string[] = [];
  const w = warmShellExecutor(
    {
      exec: async (_t, cmd) => {
        cold.push(cmd[2]);
        return { exitCode: 0, stdout: Buffer.from('cold'), stderr: Buffer.alloc(0) };
      },
      session: async () => {
        opened++;
        return session;
      },
    },
    { startTimeoutMs: 50 },
  );
  const t0 = performance.now();
  const r = await w.exec(target, ['sh', '-c', 'echo x']);
  assert.equal(r.stdout.toString(), 'cold');
  assert.deepEqual(cold, ['echo x']);
  assert.ok(closed, 'the silent session is closed');
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(opened, 1);
});

/**
 * Issue 10 items 2, 3, 5: the control file of `devloop up` is private to the user (never in a shared directory,
 * never through a link), the control API wants the session's token, its own Host and no foreign Origin, GET
 * changes nothing, and a second `devloop up` of the same project is refused.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chownSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer } from '../../src/engine/control-server.js';
import { controlFile, lockProject, readControlFile } from '../../src/engine/control-file.js';
import { isDevloopError } from '../../src/model/errors.js';
import { repoRoot, writeProject } from '../helpers/project.js';
import { asOtherUser, asOtherUserAsync, OTHER_UID, otherUserSkip, sharedTmp, withEnv } from '../helpers/other-user.js';

const bin = join(repoRoot, 'bin/devloop.js');
const runtime = mkdtempSync(join(tmpdir(), 'devloop-runtime-'));
const cleanup: string[] = [runtime];
before(() => {
  process.env.XDG_RUNTIME_DIR = runtime;
});
after(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeEngine() {
  const triggered: string[] = [];
  return {
    triggered,
    engine: {
      status: new Map([['web', { name: 'web', type: 'k8s', phase: 'ready', reason: '', triggerMode: 'auto', pendingFiles: [], updates: 1 }]]),
      configError: undefined,
      trigger(name: string) {
        triggered.push(name);
      },
      resource: () => undefined,
      podsOf: () => [],
      enablement: {
        isDisabled: () => false,
        select: (n: string[]) => n,
        set: async (n: string[]) => {
          triggered.push(...n.map((x) => `toggle ${x}`));
          return n;
        },
      },
    } as never,
  };
}

function projectConfig(): string {
  const dir = writeProject({ 'devloop.ts': "import { k8s_yaml } from 'devloop';\n" });
  cleanup.push(dir);
  return join(dir, 'devloop.ts');
}

function http(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: !('host' in headers) }, (res) => {
      let b = '';
      res.on('data', (d) => {
        b += d;
      });
      res.on('end', () => ok({ status: res.statusCode!, body: b }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

test("the control file is in the user's runtime directory, private (0700 directory, 0600 file), with a token", async () => {
  const config = projectConfig();
  const { engine } = fakeEngine();
  const server = await startControlServer(engine, config);
  try {
    const file = controlFile(config);
    assert.ok(file.startsWith(join(runtime, 'devloop') + '/'), file);
    assert.equal(statSync(join(runtime, 'devloop')).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const info = readControlFile(file)!;
    assert.equal(info.port, server.port);
    assert.equal(info.pid, process.pid);
    assert.ok(info.token && info.token.length >= 40);
  } finally {
    await server.close();
  }
  assert.equal(readControlFile(controlFile(config)), undefined, 'removed when up stops');
});

test('the control API refuses requests without the token, with a foreign Host or Origin; GET changes nothing', async () => {
  const config = projectConfig();
  const { engine, triggered } = fakeEngine();
  const server = await startControlServer(engine, config);
  const { port, token } = server;
  const auth = { authorization: `Bearer ${token}` };
  try {
    const cases: [string, string, string, Record<string, string>, number, string?][] = [
      ['no token', 'GET', '/api/resources', {}, 401],
      ['wrong token', 'GET', '/api/resources', { authorization: 'Bearer nope' }, 401],
      ['token as a cookie', 'POST', '/api/trigger/web', { cookie: `token=${token}` }, 401],
      ['DNS rebinding: foreign Host', 'GET', '/api/resources', { ...auth, host: `evil.example:${port}` }, 421],
      ['foreign Origin', 'GET', '/api/resources', { ...auth, origin: 'http://evil.example' }, 403],
      ['no-cors text/plain POST from a page', 'POST', '/api/trigger/web', { 'content-type': 'text/plain', origin: 'http://evil.example' }, 403, 'x'],
      ['form POST without token', 'POST', '/api/trigger/web', { 'content-type': 'application/x-www-form-urlencoded' }, 401, 'a=b'],
      ['GET of the trigger endpoint', 'GET', '/api/trigger/web', auth, 405],
      ['disable from a page', 'POST', '/api/disable?name=web', { 'content-type': 'text/plain', origin: 'http://evil.example' }, 403, 'x'],
      ['enable without token', 'POST', '/api/enable?name=web', {}, 401],
      ['GET of disable', 'GET', '/api/disable?name=web', auth, 405],
      ['history without token', 'GET', '/api/history', {}, 401],
      ['describe from another origin', 'GET', '/api/describe/web', { ...auth, origin: 'http://evil.example' }, 403],
    ];
    for (const [name, method, path, headers, status, body] of cases) {
      const r = await http(port, method, path, headers, body);
      assert.equal(r.status, status, `${name}: ${r.body}`);
      assert.ok(!r.body.includes('"resources"'), `${name}: no state in the answer`);
    }
    assert.deepEqual(triggered, [], 'no refused request triggered anything');
    assert.equal((await http(port, 'GET', '/api/resources', auth)).status, 200);
    assert.equal((await http(port, 'GET', '/api/resources', { ...auth, host: `localhost:${port}`, origin: `http://localhost:${port}` })).status, 200);
    assert.equal((await http(port, 'POST', '/api/trigger/web', auth)).status, 200);
    assert.deepEqual(triggered, ['web']);
  } finally {
    await server.close();
  }
});

test('another local user can neither read the control file nor use the API', { skip: otherUserSkip }, async () => {
  const config = projectConfig();
  const { engine, triggered } = fakeEngine();
  const server = await startControlServer(engine, config);
  try {
    const file = controlFile(config);
    const read = asOtherUser(['cat', file]);
    assert.notEqual(read.status, 0, 'the other user must not read the control file');
    assert.match(read.stderr, /Permission denied/);
    const script = `Promise.all([fetch('http://127.0.0.1:${server.port}/api/resources'), fetch('http://127.0.0.1:${server.port}/api/trigger/web', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })]).then((rs) => console.log(rs.map((r) => r.status).join(' ')))`;
    const r = await asOtherUserAsync([process.execPath, '-e', script]);
    assert.equal(r.stdout.trim(), '401 401', r.stderr);
    assert.deepEqual(triggered, []);
  } finally {
    await server.close();
  }
});

test('a runtime directory made by someone else, or a link, is refused with what to do', { skip: otherUserSkip }, async () => {
  const config = projectConfig();
  const shared = sharedTmp('devloop-xdg-');
  cleanup.push(shared);
  await withEnv('XDG_RUNTIME_DIR', shared, () => {
    const made = asOtherUser(['mkdir', '-m', '700', join(shared, 'devloop')]);
    assert.equal(made.status, 0, made.stderr);
    assert.throws(
      () => lockProject(config),
      (e) => isDevloopError(e) && /refusing to use the runtime directory .*belongs to uid 1000/.test(e.message) && /remove it/.test(e.hint ?? ''),
    );
    rmSync(join(shared, 'devloop'), { recursive: true });
    const elsewhere = mkdtempSync(join(tmpdir(), 'devloop-elsewhere-'));
    cleanup.push(elsewhere);
    symlinkSync(elsewhere, join(shared, 'devloop'));
    assert.throws(
      () => lockProject(config),
      (e) => isDevloopError(e) && /symbolic link/.test(e.message),
    );
  });
});

test('a link planted at the old shared control path does not get written through', { skip: otherUserSkip }, async () => {
  // The old path was $TMPDIR/devloop-<project>/control.json; a victim file must stay as it was.
  const shared = sharedTmp('devloop-oldtmp-');
  cleanup.push(shared);
  const victim = join(shared, 'victim');
  writeFileSync(victim, 'precious\n');
  const config = projectConfig();
  const { createHash } = await import('node:crypto');
  const id = createHash('sha256').update(config).digest('hex').slice(0, 8);
  const planted = join(shared, `devloop-${config.split('/').at(-2)!.toLowerCase()}-${id}`);
  mkdirSync(planted, { mode: 0o777 });
  symlinkSync(victim, join(planted, 'control.json'));
  chownSync(planted, OTHER_UID, OTHER_UID);
  await withEnv('TMPDIR', shared, async () => {
    const server = await startControlServer(fakeEngine().engine, config);
    await server.close();
  });
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});

test("one devloop up per project: a second is refused naming the first one's pid; a stale lock is taken over", async () => {
  const config = projectConfig();
  const first = spawn('sleep', ['30']);
  try {
    writeFileSync(controlFile(config), JSON.stringify({ pid: first.pid, configFile: config, port: 0 }), { mode: 0o600 });
    assert.throws(
      () => lockProject(config),
      (e) => isDevloopError(e) && e.message.includes(`already running for ${join(config, '..')} (pid ${first.pid}); stop it or use devloop get/trigger`),
    );
    // Through the CLI: exit 1 before anything is built or applied, no stack trace.
    const r = spawnSync(process.execPath, [bin, 'up'], {
      cwd: join(config, '..'),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' },
      timeout: 20_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^error: devloop up is already running for .* \\(pid ${first.pid}\\); stop it or use devloop get/trigger\\nhint: devloop get shows`, 'm'),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stderr, /Loaded|context|Building|Applying/i, 'stopped before evaluating or connecting');
  } finally {
    first.kill();
  }
  await new Promise((r) => first.once('exit', r));
  const lock = lockProject(config); // its pid is gone: taken over
  assert.equal(readControlFile(controlFile(config))!.pid, process.pid);
  lock.release();
});

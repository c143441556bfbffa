/** The Docker-engine ContainerExecutor (for containers devloop runs on the engine directly) against the real engine. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { createDockerClient } from '../../src/adapters/docker/client.js';
import { dockerExecutor } from '../../src/adapters/docker/container-exec.js';
import { updateContainer } from '../../src/engine/live-update/updater.js';
import { warmShellExecutor } from '../../src/engine/live-update/warm-shell.js';
import { packFiles } from '../../src/engine/live-update/tar.js';
import { writeProject, removeProject } from '../helpers/project.js';

const docker = new Docker();
let id: string;
let dir: string;

before(async () => {
  const c = await docker.createContainer({
    Image: 'busybox:latest',
    Cmd: ['sleep', '600'],
    HostConfig: { NetworkMode: 'none' },
    Labels: { 'devloop-test': 'container-exec' },
  });
  await c.start();
  id = c.id;
  dir = writeProject({ 'src/app.js': 'console.log("v2")\n' });
});
after(async () => {
  await docker
    .getContainer(id)
    .remove({ force: true })
    .catch(() => undefined);
  removeProject(dir);
});

test('exec with stdin: output and exit code come back', async () => {
  const ex = dockerExecutor(createDockerClient());
  const r = await ex.exec({ label: 'c', container: id }, ['sh', '-c', 'cat > /tmp/in; wc -c < /tmp/in; echo oops >&2; exit 3'], Buffer.from('hello'));
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout.toString().trim(), '5');
  assert.equal(r.stderr.toString().trim(), 'oops');
});

test('a live update through the Docker executor copies, verifies and deletes', async () => {
  const ex = dockerExecutor(createDockerClient());
  const target = { label: 'container', container: id, containerID: `docker://${id}` };
  await ex.exec(target, ['sh', '-c', 'mkdir -p /app && echo old > /app/gone.txt']);
  const copies = [{ local: `${dir}/src/app.js`, remote: '/app/app.js' }];
  const { tar, packed } = await packFiles(copies);
  const r = await updateContainer(ex, target, { kind: 'sync', copies, deletes: ['/app/gone.txt'], runs: [] }, tar, packed);
  assert.equal(r.error, undefined, r.error?.message);
  const check = await ex.exec(target, ['sh', '-c', 'cat /app/app.js; test -e /app/gone.txt && echo still-there || echo deleted']);
  assert.equal(check.stdout.toString(), 'console.log("v2")\ndeleted\n');
});

test('a live update through a warm shell on the Docker executor: one session, the same results as one-off execs', async () => {
  const base = dockerExecutor(createDockerClient());
  let sessions = 0;
  let execs = 0;
  const warm = warmShellExecutor({
    exec: (t, cmd, stdin) => {
      execs++;
      return base.exec(t, cmd, stdin);
    },
    session: (t, cmd) => {
      sessions++;
      return base.session!(t, cmd);
    },
  });
  const target = { label: 'container', container: id, containerID: `docker://${id}` };
  try {
    const r = await warm.exec(target, ['sh', '-c', 'cat > /tmp/w; wc -c < /tmp/w; echo oops >&2; exit 3'], Buffer.from('hello'));
    assert.deepEqual({ code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() }, { code: 3, out: '5', err: 'oops' });
    await warm.exec(target, ['sh', '-c', 'mkdir -p /app2 && echo old > /app2/gone.txt']);
    const copies = [{ local: `${dir}/src/app.js`, remote: '/app2/app.js' }];
    const { tar, packed } = await packFiles(copies);
    const u = await updateContainer(warm, target, { kind: 'sync', copies, deletes: ['/app2/gone.txt'], runs: [] }, tar, packed);
    assert.equal(u.error, undefined, u.error?.message);
    const check = await warm.exec(target, ['sh', '-c', 'cat /app2/app.js; test -e /app2/gone.txt && echo still-there || echo deleted']);
    assert.equal(check.stdout.toString(), 'console.log("v2")\ndeleted\n');
    assert.deepEqual({ sessions, execs }, { sessions: 1, execs: 0 });
  } finally {
    warm.close?.();
  }
});

test('live update syncs a link as a link: the host file it points to never reaches the container', async () => {
  const { symlinkSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const secretDir = mkdtempSync(`${tmpdir()}/devloop-secret-`);
  try {
    writeFileSync(`${secretDir}/secret`, 'HOST-SECRET\n');
    symlinkSync(`${secretDir}/secret`, `${dir}/src/leak.txt`);
    symlinkSync('app.js', `${dir}/src/alias.js`);
    const ex = dockerExecutor(createDockerClient());
    const target = { label: 'container', container: id, containerID: `docker://${id}` };
    // /app3/alias.js starts as a regular file: the link replaces it; /app3/was-link.txt starts as a link to a
    // container file: the regular file replaces the link instead of writing through it.
    await ex.exec(target, [
      'sh',
      '-c',
      'mkdir -p /app3 && echo in-container > /app3/app.js && echo old > /app3/alias.js && echo keep > /tmp/linked && ln -s /tmp/linked /app3/was-link.txt',
    ]);
    writeFileSync(`${dir}/src/was-link.txt`, 'now a file\n');
    const copies = [
      { local: `${dir}/src/leak.txt`, remote: '/app3/leak.txt' },
      { local: `${dir}/src/alias.js`, remote: '/app3/alias.js' },
      { local: `${dir}/src/was-link.txt`, remote: '/app3/was-link.txt' },
    ];
    const { tar, packed } = await packFiles(copies);
    assert.equal(tar.includes(Buffer.from('HOST-SECRET')), false, 'the link target content is not in the tar');
    const r = await updateContainer(ex, target, { kind: 'sync', copies, deletes: [], runs: [] }, tar, packed);
    assert.equal(r.error, undefined, r.error?.message);
    const check = await ex.exec(target, [
      'sh',
      '-c',
      [
        'readlink /app3/leak.txt',
        'cat /app3/leak.txt 2>/dev/null || echo unreadable',
        'readlink /app3/alias.js',
        'cat /app3/alias.js',
        '[ -L /app3/was-link.txt ] && echo link || echo file',
        'cat /app3/was-link.txt',
        'cat /tmp/linked',
        'grep -rl HOST-SECRET /app3 /tmp 2>/dev/null || echo no-secret',
      ].join('; '),
    ]);
    assert.equal(check.stdout.toString(), `${secretDir}/secret\nunreadable\napp.js\nin-container\nfile\nnow a file\nkeep\nno-secret\n`);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
});

test('a link that does not arrive as sent fails the update, naming the path', async () => {
  const { symlinkSync } = await import('node:fs');
  symlinkSync('elsewhere', `${dir}/src/l2`);
  const ex = dockerExecutor(createDockerClient());
  const target = { label: 'container', container: id, containerID: `docker://${id}` };
  // A destination where no link can be made (/proc): the update fails instead of saying "synced".
  const copies = [{ local: `${dir}/src/l2`, remote: '/proc/l2' }];
  const { tar, packed } = await packFiles(copies);
  const r = await updateContainer(ex, target, { kind: 'sync', copies, deletes: [], runs: [] }, tar, packed);
  assert.ok(r.error, 'the update failed');
  assert.match(r.error!.message, /extracting the files failed/);
  assert.match((r.error!.details ?? []).join('\n'), /\/proc\/l2/);
});

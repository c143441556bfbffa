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
  const c = await docker.createContainer({ Image: 'busybox:latest', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' }, Labels: { 'devloop-test': 'container-exec' } });
  await c.start();
  id = c.id;
  dir = writeProject({ 'src/app.js': 'console.log("v2")\n' });
});
after(async () => {
  await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
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
    exec: (t, cmd, stdin) => { execs++; return base.exec(t, cmd, stdin); },
    session: (t, cmd) => { sessions++; return base.session!(t, cmd); },
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

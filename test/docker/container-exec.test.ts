/** The Docker-engine ContainerExecutor (for containers devloop runs on the engine directly) against the real engine. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { createDockerClient } from '../../src/adapters/docker/client.js';
import { dockerExecutor } from '../../src/adapters/docker/container-exec.js';
import { updateContainer } from '../../src/engine/live-update/updater.js';
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

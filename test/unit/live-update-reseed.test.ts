/**
 * Live update after a container restart: the re-seed puts the synced files back and re-runs the run steps those
 * files trigger. The "container" is a directory on this machine and the executor runs the real update script with
 * the local sh, tar and sha256sum, so the test checks what ends up on disk.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveUpdateController } from '../../src/engine/live-update/controller.js';
import type { ContainerExecutor } from '../../src/ports/container-exec.js';
import type { PodView } from '../../src/ports/cluster.js';
import type { ResolvedImage } from '../../src/resolve/resolve.js';
import type { Resource } from '../../src/resolve/resources.js';

const root = mkdtempSync(join(tmpdir(), 'devloop-reseed-'));
after(() => rmSync(root, { recursive: true, force: true }));

const local = join(root, 'src');
const remote = join(root, 'container/app');
mkdirSync(local, { recursive: true });
mkdirSync(remote, { recursive: true });

const shExecutor: ContainerExecutor = {
  async exec(_t, cmd, stdin) {
    const r = spawnSync(cmd[0], cmd.slice(1), { input: stdin ?? Buffer.alloc(0) });
    return { exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  },
};

const pod = (containerID: string, restartCount: number): PodView => ({
  name: 'web-1',
  namespace: 'default',
  uid: 'u1',
  phase: 'Running',
  ready: true,
  deleting: false,
  labels: {},
  ownerUids: [],
  createdAt: '',
  containers: [{ name: 'main', image: 'web-image:1', ready: true, restartCount, state: 'running', containerID }],
  initContainers: [],
});

test('a restarted container gets the synced files back and the run steps they trigger run again', async () => {
  const lines: string[] = [];
  const rebuilds: string[] = [];
  let pods = [pod('docker://c1', 0)];
  const img = {
    id: 'web-image',
    clusterRef: 'web-image:1',
    spec: {
      type: 'docker',
      context: local,
      liveUpdate: [
        { type: 'sync', local, remote, loc: { file: 'devloop.ts' } },
        {
          type: 'run',
          cmd: ['sh', '-c', `cat ${remote}/package.json > ${remote}/installed.txt`],
          shell: true,
          triggers: [join(local, 'package.json')],
          loc: { file: 'devloop.ts' },
        },
        {
          type: 'run',
          cmd: ['sh', '-c', `echo compiled > ${remote}/compiled.txt`],
          shell: true,
          triggers: [join(local, 'main.ts')],
          loc: { file: 'devloop.ts' },
        },
      ],
    },
  } as unknown as ResolvedImage;
  const c = new LiveUpdateController({
    log: { line: (_s, t) => lines.push(t) },
    executor: shExecutor,
    cwd: local,
    podsOf: () => pods,
    resources: () => [{ name: 'web', type: 'k8s', images: ['web-image'] } as unknown as Resource],
    rebuild: (_r, why) => rebuilds.push(why),
  });
  c.deployed(img);
  writeFileSync(join(local, 'package.json'), '{"deps": 1}\n');
  const d = c.decide(img, [{ path: join(local, 'package.json'), deleted: false }]);
  assert.equal(d.kind, 'live');
  assert.equal(await c.run(d as Extract<typeof d, { kind: 'live' }>, 'web'), true, lines.join('\n'));
  assert.equal(readFileSync(join(remote, 'installed.txt'), 'utf8'), '{"deps": 1}\n');

  // The container restarts: a fresh one from the image has neither the synced file nor what the run step made.
  rmSync(remote, { recursive: true, force: true });
  mkdirSync(remote, { recursive: true });
  pods = [pod('docker://c2', 1)];
  c.onPods('web', [img]);
  for (let i = 0; i < 100 && !lines.some((l) => /re-seeded/.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
  const line = lines.find((l) => /re-seeded/.test(l));
  assert.match(
    line ?? lines.join('\n'),
    /re-seeded pod web-1\/main with 1 file \(changed since its image was built\), ran "cat .*installed\.txt" \(trigger package\.json\), \d+ ms/,
  );
  assert.equal(readFileSync(join(remote, 'package.json'), 'utf8'), '{"deps": 1}\n');
  assert.equal(readFileSync(join(remote, 'installed.txt'), 'utf8'), '{"deps": 1}\n', 'the run step ran again');
  assert.equal(existsSync(join(remote, 'compiled.txt')), false, 'a step none of the re-seeded files triggers does not run');
  assert.deepEqual(rebuilds, []);
});

test('a run step that fails in the restarted container asks for a rebuild, saying which step', async () => {
  const lines: string[] = [];
  const rebuilds: string[] = [];
  let pods = [pod('docker://d1', 0)];
  const img = {
    id: 'web-image',
    clusterRef: 'web-image:1',
    spec: {
      type: 'docker',
      context: local,
      liveUpdate: [
        { type: 'sync', local, remote, loc: { file: 'devloop.ts' } },
        { type: 'run', cmd: ['sh', '-c', `test ! -e ${remote}/restarted || exit 4`], shell: true, triggers: [], loc: { file: 'devloop.ts' } },
      ],
    },
  } as unknown as ResolvedImage;
  const c = new LiveUpdateController({
    log: { line: (_s, t) => lines.push(t) },
    executor: shExecutor,
    cwd: local,
    podsOf: () => pods,
    resources: () => [{ name: 'web', type: 'k8s', images: ['web-image'] } as unknown as Resource],
    rebuild: (_r, why) => rebuilds.push(why),
  });
  c.deployed(img);
  writeFileSync(join(local, 'main.ts'), 'x\n');
  const d = c.decide(img, [{ path: join(local, 'main.ts'), deleted: false }]);
  assert.equal(await c.run(d as Extract<typeof d, { kind: 'live' }>, 'web'), true, lines.join('\n'));
  writeFileSync(join(remote, 'restarted'), '');
  pods = [pod('docker://d2', 1)];
  c.onPods('web', [img]);
  for (let i = 0; i < 100 && rebuilds.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(rebuilds.length, 1, lines.join('\n'));
  assert.match(rebuilds[0], /re-running the run steps in restarted pod web-1\/main failed \(run step "test ! -e .*" exited with code 4\)/);
});

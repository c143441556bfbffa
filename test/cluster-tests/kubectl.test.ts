// The real kubectl against the test cluster, pods on the Docker engine: server-side apply, get -o yaml,
// rollout status, logs -f, exec -i with a tar on stdin, port-forward with an HTTP request through it, delete.
import Docker from 'dockerode';
import yaml from 'js-yaml';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { clusterForFile, deployment, waitFor } from './helpers.js';

const cluster = await clusterForFile();
const { kubectl } = cluster;
const dir = mkdtempSync(join(tmpdir(), 'kubectl-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const docker = new Docker();

const manifest = (image = 'node:16-alpine', greeting = 'one') =>
  [
    deployment('web', { image, env: { GREETING: greeting } }),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    }),
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { greeting } }),
  ]
    .map((j) => yaml.dump(JSON.parse(j)))
    .join('---\n');

async function runningPod(selector: string): Promise<string> {
  return waitFor(`a Running pod for ${selector}`, async () => {
    const r = await kubectl(['get', 'pods', '-l', selector, '-o', 'json']);
    const pods = JSON.parse(r.stdout).items.filter(
      (p: { status: { phase: string }; metadata: { deletionTimestamp?: string } }) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp,
    );
    return pods.length === 1 && (pods[0].metadata.name as string);
  });
}

function get(path: string, port: number, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('kubectl', () => {
  it('apply --server-side creates the objects, get -o yaml shows them, rollout status waits for the rollout', async () => {
    writeFileSync(join(dir, 'app.yaml'), manifest());
    const applied = await kubectl(['apply', '--server-side', '-f', join(dir, 'app.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(applied.stdout.trim().split('\n'), [
      'deployment.apps/web serverside-applied',
      'service/web serverside-applied',
      'configmap/web-config serverside-applied',
    ]);
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /deployment "web" successfully rolled out/);
    const got = await kubectl(['get', 'deployment', 'web', '-o', 'yaml']);
    const d = yaml.load(got.stdout) as { metadata: { generation: number; uid: string }; status: { observedGeneration: number; readyReplicas: number } };
    assert.ok(d.metadata.uid);
    assert.equal(d.status.observedGeneration, d.metadata.generation);
    assert.equal(d.status.readyReplicas, 1);
    const name = await runningPod('app=web');
    const pod = yaml.load((await kubectl(['get', 'pod', name, '-o', 'yaml'])).stdout) as {
      status: { containerStatuses: Array<{ containerID: string; ready: boolean; state: { running?: object } }> };
    };
    assert.match(pod.status.containerStatuses[0].containerID, /^docker:\/\/[0-9a-f]{64}$/);
    assert.ok(pod.status.containerStatuses[0].state.running);
    const table = await kubectl(['get', 'pods']);
    assert.match(table.stdout, new RegExp(`${name}\\s+1/1\\s+Running\\s+0`));
  });

  it('re-applying a changed template rolls the pods over; an unchanged one leaves them alone', async () => {
    const before = await runningPod('app=web');
    assert.equal((await kubectl(['apply', '--server-side', '-f', join(dir, 'app.yaml')])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await runningPod('app=web'), before);
    writeFileSync(join(dir, 'app.yaml'), manifest('node:16-alpine', 'two'));
    assert.equal((await kubectl(['apply', '--server-side', '-f', join(dir, 'app.yaml')])).code, 0);
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    assert.equal(rollout.code, 0, rollout.stderr);
    const after = await runningPod('app=web');
    assert.notEqual(after, before);
    const env = await kubectl(['exec', after, '--', 'sh', '-c', 'echo $GREETING']);
    assert.equal(env.stdout.trim(), 'two');
  });

  it('logs -f follows a container until it exits', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'counter' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox:latest', command: ['sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.3; done'] }],
      },
    };
    writeFileSync(join(dir, 'counter.yaml'), yaml.dump(pod));
    assert.equal((await kubectl(['apply', '--server-side', '-f', join(dir, 'counter.yaml')])).code, 0);
    await waitFor('counter started', async () => /Running|Succeeded/.test((await kubectl(['get', 'pod', 'counter', '-o', 'jsonpath={.status.phase}'])).stdout));
    const logs = await kubectl(['logs', '-f', 'counter'], { timeoutMs: 15_000 });
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'line 1\nline 2\nline 3\n');
    await waitFor('Succeeded', async () => (await kubectl(['get', 'pod', 'counter', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded');
  });

  it('exec -i takes a tar on stdin, and passes exit codes back', async () => {
    const name = await runningPod('app=web');
    const src = join(dir, 'src');
    execFileSync('mkdir', ['-p', join(src, 'sub')]);
    writeFileSync(join(src, 'sub', 'hello.txt'), 'hello from the tar\n');
    writeFileSync(join(src, 'big.bin'), Buffer.alloc(300_000, 7));
    const tar = execFileSync('tar', ['-C', src, '-cf', '-', '.']);
    const x = await kubectl(['exec', '-i', name, '--', 'tar', '-x', '-C', '/tmp'], { stdin: tar });
    assert.equal(x.code, 0, x.stderr);
    assert.equal((await kubectl(['exec', name, '--', 'cat', '/tmp/sub/hello.txt'])).stdout, 'hello from the tar\n');
    assert.equal((await kubectl(['exec', name, '--', 'wc', '-c', '/tmp/big.bin'])).stdout.trim().split(/\s+/)[0], '300000');
    const failed = await kubectl(['exec', name, '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /to-stderr/);
    assert.match(failed.stderr, /command terminated with exit code 3/);
  });

  it("port-forward relays HTTP to a server on the pod's loopback", async () => {
    const name = await runningPod('app=web');
    const pf = kubectl.spawn(['port-forward', `pod/${name}`, ':8080']);
    try {
      let out = '';
      pf.stdout!.on('data', (d) => (out += d));
      const port = await waitFor('forwarding', () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]));
      assert.equal(await get('/first', port), 'hello /first');
      assert.equal(await get('/second', port, 'a body'), 'hello /second a body');
      const many = await Promise.all([1, 2, 3, 4].map((i) => get(`/p${i}`, port)));
      assert.deepEqual(many, ['hello /p1', 'hello /p2', 'hello /p3', 'hello /p4']);
    } finally {
      pf.kill();
    }
    const svc = kubectl.spawn(['port-forward', 'service/web', ':80']);
    try {
      let out = '';
      svc.stdout!.on('data', (d) => (out += d));
      const port = await waitFor('forwarding', () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]));
      assert.equal(await get('/via-service', port), 'hello /via-service');
    } finally {
      svc.kill();
    }
  });

  it('delete -f removes the objects, the pods and their containers', async () => {
    const del = await kubectl(['delete', '-f', join(dir, 'app.yaml'), '--wait=true']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /deployment.apps "web" deleted/);
    const gone = await kubectl(['get', 'deployment', 'web']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Error from server \(NotFound\): deployments.apps "web" not found/);
    await waitFor('pods gone', async () => (await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'name'])).stdout.trim() === '');
    await waitFor('containers gone', async () => {
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`devloop-test-cluster=${cluster.id}`, 'io.kubernetes.pod.namespace=default'] },
      });
      return left.every((c) => c.Labels['io.kubernetes.pod.name'] === 'counter');
    });
  });
});

// Shared by the test cluster's tests: a cluster per test file (stopped even when a test fails), kubectl with
// its own discovery cache, polling, and the manifests the tests apply.
import { KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { startTestCluster, type TestCluster, type TestClusterOptions } from '../cluster/index.js';

export async function clusterForFile(opts: TestClusterOptions = {}): Promise<TestCluster & { kc: KubeConfig; kubectl: Kubectl }> {
  const cluster = await startTestCluster(opts);
  const cache = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  after(async () => {
    await cluster.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return { ...cluster, kc, kubectl: kubectlFor(cluster.kubeconfigPath, cache) };
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Kubectl = ((args: string[], opts?: { stdin?: Buffer | string; timeoutMs?: number }) => Promise<KubectlResult>) & {
  spawn(args: string[]): ChildProcess;
};

function kubectlFor(kubeconfig: string, cacheDir: string): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir };
  const run = (args: string[], opts: { stdin?: Buffer | string; timeoutMs?: number } = {}) =>
    new Promise<KubectlResult>((resolve, reject) => {
      const p = spawn('kubectl', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '',
        stderr = '';
      p.stdout.on('data', (b) => (stdout += b));
      p.stderr.on('data', (b) => (stderr += b));
      const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
      p.stdin.end(opts.stdin ?? '');
    });
  return Object.assign(run, { spawn: (args: string[]) => spawn('kubectl', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }) });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** a node http server listening on the container's own loopback, answering "hello <path>" */
export const HELLO_SERVER =
  "require('http').createServer((q,s)=>{let b='';q.on('data',d=>b+=d);q.on('end',()=>s.end('hello '+q.url+(b?' '+b:'')))}).listen(8080,'127.0.0.1',()=>console.log('listening on 8080'))";

export function deployment(name: string, opts: { image?: string; command?: string[]; replicas?: number; env?: Record<string, string> } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: opts.image ?? 'node:16-alpine',
              command: opts.command ?? ['node', '-e', HELLO_SERVER],
              ports: [{ containerPort: 8080 }],
              env: Object.entries(opts.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
            },
          ],
        },
      },
    },
  });
}

export function dockerHostOrSkip(): string | undefined {
  return process.env.DOCKER_HOST ? undefined : 'DOCKER_HOST is not set: run scripts/dev-env.sh up (npm test does)';
}

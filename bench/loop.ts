/**
 * Edit-to-answer under `devloop up` (issue "up/down/ci", bench a), against the same rebuild and pod replacement
 * done by hand in the same run, on the same engine, registry and test cluster (test/cluster):
 *   devloop: save server.js with a new message in a copy of fixtures/nodejs-express under `devloop up`; time until
 *            GET / through devloop's port forward returns the new message (polled every 50 ms);
 *   raw:     save server.js in a second copy; `DOCKER_BUILDKIT=1 docker build` of the app image (same Dockerfile
 *            text, FROM the same base content) + `docker push` to the registry + patch the Deployment's image
 *            (client-node) + poll (50 ms) for a Ready pod with that image + GET / through a port forward opened
 *            here with client-node's PortForward to that pod, until it returns the new message.
 * The test cluster runs in a child process of its own (dist/test/cluster/cli.js), devloop in another, the raw
 * loop in this one. Both sides poll GET / every 50 ms from the save on, with a new connection each time (the old pod answers until
 * the forward moves); the raw side finds the new pod by listing pods every 50 ms, devloop by its watch.
 * Edits alternate devloop / raw (order flipped every round). devloop's output lines are timestamped relative to
 * the save, to show where its time goes.
 * Run: eval "$(cat .devenv-ready)" && npx tsc -p . && node dist/bench/loop.js [edits]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { fixturesDir, repoRoot } from '../test/helpers/project.js';
import { runGuarded, type Cleanups } from './guard.js';

export const BIN = path.join(repoRoot, 'bin/devloop.js');
/** The Debian docker.io 20.10 CLI: BuildKit built in (the 28.x CLI at /usr/local/bin needs buildx, absent here). */
export const DOCKER = process.env.BENCH_DOCKER_CLI ?? '/usr/bin/docker';
const REGISTRY = process.env.DEVLOOP_REGISTRY ?? '127.0.0.1:5005';
const EDITS = Math.max(5, Number(process.argv[2] ?? 5));
const DEADLINE_MS = 175_000;
const STEP_TIMEOUT_MS = 45_000;
const POLL_MS = 50;

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const fmt = (x: number) => `${x.toFixed(0)} ms`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A devloop process whose output lines are kept with their arrival time (performance.now()). */
export class TimedProcess {
  readonly lines: { t: number; text: string }[] = [];
  readonly child: ChildProcess;
  readonly started = performance.now();
  readonly exited: Promise<number | null>;
  private partial = '';
  private waiters: { re: RegExp; from: number; ok: (t: number) => void }[] = [];

  constructor(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      const t = performance.now();
      const parts = (this.partial + d.toString()).split('\n');
      this.partial = parts.pop()!;
      for (const text of parts) this.lines.push({ t, text });
      for (const w of [...this.waiters]) {
        const hit = this.lines.slice(w.from).find((l) => w.re.test(l.text));
        if (hit) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.ok(hit.t);
        }
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((ok) => this.child.on('close', ok));
  }

  mark(): number {
    return this.lines.length;
  }

  /** Resolves with the arrival time of the first line from `from` on that matches. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<number> {
    const hit = this.lines.slice(from).find((l) => re.test(l.text));
    if (hit) return Promise.resolve(hit.t);
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`timed out waiting for ${re}; last output:\n${this.tail()}`)), timeoutMs);
      this.waiters.push({
        re,
        from,
        ok: (t) => {
          clearTimeout(timer);
          ok(t);
        },
      });
    });
  }

  text(from = 0): string {
    return this.lines
      .slice(from)
      .map((l) => l.text)
      .join('\n');
  }
  tail(n = 40): string {
    return this.lines
      .slice(-n)
      .map((l) => l.text)
      .join('\n');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${String(stderr).slice(-2000)}`));
        else ok(`${stdout}${stderr}`);
      },
    );
  });
}

export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => ok(p));
    });
  });
}

/**
 * The test cluster (test/cluster, through its cli.js) in a child process of its own, so that neither the raw loop
 * in this process nor devloop shares an event loop with the API server and kubelet. stop() ends it by its pid.
 */
export async function startClusterProcess(temps: string[]): Promise<{ kubeconfigPath: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'devloop-bench-cluster-'));
  temps.push(dir);
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/test/cluster/cli.js'), '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((ok) => child.on('close', ok));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const deadline = performance.now() + 30_000;
  while (!existsSync(path.join(dir, 'ready'))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await stop();
      throw new Error('the test cluster did not start');
    }
    await sleep(50);
  }
  return { kubeconfigPath: path.join(dir, 'kubeconfig'), stop };
}

/** A copy of fixtures/nodejs-express with a nonce (new tags) and its port forward on `port`. */
export function fixtureCopy(temps: string[], port: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'devloop-bench-loop-'));
  temps.push(dir);
  cpSync(path.join(fixturesDir, 'nodejs-express'), dir, { recursive: true });
  const nonce = randomBytes(6).toString('hex');
  writeFileSync(path.join(dir, '.nonce'), nonce);
  writeFileSync(path.join(dir, 'package/.nonce'), nonce);
  const cfg = path.join(dir, 'devloop.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000'`));
  return dir;
}

/** GET / with a fresh connection (no keep-alive: a kept connection would stay on the old pod). */
export function getOnce(port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((ok, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => ok(body));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

/** Polls GET / on `port` until the body contains `text`; returns performance.now() of the answer. */
export async function untilAnswers(port: number, text: string, deadline: number): Promise<number> {
  for (;;) {
    const body = await getOnce(port).catch(() => '');
    if (body.includes(text)) return performance.now();
    if (performance.now() > deadline) throw new Error(`no answer containing "${text}" on port ${port}`);
    await sleep(POLL_MS);
  }
}

export const setMessage = (dir: string, msg: string) => {
  const f = path.join(dir, 'server.js');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/const message = '.*';/, `const message = '${msg}';`));
};

/** The hand-made loop: docker build + docker push + patch + wait for the pod + own port forward. */
class RawLoop {
  private target?: string; // pod the local forward goes to
  private server?: net.Server;
  port = 0;
  readonly refs: string[] = [];
  private readonly apps: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly name = `devloop-bench-raw-${randomBytes(3).toString('hex')}`;
  private readonly baseRef = `devloop-bench-raw-base:${randomBytes(4).toString('hex')}`;
  private readonly dfDir: string;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly dir: string,
    temps: string[],
  ) {
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.dfDir = mkdtempSync(path.join(tmpdir(), 'devloop-bench-loop-df-'));
    temps.push(this.dfDir);
  }

  async start(): Promise<void> {
    this.server = net.createServer((sock) => {
      const pod = this.target;
      if (!pod) {
        sock.destroy();
        return;
      }
      sock.on('error', () => undefined);
      new k8s.PortForward(this.kc, true).portForward('default', pod, [3000], sock, null, sock).catch(() => sock.destroy());
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as net.AddressInfo).port;
    // Same base content as devloop's base image (built untimed, from the cache).
    this.refs.push(this.baseRef);
    await run(
      DOCKER,
      [
        'build',
        '--network',
        'none',
        '--build-arg',
        'node_env=development',
        '-f',
        path.join(this.dir, 'base.dockerfile'),
        '-t',
        this.baseRef,
        path.join(this.dir, 'package'),
      ],
      { env: { DOCKER_BUILDKIT: '1' } },
    );
    writeFileSync(
      path.join(this.dfDir, 'app.dockerfile'),
      readFileSync(path.join(this.dir, 'app.dockerfile'), 'utf8').replace(/^FROM nodejs-express-base-image$/m, `FROM ${this.baseRef}`),
    );
    writeFileSync(path.join(this.dfDir, 'app.dockerfile.dockerignore'), readFileSync(path.join(this.dir, 'app.dockerfile.dockerignore')));
    const ref = await this.buildPush('initial');
    await this.apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: this.name, labels: { app: this.name } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: this.name } },
          template: {
            metadata: { labels: { app: this.name } },
            spec: {
              containers: [{ name: 'app', image: ref, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 3000 }] }],
            },
          },
        },
      },
    });
    await this.waitPod(ref, performance.now() + 90_000);
    await untilAnswers(this.port, 'Hello from', performance.now() + 30_000);
  }

  private async buildPush(tag: string): Promise<string> {
    const ref = `${REGISTRY}/devloop-bench-raw-app:${tag}-${randomBytes(3).toString('hex')}`;
    this.refs.push(ref);
    await run(DOCKER, ['build', '--network', 'none', '-f', path.join(this.dfDir, 'app.dockerfile'), '-t', ref, this.dir], { env: { DOCKER_BUILDKIT: '1' } });
    await run(DOCKER, ['push', ref]);
    return ref;
  }

  /** Waits for a Ready, not terminating pod running `image`, and points the local forward at it. */
  private async waitPod(image: string, deadline: number): Promise<void> {
    for (;;) {
      const pods = await this.core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${this.name}` });
      const p = pods.items.find(
        (x) =>
          !x.metadata?.deletionTimestamp &&
          x.spec?.containers[0]?.image === image &&
          x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (p) {
        this.target = p.metadata!.name!;
        return;
      }
      if (performance.now() > deadline) throw new Error(`raw: no ready pod with ${image}`);
      await sleep(POLL_MS);
    }
  }

  /** One edit; returns the phases' end times relative to the save. */
  async edit(i: number): Promise<{ total: number; build: number; push: number; patch: number; ready: number }> {
    const msg = `Raw edit ${i} ${randomBytes(3).toString('hex')}`;
    const t0 = performance.now();
    setMessage(this.dir, msg);
    const deadline = t0 + STEP_TIMEOUT_MS;
    // Polled from the save on, as for devloop (the old pod answers until the forward moves to the new one).
    const answered = untilAnswers(this.port, msg, deadline);
    answered.catch(() => undefined);
    const ref = `${REGISTRY}/devloop-bench-raw-app:e${i}-${randomBytes(3).toString('hex')}`;
    this.refs.push(ref);
    await run(DOCKER, ['build', '--network', 'none', '-f', path.join(this.dfDir, 'app.dockerfile'), '-t', ref, this.dir], { env: { DOCKER_BUILDKIT: '1' } });
    const build = performance.now() - t0;
    await run(DOCKER, ['push', ref]);
    const push = performance.now() - t0;
    await this.apps.patchNamespacedDeployment(
      { name: this.name, namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'app', image: ref }] } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const patch = performance.now() - t0;
    await this.waitPod(ref, deadline);
    const ready = performance.now() - t0;
    const t1 = await answered;
    return { total: t1 - t0, build, push, patch, ready };
  }

  async close(): Promise<void> {
    await this.apps.deleteNamespacedDeployment({ name: this.name, namespace: 'default' }).catch(() => undefined);
    await new Promise((ok) => (this.server ? this.server.close(ok) : ok(undefined)));
  }
}

/** Seconds from the save to the first devloop line matching each phase, for the breakdown. */
const PHASES: [string, RegExp][] = [
  ['change seen', /File Changed/],
  ['build start', /Building Dockerfile: \[nodejs-express-app-image\]/],
  ['push start', /STEP \d+\/\d+ — Pushing/],
  ['applied', /Objects applied|Applying/],
  ['pod ready', /Running, Ready/],
  ['✓ ready', /✓ ready/],
];

async function main(temps: string[], cleanups: Cleanups): Promise<void> {
  const cluster = await startClusterProcess(temps);
  cleanups.push(() => cluster.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const env = { KUBECONFIG: cluster.kubeconfigPath };

  const port = await freePort();
  const dlDir = fixtureCopy(temps, port);
  const up = new TimedProcess(['up'], { cwd: dlDir, env });
  cleanups.push(async () => {
    await up.stop();
    const down = await run(process.execPath, [BIN, 'down'], { cwd: dlDir, env: { ...env, NO_COLOR: '1' } }).catch((e: Error) => e.message);
    const refs = [...up.text().matchAll(/Successfully tagged (\S+)/g)].map((m) => m[1]!).reverse();
    for (const r of refs) await run(DOCKER, ['rmi', '-f', r]).catch(() => undefined);
    void down;
  });
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 120_000);
  await untilAnswers(port, 'Hello from', performance.now() + 60_000);

  const raw = new RawLoop(kc, fixtureCopy(temps, await freePort()), temps);
  cleanups.push(async () => {
    await raw.close();
    for (const r of [...raw.refs].reverse()) await run(DOCKER, ['rmi', '-f', r]).catch(() => undefined);
  });
  await raw.start();

  const dl: number[] = [],
    rw: number[] = [];
  const dlPhases: Record<string, number[]> = {};
  const rwPhases: Record<string, number[]> = { build: [], push: [], patch: [], ready: [] };
  const devloopEdit = async (i: number) => {
    const msg = `Devloop edit ${i} ${randomBytes(3).toString('hex')}`;
    const from = up.mark();
    const t0 = performance.now();
    setMessage(dlDir, msg);
    const t1 = await untilAnswers(port, msg, t0 + STEP_TIMEOUT_MS);
    dl.push(t1 - t0);
    await up.waitFor(/✓ ready/, 10_000, from).catch(() => undefined);
    const since = up.lines.slice(from);
    if (since.some((l) => /Building Dockerfile: \[nodejs-express-base-image\]/.test(l.text)))
      throw new Error('devloop rebuilt the base image for a server.js edit');
    for (const [name, re] of PHASES) {
      const hit = since.find((l) => re.test(l.text));
      if (hit) (dlPhases[name] ??= []).push(hit.t - t0);
    }
    (dlPhases['answers (new text)'] ??= []).push(t1 - t0);
  };
  const rawEdit = async (i: number) => {
    const r = await raw.edit(i);
    rw.push(r.total);
    for (const k of ['build', 'push', 'patch', 'ready'] as const) rwPhases[k]!.push(r[k]);
  };
  const started = performance.now();
  for (let i = 0; i < EDITS; i++) {
    if (i % 2 === 0) {
      await devloopEdit(i);
      await rawEdit(i);
    } else {
      await rawEdit(i);
      await devloopEdit(i);
    }
    await sleep(300); // let the old pods' deletion settle before the next edit
    if (performance.now() - started > DEADLINE_MS - 60_000 && i + 1 >= 5) break;
  }

  const diff = median(dl) - median(rw);
  console.log(`fixture nodejs-express (server.js edits), ${dl.length} edits each, alternating; registry ${REGISTRY}; poll every ${POLL_MS} ms\n`);
  console.log('| measure | devloop up | raw (same run) | difference | goal |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| save → new pod answers through the port forward (median) | ${fmt(median(dl))} | ${fmt(median(rw))} | ${diff >= 0 ? '+' : ''}${fmt(diff)} | devloop adds < 500 ms: ${diff < 500 ? 'met' : 'NOT met'} |`,
  );
  console.log(`\nsamples devloop: ${dl.map(fmt).join(', ')}\nsamples raw:     ${rw.map(fmt).join(', ')}`);
  console.log(
    '\ndevloop phases (median ms after the save, from its output lines): ' +
      Object.entries(dlPhases)
        .map(([k, v]) => `${k} ${median(v).toFixed(0)}`)
        .join('; '),
  );
  console.log(
    'raw phases (median ms after the save, end of): ' +
      Object.entries(rwPhases)
        .map(([k, v]) => `${k} ${median(v).toFixed(0)}`)
        .join('; ') +
      `; answers ${median(rw).toFixed(0)}`,
  );
  if (process.env.BENCH_LOOP_LOG)
    writeFileSync(process.env.BENCH_LOOP_LOG, up.lines.map((l) => `${(l.t - up.started).toFixed(0).padStart(7)} ${l.text}`).join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  await runGuarded('bench/loop', DEADLINE_MS, main);
}

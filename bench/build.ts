/**
 * Build figures (issue "Build for real"): devloop's build of fixtures/nodejs-express (two images: a base with
 * `RUN npm install`, an app `FROM` it) against the docker CLI's BuildKit build of the same contexts and the same
 * Dockerfile text (base ref rewritten the same way), on the same engine, in the same run, interleaved.
 *   (a) uncached: before every build (devloop's or raw) a new nonce goes into package/package.json, so every
 *       layer after the `ADD package.json` misses the cache on both sides, and the app image's FROM changes;
 *   (b) fully cached: unchanged inputs, built before by both. devloop's `build` then only checks that its
 *       content tags exist (it never re-sends an unchanged context); the raw `docker build` sends the contexts
 *       and gets every step from the cache. A third row forces devloop's adapter to build anyway (tag check
 *       bypassed), the like-for-like BuildKit cached build.
 * Whole-process figures include Node's start-up for devloop and the docker CLI's for the raw build; in-process
 * figures run loadProject + buildImages (what `devloop build` runs) in this process, after a warm-up.
 * The raw build: DOCKER_BUILDKIT=1 /usr/bin/docker build --network none (the 20.10 CLI, BuildKit built in; devloop
 * uses network none on this engine too).
 * Run: eval "$(cat .devenv-ready)" && npx tsc -p . && node dist/bench/build.js [runs]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerImageBuilder } from '../src/adapters/docker/image-builder.js';
import { removeImage } from '../src/adapters/docker/images.js';
import { loadProject } from '../src/app/load.js';
import { buildImages } from '../src/engine/build/scheduler.js';
import { silentLog } from '../src/engine/log.js';
import { fixturesDir, repoRoot } from '../test/helpers/project.js';
import { execaRunner } from '../src/adapters/process/execa-runner.js';
import { runGuarded } from './guard.js';

const RUNS = Math.max(3, Number(process.argv[2] ?? 12));
const SETTLE_MS = 300;
const DEADLINE_MS = 170_000;
const CMD_TIMEOUT_MS = 60_000;
const BIN = path.join(repoRoot, 'bin/devloop.js');
/** The Debian docker.io 20.10 CLI: it has BuildKit built in (the 28.x CLI at /usr/local/bin needs buildx, absent here). */
const DOCKER = process.env.BENCH_DOCKER_CLI ?? '/usr/bin/docker';
const started = performance.now();

const temps: string[] = [];
const refs: string[] = []; // every image ref this run made, removed at the end (apps before bases)

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: CMD_TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const ms = performance.now() - t0;
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${String(stderr).slice(-2000)}`));
      else ok({ ms, out: `${stdout}${stderr}` });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => `${x.toFixed(0)} ms`;
const nonce = () => randomBytes(4).toString('hex');

/** The fixture in a temp dir; `setNonce` changes package/package.json so both images get new content. */
function project(): { dir: string; setNonce(n: string): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'devloop-bench-build-'));
  temps.push(dir);
  cpSync(path.join(fixturesDir, 'nodejs-express'), dir, { recursive: true });
  const pkgPath = path.join(dir, 'package/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, unknown>;
  return { dir, setNonce: (n) => writeFileSync(pkgPath, `${JSON.stringify({ ...pkg, benchNonce: n }, null, 2)}\n`) };
}

/** `devloop build` as a user runs it; returns wall time and what it says it built. */
async function devloopProcess(dir: string): Promise<{ ms: number; built: number; upToDate: number }> {
  const r = await run(process.execPath, [BIN, 'build'], { cwd: dir, env: { NO_COLOR: '1' } });
  for (const m of r.out.matchAll(/Successfully tagged (\S+)/g)) refs.push(m[1]!);
  const s = /OK: 2 images: (\d+) built, (\d+) up to date/.exec(r.out);
  if (!s) throw new Error(`unexpected devloop build output:\n${r.out.slice(-2000)}`);
  return { ms: r.ms, built: Number(s[1]), upToDate: Number(s[2]) };
}

/** loadProject + buildImages in this process: `devloop build` without Node's start-up and module loading. */
async function devloopInProcess(dir: string, builder: DockerImageBuilder, force = false): Promise<{ ms: number; built: number }> {
  const t0 = performance.now();
  const { resolved } = await loadProject(dir, undefined);
  let built = 0;
  if (force) {
    // The adapter's build of each image, as the scheduler calls it, without the "tag exists" short cut.
    for (const img of resolved.images) {
      const spec = img.spec;
      if (spec.type !== 'docker') throw new Error(`${img.id} is not a docker_build`);
      const rel = path.relative(spec.context, spec.dockerfile);
      await builder.build(
        {
          contextDir: spec.context,
          entries: img.entries ?? [],
          dockerfileText: img.dockerfileText!,
          dockerfilePath: rel.startsWith('..') ? undefined : rel,
          buildArgs: spec.buildArgs,
          extraTags: [],
          pull: false,
          cacheFrom: [],
          extraHosts: [],
          ref: img.localRef,
          labels: { 'dev.devloop.built': 'true' },
        },
        { line: () => {} },
      );
      built++;
    }
  } else {
    const outcomes = await buildImages(resolved.images, { builder, processes: execaRunner, log: silentLog, push: { enabled: false }, reason: 'bench' });
    for (const o of outcomes.values()) {
      if (o.status === 'failed') throw o.error;
      if (o.status === 'built') {
        built++;
        refs.push(o.ref);
      }
    }
  }
  return { ms: performance.now() - t0, built };
}

/** The same two builds with the docker CLI: same contexts, same Dockerfile text (FROM rewritten to the base just built), same build arg. */
async function raw(dir: string, tag: string): Promise<number> {
  const env = { DOCKER_BUILDKIT: '1' };
  const base = `devloop-bench-raw-base:${tag}`;
  const app = `devloop-bench-raw-app:${tag}`;
  refs.push(base, app);
  const fdir = mkdtempSync(path.join(tmpdir(), 'devloop-bench-build-df-'));
  temps.push(fdir);
  const appText = readFileSync(path.join(dir, 'app.dockerfile'), 'utf8').replace(/^FROM nodejs-express-base-image$/m, `FROM ${base}`);
  writeFileSync(path.join(fdir, 'app.dockerfile'), appText);
  copyFileSync(path.join(dir, 'app.dockerfile.dockerignore'), path.join(fdir, 'app.dockerfile.dockerignore'));
  const t0 = performance.now();
  await run(
    DOCKER,
    ['build', '--network', 'none', '--build-arg', 'node_env=development', '-f', path.join(dir, 'base.dockerfile'), '-t', base, path.join(dir, 'package')],
    { env },
  );
  await run(DOCKER, ['build', '--network', 'none', '-f', path.join(fdir, 'app.dockerfile'), '-t', app, dir], { env });
  return performance.now() - t0;
}

/**
 * Runs the variants of round i in a rotated order (each variant takes each position equally often over a
 * multiple of their count), with a pause between them, so that no variant always runs right after another
 * build (whatever the engine still does after a build, or the load drifting, falls on all variants alike).
 */
async function inTurn(steps: (() => Promise<void>)[], i: number): Promise<void> {
  for (let k = 0; k < steps.length; k++) {
    await steps[(i + k) % steps.length]!();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  }
}

/** Ratio of the medians, and the median of the per-round ratios (steadier when the machine's load drifts). */
function row(what: string, ours: number[], base: number[], baseLabel: string, goal = 1.15): string {
  const r = median(ours) / median(base);
  const paired = median(ours.map((x, i) => x / base[i]!));
  return `| ${what} | ${fmt(median(ours))} | ${baseLabel} ${fmt(median(base))} | ${r.toFixed(2)} (paired ${paired.toFixed(2)}) | ≤ ${goal}x: ${r <= goal ? 'met' : 'NOT met'} |`;
}

async function main(): Promise<void> {
  const builder = new DockerImageBuilder();
  const info = await builder.engineInfo();
  const { dir, setNonce } = project();
  const startup: number[] = [],
    imports: number[] = [];
  const buildModule = pathToFileURL(path.join(repoRoot, 'dist/src/cli/commands/build.js')).href;
  for (let i = 0; i < 3; i++) {
    startup.push((await run(process.execPath, ['-e', ''])).ms);
    imports.push((await run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(buildModule)})`])).ms);
  }

  // Warm-up (untimed): the node:16-alpine base in BuildKit's cache for both, jiti's transform cache, modules.
  setNonce(`warm-${nonce()}`);
  await devloopProcess(dir);
  await devloopInProcess(dir, builder);
  await raw(dir, `warm-${nonce()}`);

  const un = { proc: [] as number[], inproc: [] as number[], raw: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const steps: (() => Promise<void>)[] = [
      async () => {
        setNonce(`dl-${nonce()}`);
        const r = await devloopProcess(dir);
        if (r.built !== 2) throw new Error(`devloop built ${r.built} of 2`);
        un.proc.push(r.ms);
      },
      async () => {
        setNonce(`in-${nonce()}`);
        const r = await devloopInProcess(dir, builder);
        if (r.built !== 2) throw new Error(`in-process built ${r.built} of 2`);
        un.inproc.push(r.ms);
      },
      async () => {
        setNonce(`raw-${nonce()}`);
        un.raw.push(await raw(dir, `u${i}-${nonce()}`));
      },
    ];
    await inTurn(steps, i);
    if (performance.now() - started > DEADLINE_MS / 2 && i + 1 >= 3) break;
  }

  // Fully cached: one set of inputs, built by both (untimed), then rebuilt unchanged.
  setNonce(`cached-${nonce()}`);
  const cachedTag = `c-${nonce()}`;
  await devloopProcess(dir);
  await raw(dir, cachedTag);
  const ca = { proc: [] as number[], cmd: [] as number[], inproc: [] as number[], forced: [] as number[], raw: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const steps: (() => Promise<void>)[] = [
      async () => {
        const r = await devloopProcess(dir);
        if (r.upToDate !== 2) throw new Error('cached devloop build rebuilt something');
        ca.proc.push(r.ms);
      },
      async () => {
        const r = await devloopInProcess(dir, builder);
        if (r.built !== 0) throw new Error('cached in-process build rebuilt something');
        ca.inproc.push(r.ms);
      },
      async () => {
        ca.forced.push((await devloopInProcess(dir, builder, true)).ms);
      },
      async () => {
        ca.raw.push(await raw(dir, cachedTag));
      },
    ];
    await inTurn(steps, i);
    if (performance.now() - started > DEADLINE_MS * 0.8 && i + 1 >= 3) break;
  }

  console.log(
    `engine ${info.version}, BuildKit ${info.buildkit}; fixture nodejs-express (2 images); medians of ${un.raw.length} (uncached) and ${ca.raw.length} (cached), interleaved in rotated order, ${SETTLE_MS} ms pause between builds`,
  );
  console.log(
    `node start-up (node -e ''), median of 3: ${fmt(median(startup))}; node start-up + import of devloop's build command, doing nothing: ${fmt(median(imports))}\n`,
  );
  console.log('| case | devloop | baseline (same run) | ratio | goal |');
  console.log('|---|---|---|---|---|');
  console.log(row('(a) uncached, `devloop build` whole process', un.proc, un.raw, 'docker build ×2'));
  console.log(row('(a) uncached, in-process loadProject + buildImages', un.inproc, un.raw, 'docker build ×2'));
  console.log(row('(b) cached, `devloop build` whole process (tags exist: nothing sent)', ca.proc, ca.raw, 'docker build ×2'));
  console.log(row('(b) cached, in-process loadProject + buildImages', ca.inproc, ca.raw, 'docker build ×2'));
  console.log(row('(b) cached, in-process, adapter forced to build (BuildKit all cached)', ca.forced, ca.raw, 'docker build ×2'));
  console.log(`\nraw samples: uncached ${un.raw.map(fmt).join(', ')}; cached ${ca.raw.map(fmt).join(', ')}`);
  console.log(
    `devloop samples: uncached process ${un.proc.map(fmt).join(', ')}; in-process ${un.inproc.map(fmt).join(', ')}; cached process ${ca.proc.map(fmt).join(', ')}; forced ${ca.forced.map(fmt).join(', ')}`,
  );
}

async function cleanup(): Promise<void> {
  const builder = new DockerImageBuilder();
  const order = [...new Set(refs)].sort((a, b) => Number(/base/.test(a)) - Number(/base/.test(b)));
  for (const r of order) await removeImage(builder.client, r).catch(() => undefined);
  for (const t of temps) rmSync(t, { recursive: true, force: true });
}

await runGuarded('bench/build', DEADLINE_MS, async (_temps, cleanups) => {
  cleanups.push(cleanup);
  await main();
});

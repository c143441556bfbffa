/**
 * `devloop up` on an unchanged project that was built and deployed before (issue "up/down/ci", bench b).
 * A copy of fixtures/nodejs-express is built and deployed once with `devloop ci` (untimed); then, 3 times, a fresh
 * `devloop up` is timed from process start until it prints `✓ ready` (all resources ready). It must build nothing:
 * its output must say both images are up to date and contain no build step. Goal: < 3 s.
 * Baselines in the same run, interleaved:
 *   - `node -e ''` (Node's start-up);
 *   - the raw tools confirming the same state: `docker image inspect` of both deployed refs, then
 *     `kubectl rollout status deployment/nodejs-express-app` (images present, rollout done), from process start.
 * devloop's output lines are timestamped from its process start to show where its time goes.
 * Run: eval "$(cat .devenv-ready)" && npx tsc -p . && node dist/bench/up-unchanged.js [runs]
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, DOCKER, fixtureCopy, fmt, freePort, median, run, startClusterProcess, TimedProcess } from './loop.js';
import { runGuarded, type Cleanups } from './guard.js';

const RUNS = Math.max(3, Number(process.argv[2] ?? 3));
const DEADLINE_MS = 170_000;
const GOAL_MS = 3000;

const PHASES: [string, RegExp][] = [
  ['config loaded', /^Loaded /],
  ['cluster reached', /^Images reach the cluster|^Not pushing/],
  ['images checked (up to date)', /Image nodejs-express-app-image is up to date/],
  ['apply checked', /No change to apply|Objects applied/],
  ['port forward listening', /Forwarding http/],
  ['✓ ready', /✓ ready/],
];

async function main(temps: string[], cleanups: Cleanups): Promise<void> {
  const cluster = await startClusterProcess(temps);
  cleanups.push(() => cluster.stop());
  const env = { KUBECONFIG: cluster.kubeconfigPath, NO_COLOR: '1' };
  const dir = fixtureCopy(temps, await freePort());
  cleanups.push(() => run(process.execPath, [BIN, 'down'], { cwd: dir, env }));

  const ci = await run(process.execPath, [BIN, 'ci', '--timeout', '120s'], { cwd: dir, env, timeoutMs: 130_000 });
  const builtRefs = [...ci.matchAll(/Successfully tagged (\S+)/g)].map((m) => m[1]!);
  cleanups.push(async () => {
    for (const r of [...builtRefs].reverse()) await run(DOCKER, ['rmi', '-f', r]).catch(() => undefined);
  });
  const deployed = builtRefs.filter((r) => r.includes('/'));
  const ciRefs = [...builtRefs];
  if (builtRefs.length < 2) throw new Error(`devloop ci did not build both images:\n${ci.slice(-3000)}`);

  const ups: number[] = [],
    nodeStart: number[] = [],
    raw: number[] = [];
  const phases: Record<string, number[]> = {};
  const leftovers: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await run(process.execPath, ['-e', '']);
    nodeStart.push(performance.now() - t);

    t = performance.now();
    await run(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', ...ciRefs]);
    await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'rollout', 'status', 'deployment/nodejs-express-app', '--timeout=30s']);
    raw.push(performance.now() - t);

    const up = new TimedProcess(['up'], { cwd: dir, env });
    try {
      const ready = await up.waitFor(/✓ ready/, 60_000);
      ups.push(ready - up.started);
      const text = up.text();
      if (!/Image nodejs-express-base-image is up to date/.test(text) || !/Image nodejs-express-app-image is up to date/.test(text))
        throw new Error(`up did not report both images up to date:\n${up.tail()}`);
      if (/Building Dockerfile:|STEP \d+\/\d+/.test(text)) throw new Error(`up built something on an unchanged project:\n${up.tail()}`);
      for (const [name, re] of PHASES) {
        const hit = up.lines.find((l) => re.test(l.text));
        if (hit) (phases[name] ??= []).push(hit.t - up.started);
      }
      if (i === RUNS - 1 && process.env.BENCH_UP_LOG) console.error(up.lines.map((l) => `${(l.t - up.started).toFixed(0).padStart(6)} ${l.text}`).join('\n'));
    } finally {
      await up.stop();
      for (const m of up.text().matchAll(/Successfully tagged (\S+)/g)) builtRefs.push(m[1]!); // only if it wrongly rebuilt
    }
    // Known bug (reported): `up` leaves an empty .devloop/ (its control file's directory) in the project, which is
    // inside the app image's context, so the NEXT up computes a new tag and rebuilds. Removed here so that every
    // run measures the unchanged project; BENCH_KEEP_DEVLOOP_DIR=1 keeps it and shows the rebuild.
    const left = path.join(dir, '.devloop');
    if (existsSync(left)) {
      leftovers.push(readdirSync(left).join(',') || '(empty dir)');
      if (!process.env.BENCH_KEEP_DEVLOOP_DIR) rmSync(left, { recursive: true, force: true });
    }
  }

  const m = median(ups);
  console.log(`fixture nodejs-express, deployed once by devloop ci (${deployed.join(', ')}); ${RUNS} runs, interleaved\n`);
  console.log('| measure | devloop | baseline (same run) | ratio | goal |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| fresh \`devloop up\`, process start → \`✓ ready\`, nothing built (median) | ${fmt(m)} | docker image inspect ×2 + kubectl rollout status ${fmt(median(raw))} | ${(m / median(raw)).toFixed(2)} | < ${GOAL_MS} ms: ${m < GOAL_MS ? 'met' : 'NOT met'} |`,
  );
  console.log(`| same | ${fmt(m)} | node -e '' ${fmt(median(nodeStart))} | ${(m / median(nodeStart)).toFixed(2)} | |`);
  console.log(`\nsamples: ${ups.map(fmt).join(', ')}`);
  if (leftovers.length)
    console.log(
      `.devloop/ left in the project after up stopped (${leftovers.length} of ${RUNS} runs: ${leftovers[0]}); ${process.env.BENCH_KEEP_DEVLOOP_DIR ? 'kept' : 'removed before the next run'}`,
    );
  console.log(
    'devloop phases (median ms after process start, first output line of each): ' +
      PHASES.filter(([k]) => phases[k])
        .map(([k]) => `${k} ${median(phases[k]!).toFixed(0)}`)
        .join('; '),
  );
}

await runGuarded('bench/up-unchanged', DEADLINE_MS, main);

/**
 * What evaluating devloop.ts in a worker thread (issue 10 item 6) costs `ci --dry-run`: this build against another
 * build of devloop (the baseline, e.g. a copy of main's `bin/` and `dist/`), run alternately, each a fresh process.
 * CPU time (user + sys of the process and its threads) is reported beside wall time because the machine is shared:
 * under load the wall time mostly measures the other work.
 * Run: npm run build && node dist/bench/config-worker.js /path/to/baseline/bin/devloop.js [rounds]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './dry-run-project.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const baseline = process.argv[2];
const rounds = Number(process.argv[3] ?? 11);
if (!baseline) throw new Error('usage: node dist/bench/config-worker.js BASELINE_BIN [rounds]');
const bins = { baseline, worker: join(root, 'bin/devloop.js') };

function run(bin: string, cwd: string): { cpu: number; wall: number } {
  // bash's `times` prints the CPU time of its finished children (the devloop process, all its threads).
  const script = `s=$(date +%s%N); "${process.execPath}" "${bin}" ci --dry-run >/dev/null 2>&1 || exit 9; e=$(date +%s%N); times; echo $(( (e-s)/1000000 ))`;
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dry-run failed in ${cwd} with ${bin}`);
  const [, children, wall] = r.stdout.trim().split('\n');
  const [user, sys] = children!.split(/\s+/).map((x) => {
    const m = /(\d+)m([\d.]+)s/.exec(x)!;
    return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  });
  return { cpu: user! + sys!, wall: Number(wall) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const big = generate(mkdtempSync(join(tmpdir(), 'devloop-bench-worker-')));
try {
  console.log('| project | baseline CPU / wall (median) | worker CPU / wall (median) | load |');
  console.log('|---|---|---|---|');
  for (const [name, dir, n] of [
    ['fixtures/nodejs-express', join(root, 'fixtures/nodejs-express'), rounds],
    ['500 images / 2,000 manifests', big, Math.ceil(rounds / 2)],
  ] as const) {
    run(bins.baseline, dir);
    run(bins.worker, dir); // fill caches (jiti's, the OS's)
    const r = { baseline: [] as { cpu: number; wall: number }[], worker: [] as { cpu: number; wall: number }[] };
    for (let i = 0; i < n; i++)
      for (const k of (i % 2 ? ['baseline', 'worker'] : ['worker', 'baseline']) as ('baseline' | 'worker')[]) r[k].push(run(bins[k], dir));
    const f = (k: keyof typeof r) => `${median(r[k].map((x) => x.cpu)).toFixed(0)} / ${median(r[k].map((x) => x.wall)).toFixed(0)} ms`;
    console.log(`| ${name} (${n} rounds) | ${f('baseline')} | ${f('worker')} | ${loadavg()[0].toFixed(1)} |`);
  }
} finally {
  rmSync(big, { recursive: true, force: true });
}

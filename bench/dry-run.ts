/**
 * Dry-run speed: a generated project with 500 images (10 base images, 490 apps FROM them) and 2,000 manifests,
 * timed as a user runs it (`node bin/devloop.js ci --dry-run`, a fresh process each time), and the config
 * evaluation of fixtures/nodejs-express. Baseline in the same run: `node -e ''` (process start).
 * Run: npm run build && node dist/bench/dry-run.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { generate, IMAGES, MANIFESTS } from './dry-run-project.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'bin/devloop.js');

function time(args: string[], cwd: string): { ms: number; code: number | null; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { ms: performance.now() - t0, code: r.status, stderr: r.stderr };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = generate(mkdtempSync(join(tmpdir(), 'devloop-bench-dry-')));
try {
  const base = [1, 2, 3].map(() => time(['-e', ''], dir).ms);
  const runs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = time([bin, 'ci', '--dry-run'], dir);
    if (r.code !== 0) throw new Error(`dry-run failed: ${r.stderr.slice(-2000)}`);
    if (i > 0) runs.push(r.ms); // the first run fills jiti's transform cache, as any user's first run does
  }
  const cold = time([bin, 'ci', '--dry-run'], dir);
  const evalScript = `import('${join(root, 'dist/src/config/evaluate.js')}').then(async (m) => { const r = await m.evaluateConfig('${join(root, 'fixtures/nodejs-express/devloop.ts')}'); if (!r.ok) process.exit(1); console.log(r.durationMs.toFixed(1)); })`;
  const evals = [1, 2, 3].map(() => Number(spawnSync(process.execPath, ['-e', evalScript], { encoding: 'utf8' }).stdout.trim()));
  const coldEvals = [1, 2, 3].map(() =>
    Number(spawnSync(process.execPath, ['-e', evalScript], { encoding: 'utf8', env: { ...process.env, JITI_REBUILD_FS_CACHE: 'true' } }).stdout.trim()),
  );
  console.log('| measure | value | goal |');
  console.log('|---|---|---|');
  console.log(`| dry-run, ${IMAGES} images / ${MANIFESTS} manifests, whole process (median of 3) | ${median(runs).toFixed(0)} ms | < 1500 ms |`);
  console.log(`| same, last run | ${cold.ms.toFixed(0)} ms | |`);
  console.log(`| baseline: \`node -e ''\` process start (median of 3) | ${median(base).toFixed(0)} ms | |`);
  console.log(`| config evaluation of fixtures/nodejs-express, in a fresh process (median of 3) | ${median(evals).toFixed(0)} ms | < 300 ms |`);
  console.log(`| same, without jiti's transform cache (a first run) | ${median(coldEvals).toFixed(0)} ms | < 300 ms |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

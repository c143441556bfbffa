/**
 * Context walk and hash figures on generated trees of 50,000 files in 2,000 directories:
 *   A) 40,000 of the files under a dockerignored node_modules (the usual JS project);
 *   B) all 50,000 files in the context.
 * Baselines in the same process: fs.readdirSync(recursive) for the walk, readFileSync + sha256 per file
 * (same file list) for the cold hash. "warm" and "one-file change" include the walk, as the watch loop does it. Run: npx tsc -p . && node dist/bench/walk.js [runs]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearHashCache, hashEntries, hashStats } from '../src/files/hash.js';
import { contextIgnore } from '../src/files/ignore.js';
import { walkContext } from '../src/files/walk.js';

const RUNS = Number(process.argv[2] ?? 5);
const FILES_PER_DIR = 25;

function generate(root: string, ignoredDirs: number, keptDirs: number): void {
  const content = Buffer.alloc(200, 'x');
  const mk = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(path.join(dir, `file${f}.js`), content);
  };
  for (let d = 0; d < ignoredDirs; d++) mk(path.join(root, 'node_modules', `pkg${d % 400}`, `sub${Math.floor(d / 400)}`));
  for (let d = 0; d < keptDirs; d++) mk(path.join(root, 'src', `mod${d % 100}`, `part${Math.floor(d / 100)}`));
  writeFileSync(path.join(root, '.dockerignore'), 'node_modules\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

function naiveHash(root: string, files: string[]): string {
  const h = createHash('sha256');
  for (const f of files)
    h.update(
      createHash('sha256')
        .update(readFileSync(path.join(root, f)))
        .digest(),
    );
  return h.digest('hex');
}

function benchCase(label: string, ignoredDirs: number, keptDirs: number): void {
  const root = mkdtempSync(path.join(tmpdir(), 'devloop-bench-walk-'));
  try {
    generate(root, ignoredDirs, keptDirs);
    const { matcher } = contextIgnore({ context: root });
    const entries = walkContext(root, matcher);
    const files = entries.filter((e) => e.type === 'file').map((e) => e.path);
    const walk: number[] = [],
      base: number[] = [],
      cold: number[] = [],
      naive: number[] = [],
      warm: number[] = [],
      one: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(time(() => readdirSync(root, { recursive: true })));
      walk.push(time(() => walkContext(root, matcher)));
      naive.push(time(() => naiveHash(root, files)));
      const es = walkContext(root, matcher);
      clearHashCache();
      cold.push(time(() => hashEntries(root, es)));
      warm.push(time(() => hashEntries(root, walkContext(root, matcher))));
      writeFileSync(path.join(root, files[i % files.length]!), `changed ${i}`);
      const readsBefore = hashStats.reads;
      one.push(time(() => hashEntries(root, walkContext(root, matcher))));
      if (hashStats.reads - readsBefore !== 1) throw new Error(`expected 1 read after a one-file change, got ${hashStats.reads - readsBefore}`);
    }
    const total = (ignoredDirs + keptDirs) * FILES_PER_DIR;
    console.log(`\n${label}: ${total} files in ${ignoredDirs + keptDirs} leaf dirs, ${entries.length} entries kept (${files.length} files); median of ${RUNS}`);
    console.log(
      `  walk (readdir withFileTypes + lstat, skip ignored) ${ms(median(walk))}   baseline readdirSync(recursive, no stat, no skip) ${ms(median(base))}   ratio ${(median(walk) / median(base)).toFixed(2)}`,
    );
    console.log(
      `  hash of the walked entries, cold cache             ${ms(median(cold))}   baseline readFileSync+sha256 per file ${ms(median(naive))}   ratio ${(median(cold) / median(naive)).toFixed(2)}`,
    );
    console.log(`  walk + hash, warm cache, nothing changed           ${ms(median(warm))}`);
    console.log(`  walk + hash after a one-file change (1 read)       ${ms(median(one))}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}, tmpdir ${tmpdir()}`);
benchCase('A) node_modules dockerignored', 1600, 400);
benchCase('B) nothing ignored', 0, 2000);

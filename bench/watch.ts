/**
 * File watcher figures on a generated tree of 50,000 files: 45,000 in 1,800 directories under
 * node_modules (ignored), 5,000 in 200 leaf directories under src/ (watched).
 * Each measure runs in a fresh process so that RSS means something:
 *   - devloop: createFileWatcher on the tree (node_modules left out); time to ready, inotify watches,
 *     RSS, then 20 single-file saves ~0.7 s apart (an isolated save, the usual case) timed from writeFile
 *     to onBatch;
 *   - baseline "walk": a plain walk of the same tree with the same ignores (files/walk.ts, which also
 *     stats every file; the watcher only lists directories);
 *   - baseline "recursive": the naive alternative, Node's fs.watch(recursive: true) on the tree (Node 20
 *     does it in JavaScript: a stat and a watch for every file and directory, node_modules included);
 *   - baseline "node": a Node process that only starts (its RSS).
 * The tree goes to /dev/shm when it exists (tmpfs: writing and deleting 50,000 files on this machine's
 * disk takes minutes; the watcher reads from the page cache either way), or to DEVLOOP_BENCH_DIR.
 * Run: npx tsc -p . && node dist/bench/watch.js
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEBOUNCE_MS, nowMs } from '../src/adapters/watch/batcher.js';
import { createFileWatcher } from '../src/adapters/watch/fs-watcher.js';
import { countInotifyWatches } from '../src/adapters/watch/inotify.js';
import { anyFilter, matcherUnder, rootedFilter, type FileFilter } from '../src/files/filter.js';
import { contextIgnore } from '../src/files/ignore.js';
import { walkContext } from '../src/files/walk.js';
import { watchIgnore } from '../src/files/watch-ignore.js';
import type { ChangeBatch } from '../src/ports/file-watcher.js';
import { evaluateConfig } from '../src/config/evaluate.js';
import { resolve } from '../src/resolve/resolve.js';
import { WalkCache } from '../src/files/walk-cache.js';
import { reportedBy, watchRoots } from '../src/engine/watch-roots.js';

const FILES_PER_DIR = 25;
const IGNORED_DIRS = 1800;
const KEPT_DIRS = 200;
const SAVES = 20;
const SAVE_GAP_MS = 700;

interface ChildResult {
  readyMs: number;
  watches: number;
  rssMb: number;
  rssBeforeMb: number;
  latencies?: number[];
  firstSeen?: number[];
  resolved?: number[];
  firstResolved?: number;
  entries?: number;
  batches?: number;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function generate(root: string): void {
  const content = Buffer.alloc(200, 'x');
  const mk = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(path.join(dir, `file${f}.js`), content);
  };
  for (let d = 0; d < IGNORED_DIRS; d++) mk(path.join(root, 'node_modules', `pkg${d % 300}`, `sub${Math.floor(d / 300)}`));
  for (let d = 0; d < KEPT_DIRS; d++) mk(path.join(root, 'src', `mod${d % 20}`, `part${Math.floor(d / 20)}`));
  writeFileSync(path.join(root, '.dockerignore'), 'node_modules\n');
  // A project around the tree: one image whose context is all of it, so a save changes its tag.
  writeFileSync(path.join(root, 'Dockerfile'), 'FROM busybox\nCOPY . /app\n');
  writeFileSync(path.join(root, 'app.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: { name: app }\nspec: { containers: [ { name: app, image: app-image } ] }\n');
  writeFileSync(path.join(root, 'devloop.ts'), "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('app-image', '.');\n");
}

/** Directories outside node_modules, counted independently of the watcher (the root included). */
function keptDirs(root: string): number {
  let n = 1;
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() && d.name !== 'node_modules') {
        n++;
        walk(path.join(dir, d.name));
      }
    }
  };
  walk(root);
  return n;
}

/** What the engine gives the watcher for a docker_build context: its .dockerignore plus the watch ignores. */
function contextFilter(root: string): FileFilter {
  return anyFilter([rootedFilter(root, contextIgnore({ context: root }).matcher), watchIgnore({ dir: root, roots: [root] }).filter]);
}

async function childDevloop(root: string): Promise<ChildResult> {
  // As devloop up does: the config evaluated and the tags resolved (the context walked and hashed) before watching.
  const ev = await evaluateConfig(path.join(root, 'devloop.ts'));
  if (!ev.ok) throw ev.error;
  const first = resolve(ev.plan);
  let lastTag = first.images[0]!.tag;
  // As the engine does: walks kept across batches, for the paths the watcher reports on these roots.
  const walks = { cache: new WalkCache(), reported: reportedBy(watchRoots(first)) };
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const filter = contextFilter(root);
  let waiting: ((b: ChangeBatch) => void) | undefined;
  let batches = 0;
  const t0 = performance.now();
  const h = await createFileWatcher().watch(
    [{ path: root, filter }],
    (b) => {
      batches++;
      waiting?.(b);
    },
    (e) => {
      throw e;
    },
  );
  const readyMs = performance.now() - t0;
  const watches = countInotifyWatches() ?? -1;
  const rssMb = mb(process.memoryUsage().rss);
  const latencies: number[] = [];
  const firstSeen: number[] = [];
  const resolved: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    await sleep(SAVE_GAP_MS);
    const file = path.join(root, 'src', `mod${i % 20}`, `part${i % 10}`, `file${i}.js`);
    const got = new Promise<ChangeBatch>((r) => (waiting = r));
    const start = nowMs();
    writeFileSync(file, `save ${i}\n`);
    const b = await got;
    latencies.push(nowMs() - start);
    firstSeen.push(b.firstEventAt - start);
    // What the engine does with the batch before it can start the build: walk and hash the context again for the tag.
    walks.cache.changed(b.files.map((f) => f.path));
    const tag = resolve(ev.plan, { walks }).images[0]!.tag;
    resolved.push(nowMs() - start);
    if (tag === lastTag) throw new Error(`save ${i}: the tag did not change`);
    lastTag = tag;
  }
  await h.close();
  if (walks.cache.stats.full !== 1) throw new Error(`expected one full walk, then kept walks: ${JSON.stringify(walks.cache.stats)}`);
  return { readyMs, watches, rssMb, rssBeforeMb, latencies, firstSeen, resolved: resolved.slice(1), firstResolved: resolved[0], batches };
}

async function childWalk(root: string): Promise<ChildResult> {
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const matcher = matcherUnder(root, contextFilter(root));
  const t0 = performance.now();
  const entries = walkContext(root, matcher).length;
  const readyMs = performance.now() - t0;
  return { readyMs, watches: 0, rssMb: mb(process.memoryUsage().rss), rssBeforeMb, entries };
}

async function childRecursive(root: string): Promise<ChildResult> {
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const t0 = performance.now();
  const w = watch(root, { recursive: true }, () => {});
  const readyMs = performance.now() - t0;
  const result = { readyMs, watches: countInotifyWatches() ?? -1, rssMb: mb(process.memoryUsage().rss), rssBeforeMb };
  w.close();
  return result;
}

function runChild(mode: string, root: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--child', mode, root], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const [flag, mode, root] = process.argv.slice(2);
  if (flag === '--child') {
    const result = mode === 'walk' ? await childWalk(root!) : mode === 'recursive' ? await childRecursive(root!) : await childDevloop(root!);
    console.log(JSON.stringify(result));
    return;
  }
  const started = performance.now();
  const base = process.env.DEVLOOP_BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const tree = mkdtempSync(path.join(base, 'devloop-bench-watch-'));
  try {
    const g0 = performance.now();
    generate(tree);
    const genS = (performance.now() - g0) / 1000;
    const dirs = keptDirs(tree);
    const node = spawnSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss)'], { encoding: 'utf8' });
    const nodeRss = mb(Number(node.stdout.trim()));
    const walk = runChild('walk', tree);
    const rec = runChild('recursive', tree);
    const dev = runChild('devloop', tree);
    const lat = dev.latencies!;
    const over = lat.map((x) => x - DEFAULT_DEBOUNCE_MS);
    const f = (x: number, d = 0) => x.toFixed(d);
    const rows: [string, string, string][] = [
      ['time to ready', `${f(dev.readyMs)} ms`, '< 1000 ms'],
      ['baseline: plain walk of the same tree (files/walk.ts), same ignores', `${f(walk.readyMs)} ms`, ''],
      ['baseline: fs.watch recursive:true, no ignore, time to ready', `${f(rec.readyMs)} ms`, ''],
      ['inotify watches in use', `${dev.watches} (watched directories: ${dirs})`, `<= ${dirs}`],
      ['baseline: fs.watch recursive:true, no ignore, watches', `${rec.watches}`, ''],
      [
        'RSS after ready (fresh process: config evaluated, context hashed, tree watched)',
        `${f(dev.rssMb, 1)} MB (+${f(dev.rssMb - dev.rssBeforeMb, 1)} MB for watching)`,
        '< 150 MB',
      ],
      ['baseline: RSS of `node -e` / fs.watch recursive:true process', `${f(nodeRss, 1)} MB / ${f(rec.rssMb, 1)} MB`, ''],
      [`save to batch, ${SAVES} single-file saves ${SAVE_GAP_MS} ms apart, p50 / p95`, `${f(pct(lat, 50), 1)} / ${f(pct(lat, 95), 1)} ms`, ''],
      [`same minus the ${DEFAULT_DEBOUNCE_MS} ms debounce, p50 / p95`, `${f(pct(over, 50), 1)} / ${f(pct(over, 95), 1)} ms`, '< 50 ms'],
      [
        `save to the new tag resolved (the build can start; ${walk.entries ?? '?'} context entries, the walk kept across batches; the first save, which walks in full, left out), p50 / p95`,
        `${f(pct(dev.resolved!, 50), 1)} / ${f(pct(dev.resolved!, 95), 1)} ms`,
        '',
      ],
      [
        `same minus the ${DEFAULT_DEBOUNCE_MS} ms debounce, p50 / p95`,
        `${f(
          pct(
            dev.resolved!.map((x) => x - DEFAULT_DEBOUNCE_MS),
            50,
          ),
          1,
        )} / ${f(
          pct(
            dev.resolved!.map((x) => x - DEFAULT_DEBOUNCE_MS),
            95,
          ),
          1,
        )} ms`,
        '< 50 ms',
      ],
      ['the first save after start: save to the new tag resolved (a full walk, and which entries the watcher reports)', `${f(dev.firstResolved!, 1)} ms`, ''],
      ['save to first event seen by devloop, p50 / p95', `${f(pct(dev.firstSeen!, 50), 2)} / ${f(pct(dev.firstSeen!, 95), 2)} ms`, ''],
      ['batches for the saves', `${dev.batches}`, `${SAVES}`],
    ];
    console.log(
      `\nFile watcher: ${IGNORED_DIRS * FILES_PER_DIR + KEPT_DIRS * FILES_PER_DIR} files, ${IGNORED_DIRS} dirs under node_modules (ignored), ${dirs} dirs watched; tree in ${base}, generated in ${f(genS, 1)} s\n`,
    );
    console.log('| measure | value | goal |');
    console.log('|---|---|---|');
    for (const [m, v, g] of rows) console.log(`| ${m} | ${v} | ${g} |`);
    console.log(
      `\nCommand: npx tsc -p . && node dist/bench/watch.js   (whole run ${f((performance.now() - started) / 1000, 1)} s; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

await main();

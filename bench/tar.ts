/**
 * Context figures: walk (src/files/walk.ts, with the .dockerignore matcher of src/files/ignore.ts) + pack
 * (src/adapters/docker/context-tar.ts, the classic builder's tar) of generated trees, to memory (bytes counted,
 * nothing kept), no compression; and walk + the BuildKit session's send (filesync.ts) to an in-process receiver.
 *   A) 50,000 files of 200 B in 2,000 directories kept in the context, plus a node_modules of 20,000 files that
 *      .dockerignore excludes (goal: walk + pack < 1.5 s);
 *   B) 1,000 files of 100 KB (bytes dominate).
 * Baselines in the same run, same tree:
 *   - `tar -cf - --exclude=node_modules . > /dev/null` as the brief words it. GNU tar notices that its archive is
 *     /dev/null and then reads no file data at all (only stats), so this is a lower bound, not a like-for-like;
 *   - `tar -cf - --exclude=node_modules .` into a pipe that this process drains (the like-for-like figure).
 * Runs alternate baseline and devloop. Wall and CPU time (user+system of this process) are printed: on a busy
 * machine CPU time is the steadier figure.
 * Run: npx tsc -p . && node dist/bench/tar.js [runs]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syncDirs } from '../src/adapters/docker/build-context.js';
import { packContext } from '../src/adapters/docker/context-tar.js';
import { serveDiffCopy } from '../src/adapters/docker/filesync.js';
import { encodePacket, PacketType } from '../src/adapters/docker/filesync-proto.js';
import { contextIgnore } from '../src/files/ignore.js';
import { walkContext } from '../src/files/walk.js';

const RUNS = Number(process.argv[2] ?? 5);
const DEADLINE_MS = 170_000;
const PER_DIR = 25;
const temps: string[] = [];

function generate(root: string, files: number, size: number, ignoredFiles: number): void {
  const content = Buffer.alloc(size, 'x');
  const fill = (top: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const d = Math.floor(i / PER_DIR);
      const dir = path.join(root, top, `mod${d % 100}`, `part${Math.floor(d / 100)}`);
      if (i % PER_DIR === 0) mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `file${i % PER_DIR}.js`), content);
    }
  };
  fill('src', files);
  fill('node_modules', ignoredFiles);
  writeFileSync(path.join(root, '.dockerignore'), 'node_modules\n');
}

async function drain(stream: unknown): Promise<number> {
  let n = 0;
  for await (const c of stream as AsyncIterable<Uint8Array>) n += c.byteLength;
  return n;
}

async function ourPack(root: string): Promise<{ ms: number; cpuMs: number; walkMs: number; bytes: number; entries: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { matcher } = contextIgnore({ context: root });
  const entries = walkContext(root, matcher);
  const t1 = performance.now();
  const bytes = await drain(packContext(root, entries, 'FROM busybox\nCOPY . /app\n').stream);
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, walkMs: t1 - t0, bytes, entries: entries.length };
}

/**
 * The BuildKit path (what devloop sends on an engine with BuildKit): walk, then the session's side of fsutil's
 * DiffCopy (every STAT, then every file's data on request) to an in-process receiver that asks for every file.
 * Everything devloop does to send the context, without the engine.
 */
async function ourSession(root: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const { matcher } = contextIgnore({ context: root });
  const entries = walkContext(root, matcher);
  const dirs = syncDirs({ contextDir: root, entries }, Buffer.from('FROM busybox\nCOPY . /app\n'));
  const list = dirs.get('context')!.entries;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    let onData: ((b: Buffer) => void) | undefined;
    const call = {
      metadata: { get: (k: string) => (k === 'dir-name' ? ['context'] : []) },
      write(b: Buffer) {
        bytes += b.length;
        if (b.length === 0) {
          // the empty STAT: the list is complete; ask for every file, then finish
          setImmediate(() => {
            list.forEach((e, i) => {
              if (e.type === 'file') onData!(encodePacket({ type: PacketType.REQ, id: i }));
            });
            onData!(encodePacket({ type: PacketType.FIN }));
          });
        }
        return true;
      },
      on(ev: string, fn: (b: Buffer) => void) {
        if (ev === 'data') onData = fn;
        return call;
      },
      once() {
        return call;
      },
      end: () => resolve(),
      destroy: (e: Error) => reject(e),
    };
    serveDiffCopy(call as never, dirs, reject);
  });
  return { ms: performance.now() - t0, bytes };
}

/** GNU tar into a pipe drained here (`devNull`: straight to /dev/null through the shell, as `> /dev/null`). */
async function gnuTar(root: string, devNull: boolean): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const child = devNull
    ? spawn('sh', ['-c', 'tar -cf - --exclude=node_modules . > /dev/null'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    : spawn('tar', ['-cf', '-', '--exclude=node_modules', '.'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const bytes = devNull ? 0 : await drain(child.stdout);
  const code = await new Promise((r) => child.on('close', r));
  if (code !== 0) throw new Error(`tar exited ${code}`);
  return { ms: performance.now() - t0, bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function benchCase(label: string, files: number, size: number, ignoredFiles: number, goalMs?: number): Promise<string[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'devloop-bench-tar-'));
  temps.push(root);
  try {
    generate(root, files, size, ignoredFiles);
    const ours: number[] = [],
      cpu: number[] = [],
      walks: number[] = [],
      pipe: number[] = [],
      dn: number[] = [],
      sess: number[] = [];
    let bytes = 0,
      gnuBytes = 0,
      entries = 0;
    for (let i = 0; i < RUNS; i++) {
      const o = await ourPack(root);
      ours.push(o.ms);
      cpu.push(o.cpuMs);
      walks.push(o.walkMs);
      bytes = o.bytes;
      entries = o.entries;
      const g = await gnuTar(root, false);
      pipe.push(g.ms);
      gnuBytes = g.bytes;
      dn.push((await gnuTar(root, true)).ms);
      sess.push((await ourSession(root)).ms);
    }
    const m = median(ours);
    console.error(
      `${label}: ${entries} entries kept, tar ${(bytes / 1e6).toFixed(1)} MB (GNU ${(gnuBytes / 1e6).toFixed(1)} MB); min ${ms(Math.min(...ours))}, max ${ms(Math.max(...ours))}`,
    );
    return [
      `| ${label}: walk + pack (walk alone ${ms(median(walks))}; CPU ${ms(median(cpu))}) | ${ms(m)} | \`tar -cf - --exclude=node_modules . \\| (drained)\` ${ms(median(pipe))} | ${(m / median(pipe)).toFixed(2)} | ${goalMs ? `< ${goalMs} ms: ${m < goalMs ? 'met' : 'NOT met'}` : '-'} |`,
      `| ${label}: same | ${ms(m)} | \`tar -cf - --exclude=node_modules . > /dev/null\` (reads no file data) ${ms(median(dn))} | ${(m / median(dn)).toFixed(2)} | |`,
      `| ${label}: walk + BuildKit session send (in-process receiver asking for every file) | ${ms(median(sess))} | GNU tar into a pipe ${ms(median(pipe))} | ${(median(sess) / median(pipe)).toFixed(2)} | ${goalMs ? `< ${goalMs} ms: ${median(sess) < goalMs ? 'met' : 'NOT met'}` : '-'} |`,
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench/tar: over ${DEADLINE_MS} ms, stopping`);
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  process.exit(2);
}, DEADLINE_MS);
try {
  const rows = [
    ...(await benchCase('A) 50,000 files × 200 B + 20,000 in ignored node_modules', 50_000, 200, 20_000, 1500)),
    ...(await benchCase('B) 1,000 files × 100 KB', 1_000, 100 * 1024, 0)),
  ];
  console.log(`node ${process.version}; medians of ${RUNS}, devloop and GNU tar alternating\n`);
  console.log('| case | devloop | baseline (same run) | ratio | goal |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  clearTimeout(watchdog);
  for (const t of temps) rmSync(t, { recursive: true, force: true });
}

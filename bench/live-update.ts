/**
 * Live update latency under `devloop up -f devloop.live.ts` (fixtures/nodejs-express, sync('.', '/var/www/app'),
 * entrypoint `node --watch server.js`), over EDITS saves each of two files, timed from the save to the new answer
 * at the port forward:
 *   - public/index.html, which the app reads on every request (the answer changes once the file has arrived);
 *   - server.js, which node --watch reloads (node waits 200 ms after a change, then restarts the server).
 * Beside them, in the same run: one raw exec of the same tar into the same container through
 * @kubernetes/client-node (no devloop); the same server.js update by hand (one exec, then the answer); and the
 * app's own reload measured inside the container with no devloop at all.
 * Run: npm run build && eval "$(scripts/dev-env.sh up)" && node dist/bench/live-update.js [edits]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { pack } from 'tar-stream';
import { startTestCluster } from '../test/cluster/index.js';
import { copyFixture, DevloopProcess, eventually, runDevloop, freePort } from '../test/e2e/helpers.js';

const EDITS = Number(process.argv[2] ?? 30);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

async function tarOf(remote: string, body: Buffer): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((ok) => p.on('end', () => ok()));
  p.entry({ name: remote.replace(/^\//, ''), size: body.length, mode: 0o644, mtime: new Date() }, body);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function execWithStdin(kc: k8s.KubeConfig, pod: string, cmd: string[], body: Buffer): Promise<void> {
  const stdin = new PassThrough();
  const sink = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  await new Promise<void>((ok, fail) => {
    new k8s.Exec(kc).exec('default', pod, 'app', cmd, sink, sink, stdin, false, () => ok()).then(() => stdin.end(body), fail);
  });
}

async function rawExec(kc: k8s.KubeConfig, pod: string, tar: Buffer): Promise<number> {
  const stdin = new PassThrough();
  const sink = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  const t0 = performance.now();
  await new Promise<void>((ok, fail) => {
    new k8s.Exec(kc)
      .exec('default', pod, 'app', ['tar', '-x', '-o', '-m', '-f', '-', '-C', '/'], sink, sink, stdin, false, () => ok())
      .then(() => stdin.end(tar), fail);
  });
  return performance.now() - t0;
}

const cluster = await startTestCluster();
const project = copyFixture('nodejs-express', ['.', 'package']);
const env = { KUBECONFIG: cluster.kubeconfigPath };
let up: DevloopProcess | undefined;
try {
  const port = await freePort();
  const cfg = join(project.dir, 'devloop.live.ts');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('port_forwards: 3000', `port_forwards: '${port}:3000'`));
  up = new DevloopProcess(['up', '-f', 'devloop.live.ts'], { cwd: project.dir, env });
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 180_000);
  if (process.env.BENCH_VERBOSE) console.error('forwarding');
  const url = `http://127.0.0.1:${port}/`;
  await eventually(
    async () =>
      (
        await fetch(url, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.text())
          .catch(() => '')
      ).includes('Hello'),
    60_000,
  );
  if (process.env.BENCH_VERBOSE) console.error('first answer');
  const server = join(project.dir, 'server.js');
  const original = readFileSync(server, 'utf8');
  const proc = up;
  /** EDITS saves of `file` (its `text` replaced by a marker), each timed to the marker in the answer at `path`. */
  const edits = async (file: string, text: string, path: string) => {
    const before = readFileSync(file, 'utf8');
    const e2e: number[] = [];
    const toSynced: number[] = [];
    const start = proc.mark();
    for (let i = 0; i < EDITS; i++) {
      const marker = `edit-${i}-${Date.now()}`;
      const from = proc.mark();
      const t0 = performance.now();
      writeFileSync(file, before.replace(text, marker));
      const synced = proc.waitFor(/live update nodejs-express-app: 1 file synced, \d+ ms/, 15_000, from).then(() => performance.now() - t0);
      for (;;) {
        const body = await fetch(url + path, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.text())
          .catch(() => '');
        if (body.includes(marker)) break;
        if (performance.now() - t0 > 15_000) throw new Error(`edit ${i} of ${file} not answered in 15 s:\n${proc.output.slice(from)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      e2e.push(performance.now() - t0);
      toSynced.push(await synced);
      if (process.env.BENCH_VERBOSE) console.error(`edit ${i}: ${Math.round(e2e[e2e.length - 1])} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const own = [...proc.output.slice(start).matchAll(/live update nodejs-express-app: 1 file synced, (\d+) ms/g)].map((m) => Number(m[1]));
    return { e2e, toSynced, own };
  };
  // A static file the app reads on every request: the answer changes as soon as the file is in the container.
  const asset = await edits(join(project.dir, 'public/index.html'), 'Hello from public/index.html', 'public/index.html');
  // server.js: node --watch restarts the server first.
  const { e2e, toSynced, own } = await edits(server, 'Hello from nodejs-express-app!', '');

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: 'app=nodejs-express-app' });
  const pod = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)!.metadata!.name!;
  // The same update by hand, without devloop: one exec that writes server.js in place (cat keeps the inode, so
  // node --watch sees it), then the new answer through the same port forward.
  if (process.env.BENCH_VERBOSE) console.error('by hand');
  const byHand: number[] = [];
  for (let i = 0; i < Math.min(EDITS, 15); i++) {
    const marker = `hand-${i}-${Date.now()}`;
    const body = Buffer.from(original.replace('Hello from nodejs-express-app!', marker));
    const t0 = performance.now();
    await execWithStdin(kc, pod, ['sh', '-c', 'cat > /var/www/app/server.js'], body);
    for (;;) {
      const got = await fetch(url, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .catch(() => '');
      if (got.includes(marker)) break;
      if (performance.now() - t0 > 15_000) throw new Error(`by-hand edit ${i} not answered in 15 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    byHand.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 400));
  }
  const tar = await tarOf('/var/www/app/server.js', Buffer.from(readFileSync(server)));
  // The app's own reload, without devloop: inside the same container, write server.js and wait for the new answer.
  const probe = `const fs=require('fs'),http=require('http');const get=()=>new Promise(ok=>http.get('http://127.0.0.1:3000',r=>{let d='';r.on('data',c=>d+=c);r.on('end',()=>ok(d))}).on('error',()=>ok('')));(async()=>{const src=fs.readFileSync('/var/www/app/server.js','utf8');const out=[];for(let i=0;i<${Math.min(EDITS, 15)};i++){await new Promise(r=>setTimeout(r,400));const m='probe-'+i+'-'+Date.now();const t0=Date.now();fs.writeFileSync('/var/www/app/server.js',src.replace(/((?:edit|hand)-[0-9]+-[0-9]+|Hello from nodejs-express-app!)/,m));for(;;){if((await get()).includes(m)||Date.now()-t0>15000)break;await new Promise(r=>setTimeout(r,2));}out.push(Date.now()-t0);}console.log(out.join(' '));})()`;
  if (process.env.BENCH_VERBOSE) console.error('probe');
  let probeOut = '';
  await new Promise<void>((ok, fail) => {
    const sink = new Writable({
      write(c, _e, cb) {
        probeOut += c;
        cb();
      },
    });
    new k8s.Exec(kc)
      .exec(
        'default',
        pod,
        'app',
        ['node', '-e', probe],
        sink,
        new Writable({
          write(c, _e, cb) {
            process.stderr.write(c);
            cb();
          },
        }),
        null,
        false,
        () => ok(),
      )
      .catch(fail);
  });
  const reloadOnly = probeOut
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((n) => n > 0);
  // After the probe: tar -x replaces the file (a new inode), which node --watch would no longer see.
  if (process.env.BENCH_VERBOSE) console.error('raw exec');
  const raw: number[] = [];
  for (let i = 0; i < EDITS; i++) raw.push(await rawExec(kc, pod, tar));

  const f = (x: number) => `${Math.round(x)} ms`;
  console.log(`| measure (${EDITS} edits) | p50 | p95 | goal |`);
  console.log('|---|---|---|---|');
  console.log(
    `| save public/index.html (served from disk per request) → new answer at the port forward | ${f(pct(asset.e2e, 0.5))} | ${f(pct(asset.e2e, 0.95))} | p50 < 300 ms, p95 < 600 ms |`,
  );
  console.log(`| baseline: one raw exec of the same tar into the same container (client-node) | ${f(pct(raw, 0.5))} | ${f(pct(raw, 0.95))} | |`);
  console.log(`| ratio save→answer / raw exec (p50), public/index.html | ${(pct(asset.e2e, 0.5) / pct(raw, 0.5)).toFixed(2)}x | | within 3x |`);
  console.log(
    `| of which save → synced and verified / devloop's own sync (pack + exec + verify) | ${f(pct(asset.toSynced, 0.5))} / ${f(pct(asset.own, 0.5))} | ${f(pct(asset.toSynced, 0.95))} / ${f(pct(asset.own, 0.95))} | |`,
  );
  console.log(
    `| save server.js → new answer at the port forward (node --watch restarts the server) | ${f(pct(e2e, 0.5))} | ${f(pct(e2e, 0.95))} | p50 < 300 ms, p95 < 600 ms |`,
  );
  console.log(
    `| ratio save→answer / raw exec (p50), server.js | ${(pct(e2e, 0.5) / pct(raw, 0.5)).toFixed(2)}x | | (the reload alone is ${(pct(reloadOnly, 0.5) / pct(raw, 0.5)).toFixed(2)}x) |`,
  );
  console.log(
    `| baseline: the same update by hand: one exec writing server.js, then the new answer at the same port forward (${byHand.length} edits) | ${f(pct(byHand, 0.5))} | ${f(pct(byHand, 0.95))} | |`,
  );
  console.log(`| ratio save→answer / by hand (p50) | ${(pct(e2e, 0.5) / pct(byHand, 0.5)).toFixed(2)}x | | |`);
  console.log(`| devloop's own sync (pack + exec + verify, from its log line) | ${f(pct(own, 0.5))} | ${f(pct(own, 0.95))} | |`);
  console.log(`| save → devloop reports the files synced and verified in the container | ${f(pct(toSynced, 0.5))} | ${f(pct(toSynced, 0.95))} | |`);
  console.log(`| ratio save→synced / raw exec (p50) | ${(pct(toSynced, 0.5) / pct(raw, 0.5)).toFixed(2)}x | | |`);
  const reload = e2e.map((t, i) => t - toSynced[i]);
  console.log(
    `| synced → new answer: the app's own reload (node --watch restarts the server) and the request | ${f(pct(reload, 0.5))} | ${f(pct(reload, 0.95))} | |`,
  );
  console.log(
    `| baseline: the app alone, write server.js inside the container → new answer there (node --watch, no devloop, ${reloadOnly.length} writes) | ${f(pct(reloadOnly, 0.5))} | ${f(pct(reloadOnly, 0.95))} | |`,
  );
} finally {
  await up?.stop();
  await runDevloop(['down', '-f', 'devloop.live.ts'], { cwd: project.dir, env });
  project.remove();
  await cluster.stop();
}

/**
 * Restart latency under `devloop up` on fixtures/tilt-example-go-restart (docker_build_with_restart; the server reads
 * its template once, at start, so a change shows only after a restart). Over EDITS saves of web/templates/index.tmpl,
 * each timed from the save to the new answer at devloop's port forward. Beside them, in the same run and the same
 * container (the copy's exit_policy is 'continue', so the supervisor lets a process killed by hand stay dead):
 *   - the same restart by hand: one exec that writes the template, kills the server and starts it again, then the
 *     new answer at the same port forward;
 *   - the app's own restart inside the container, no exec and no devloop: kill, start, first new answer there.
 * Run: npm run build && eval "$(scripts/dev-env.sh up)" && node dist/bench/restart.js [edits]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster } from '../test/cluster/index.js';
import { copyFixture, DevloopProcess, eventually, runDevloop, freePort } from '../test/e2e/helpers.js';

const EDITS = Number(process.argv[2] ?? 30);
const verbose = (s: string) => {
  if (process.env.BENCH_VERBOSE) console.error(s);
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
const GREETING = /<div>(?:Hello cats!|Congratulations, you set up live_update!|[a-z]+-\d+-\d+)<\/div>/g;

async function exec(kc: k8s.KubeConfig, pod: string, cmd: string[], stdin?: Buffer): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(c, _e, cb) {
      out += c;
      cb();
    },
  });
  const input = stdin ? new PassThrough() : null;
  await new Promise<void>((ok, fail) => {
    new k8s.Exec(kc).exec('default', pod, 'example-go', cmd, sink, sink, input, false, () => ok()).then(() => input?.end(stdin), fail);
  });
  return out;
}

const cluster = await startTestCluster();
const project = copyFixture('tilt-example-go-restart', ['web']);
const env = { KUBECONFIG: cluster.kubeconfigPath };
let up: DevloopProcess | undefined;
try {
  const port = await freePort();
  const cfg = join(project.dir, 'devloop.ts');
  writeFileSync(
    cfg,
    readFileSync(cfg, 'utf8')
      .replace('port_forwards: 8000', `port_forwards: '${port}:8000'`)
      .replace("only: ['./build', './web'],", "only: ['./build', './web'],\n  exit_policy: 'continue',"),
  );
  up = new DevloopProcess(['up'], { cwd: project.dir, env });
  await up.waitFor(/Forwarding http:\/\/127\.0\.0\.1:\d+/, 180_000);
  const url = `http://127.0.0.1:${port}/`;
  const get = () =>
    fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.text())
      .catch(() => '');
  await eventually(async () => (await get()).includes('Time from'), 60_000);
  // The compile step and the first build settle before the first edit.
  await new Promise((r) => setTimeout(r, 3000));
  verbose('first answer');
  const tmplPath = join(project.dir, 'web/templates/index.tmpl');
  const tmpl = readFileSync(tmplPath, 'utf8');
  const proc = up;

  const e2e: number[] = [];
  const toRestarted: number[] = [];
  const start = proc.mark();
  for (let i = 0; i < EDITS; i++) {
    const marker = `edit-${i}-${Date.now()}`;
    const from = proc.mark();
    const t0 = performance.now();
    writeFileSync(tmplPath, tmpl.replace(GREETING, `<div>${marker}</div>`));
    const restarted = proc.waitFor(/live update example-go: 1 file synced, restarted the process, \d+ ms/, 15_000, from).then(() => performance.now() - t0);
    for (;;) {
      if ((await get()).includes(marker)) break;
      if (performance.now() - t0 > 15_000) throw new Error(`edit ${i} not answered in 15 s:\n${proc.output.slice(from)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    e2e.push(performance.now() - t0);
    toRestarted.push(await restarted);
    verbose(`edit ${i}: ${Math.round(e2e[e2e.length - 1])} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const own = [...proc.output.slice(start).matchAll(/live update example-go: 1 file synced, restarted the process, (\d+) ms/g)].map((m) => Number(m[1]));

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: 'app=example-go' });
  const pod = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)!.metadata!.name!;

  // By hand: one exec that writes the template, stops the running server (the supervisor's child the first time,
  // then the one the last exec started), and starts the server again, detached; then the answer.
  const HAND = [
    'cat > /app/web/templates/index.tmpl',
    // The running servers (the supervisor's child the first time, then the one the last exec started).
    'ps=""; for d in /proc/[0-9]*; do case "`tr "\\0" " " < $d/cmdline 2>/dev/null`" in "node "*/main.js" ") ps="$ps ${d#/proc/}";; esac; done',
    'kill -TERM $ps 2>/dev/null',
    'for p in $ps; do while [ -e /proc/$p ] && [ "`cut -d" " -f3 /proc/$p/stat 2>/dev/null`" != Z ]; do sleep 0.005; done; done',
    'cd /app && setsid build/tilt-example-go >/dev/null 2>&1 </dev/null &',
  ].join('\n');
  verbose('by hand');
  const byHand: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const marker = `hand-${i}-${Date.now()}`;
    const t0 = performance.now();
    await exec(kc, pod, ['sh', '-c', HAND], Buffer.from(tmpl.replace(GREETING, `<div>${marker}</div>`)));
    for (;;) {
      if ((await get()).includes(marker)) break;
      if (performance.now() - t0 > 15_000) throw new Error(`by-hand edit ${i} not answered in 15 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    byHand.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 300));
  }

  // The app's own restart, inside the container: kill, start, poll until the new answer there.
  const probe = `const {spawn}=require('child_process'),fs=require('fs'),http=require('http');
const get=()=>new Promise(ok=>http.get('http://127.0.0.1:8000/',r=>{let d='';r.on('data',c=>d+=c);r.on('end',()=>ok(d))}).on('error',()=>ok('')));
const alive=(p)=>{try{return !/\\) Z /.test(fs.readFileSync('/proc/'+p+'/stat','utf8'))}catch{return false}};
const tmpl=fs.readFileSync('/app/web/templates/index.tmpl','utf8');
const listeners=()=>{const ino=['/proc/net/tcp','/proc/net/tcp6'].flatMap(f=>{try{return fs.readFileSync(f,'utf8').split('\\n').slice(1)}catch{return []}}).map(l=>l.trim().split(/\\s+/)).filter(c=>c[1]&&c[1].endsWith(':1F40')&&c[3]==='0A').map(c=>'socket:['+c[9]+']');
return fs.readdirSync('/proc').filter(d=>/^[0-9]+$/.test(d)).map(Number).filter(p=>{try{return fs.readdirSync('/proc/'+p+'/fd').some(fd=>{try{return ino.includes(fs.readlinkSync('/proc/'+p+'/fd/'+fd))}catch{return false}})}catch{return false}});};
(async()=>{const out=[];for(let i=0;i<${EDITS};i++){await new Promise(r=>setTimeout(r,300));const m='probe-'+i+'-'+Date.now();
fs.writeFileSync('/app/web/templates/index.tmpl',tmpl.replace(/<div>[a-z]+-[0-9]+-[0-9]+<\\/div>/g,'<div>'+m+'</div>'));
const t0=process.hrtime.bigint();
const olds=listeners();
for(const p of olds)try{process.kill(p,'SIGTERM')}catch{}
while(olds.some(alive))await new Promise(r=>setTimeout(r,2));
const c=spawn('build/tilt-example-go',[],{cwd:'/app',detached:true,stdio:'ignore'});c.unref();
for(;;){if((await get()).includes(m))break;if(Number(process.hrtime.bigint()-t0)>15e9)break;await new Promise(r=>setTimeout(r,2));}
out.push(Number(process.hrtime.bigint()-t0)/1e6);}console.log(out.map(x=>x.toFixed(1)).join(' '));})()`;
  verbose('probe');
  const probeOut = await exec(kc, pod, ['node', '-e', probe]);
  verbose(probeOut);
  const appOnly = probeOut
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((n) => n > 0);

  const f = (x: number) => `${Math.round(x)} ms`;
  const goal = pct(appOnly, 0.5) + 100;
  console.log(`| measure (${EDITS} edits each) | p50 | p95 | goal |`);
  console.log('|---|---|---|---|');
  console.log(
    `| save web/templates/index.tmpl → new answer at the port forward (devloop syncs, restarts the process) | ${f(pct(e2e, 0.5))} | ${f(pct(e2e, 0.95))} | p50 ≤ the app's own restart + 100 ms = ${f(goal)}: ${pct(e2e, 0.5) <= goal ? 'met' : 'NOT met'} |`,
  );
  console.log(`| of which save → devloop reports "restarted the process" | ${f(pct(toRestarted, 0.5))} | ${f(pct(toRestarted, 0.95))} | |`);
  console.log(
    `| devloop's own update (pack + exec + verify + restart until the new process runs, from its log line) | ${f(pct(own, 0.5))} | ${f(pct(own, 0.95))} | |`,
  );
  console.log(
    `| baseline: by hand, one exec writing the template, killing and starting the server, then the new answer at the same port forward | ${f(pct(byHand, 0.5))} | ${f(pct(byHand, 0.95))} | |`,
  );
  console.log(`| ratio devloop / by hand (p50) | ${(pct(e2e, 0.5) / pct(byHand, 0.5)).toFixed(2)}x | | |`);
  console.log(
    `| baseline: the app's own restart inside the container (kill → start → first new answer there, no exec, no devloop) | ${f(pct(appOnly, 0.5))} | ${f(pct(appOnly, 0.95))} | |`,
  );
  console.log(
    `| devloop's overhead over the app's own restart (p50 difference) | ${f(pct(e2e, 0.5) - pct(appOnly, 0.5))} | ${f(pct(e2e, 0.95) - pct(appOnly, 0.95))} | ≤ 100 ms |`,
  );
} finally {
  await up?.stop();
  await runDevloop(['down'], { cwd: project.dir, env });
  project.remove();
  await cluster.stop();
}

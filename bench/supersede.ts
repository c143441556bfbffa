/**
 * Saves during builds (issue "reconciler"): fixtures/nodejs-express with `RUN sleep 4` in the app image under
 * `devloop up` on the test cluster. Baseline, same run: one save → the new answer at the port forward (one build
 * and one pod replacement). Then 20 saves 300 ms apart, each with a new message: time from the last save until the
 * port forward answers the last message (goal: within one build time of the baseline), and how many builds were
 * started, cancelled or superseded meanwhile.
 * Run: eval "$(scripts/dev-env.sh up)" && npx tsc -p . && node dist/bench/supersede.js
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { runGuarded } from './guard.js';
import { BIN, TimedProcess, fixtureCopy, fmt, freePort, run, setMessage, sleep, startClusterProcess, untilAnswers } from './loop.js';

const SAVES = 20;
const GAP_MS = 300;

await runGuarded('supersede', 300_000, async (temps, cleanups) => {
  const cluster = await startClusterProcess(temps);
  cleanups.push(() => cluster.stop());
  const env = { KUBECONFIG: cluster.kubeconfigPath };
  const port = await freePort();
  const dir = fixtureCopy(temps, port);
  appendFileSync(path.join(dir, 'app.dockerfile'), '\nRUN sleep 4\n');
  const up = new TimedProcess(['up'], { cwd: dir, env });
  cleanups.push(async () => {
    up.child.kill('SIGINT');
    await up.exited;
    await run(process.execPath, [BIN, 'down'], { cwd: dir, env: { ...env, NO_COLOR: '1' } }).catch(() => '');
  });
  await up.waitFor(/✓ ready/, 180_000);
  await untilAnswers(port, 'Hello', performance.now() + 60_000);

  // Baseline: one save, one build, one new pod.
  let t0 = performance.now();
  setMessage(dir, 'baseline-1');
  const one = (await untilAnswers(port, 'baseline-1', performance.now() + 60_000)) - t0;

  const mark = up.mark();
  for (let i = 1; i <= SAVES; i++) {
    setMessage(dir, `burst-${i}`);
    if (i < SAVES) await sleep(GAP_MS);
  }
  t0 = performance.now();
  const converged = (await untilAnswers(port, `burst-${SAVES}`, performance.now() + 120_000)) - t0;
  await sleep(1000);
  const out = up.text(mark);
  const count = (re: RegExp) => (out.match(re) ?? []).length;
  console.log('| measure | value |\n|---|---|');
  console.log(`| one save → new answer (one build + new pod), baseline | ${fmt(one)} |`);
  console.log(`| ${SAVES} saves ${GAP_MS} ms apart: last save → last message answers | ${fmt(converged)} (${(converged / one).toFixed(2)}x one build) |`);
  console.log(
    `| app image builds started / cancelled or superseded | ${count(/Building Dockerfile: \[nodejs-express-app-image\]/g)} / ${count(/Superseded by newer changes/g)} |`,
  );
  console.log(`| applies during the burst (only the last save's image) | ${count(/Applying \d+ objects? to the cluster/g)} |`);
  const last = [...out.matchAll(/DONE IN: ([\d.]+)s/g)].at(-1)?.[1];
  if (last) console.log(`| the last build alone (its DONE IN) | ${fmt(Number(last) * 1000)} |`);
});

/**
 * The web UI's figures (issue: dashboard), in Debian's chromium via playwright-core, against the real control
 * server fed by a fake engine and the real EventHub:
 *  1. first paint with 100 resources (navigation start → the list drawn), median of 5 fresh page loads;
 *  2. 10,000 log lines a second for 10 s: lines the page received and dropped, its frame rate, and the server's
 *     event-loop delay (what the engine's own latency rides on) with and without the page reading;
 *  3. the hub's memory after 1,000,000 log lines (history and a stalled reader's queue), against its cap.
 * Usage: npm run build && node --expose-gc dist/bench/ui.js
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startControlServer, type ControlEngine } from '../src/engine/control-server.js';
import { EventHub } from '../src/engine/event-hub.js';
import type { ResourceStatus } from '../src/engine/status-board.js';
import type { Resource } from '../src/resolve/resources.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { runGuarded } from './guard.js';

const PHASES = ['ready', 'building', 'pending', 'failed', 'waiting', 'disabled', 'runtime'] as const;

function fakeEngine(n: number): ControlEngine {
  const status = new Map<string, ResourceStatus>();
  const res = new Map<string, Resource>();
  for (let i = 0; i < n; i++) {
    const name = `service-${String(i).padStart(3, '0')}`;
    status.set(name, {
      name,
      type: i % 5 ? 'k8s' : 'local',
      phase: PHASES[i % PHASES.length],
      reason: 'fake',
      triggerMode: i % 3 ? 'auto' : 'manual',
      pendingFiles: [],
      everReady: true,
      updates: 1,
      readySince: Date.now(),
    });
    res.set(name, {
      name,
      type: 'k8s',
      objects: [],
      images: [],
      portForwards: [{ host: '', localPort: 8000 + i, containerPort: 80, text: '' }],
      resourceDeps: [],
      triggerMode: 'auto',
      autoInit: true,
      labels: [`team-${i % 10}`],
      links: [`https://example.test/${name}`],
      extraPodSelectors: [],
      podReadiness: 'wait',
    });
  }
  return {
    status,
    configError: undefined,
    trigger: () => {},
    resource: (x) => res.get(x),
    podsOf: () => [],
    resolved: undefined as never,
    enablement: { isDisabled: () => false } as never,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

await runGuarded('ui bench', 240_000, async (temps, cleanups) => {
  const dir = mkdtempSync(join(tmpdir(), 'devloop-bench-ui-'));
  temps.push(dir);
  writeFileSync(join(dir, 'devloop.ts'), '');
  const hub = new EventHub();
  for (let i = 0; i < 200; i++) hub.push({ type: 'log', source: `service-${String(i % 100).padStart(3, '0')}`, text: `startup line ${i}` });
  const server = await startControlServer(fakeEngine(100), join(dir, 'devloop.ts'), 0, undefined, hub);
  cleanups.push(() => server.close());
  const url = `http://127.0.0.1:${server.port}/?token=${server.token}`;
  const b = await launchBrowser();
  cleanups.push(() => b.close());

  // 1. First paint with 100 resources.
  const paints: number[] = [];
  const fcps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await b.context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready]');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const t = await page.evaluate(() => ({
      list: performance.getEntriesByName('devloop-resources')[0]?.startTime ?? -1,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
      rows: document.querySelectorAll('[data-resource]').length,
    }));
    if (t.rows !== 100) throw new Error(`expected 100 rows, got ${t.rows}`);
    paints.push(t.list);
    fcps.push(t.fcp);
    await page.close();
  }
  console.log(
    `first paint, 100 resources: list drawn at ${median(paints).toFixed(0)} ms (median of 5: ${paints.map((x) => x.toFixed(0)).join(', ')}), first contentful paint ${median(fcps).toFixed(0)} ms`,
  );

  // 2. 10,000 lines/s for 10 s.
  const feed = async (seconds: number) => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < seconds * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * 10_000);
      for (; sent < due; sent++)
        hub.push({
          type: 'log',
          source: `service-${String(sent % 100).padStart(3, '0')}`,
          text: `GET /api/items/${sent} 200 in ${sent % 97} ms user=${sent % 13} trace=${(sent * 2654435761) % 4294967296}`,
        });
      await new Promise((r) => setTimeout(r, 10));
    }
    delay.disable();
    return { sent, p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
  };
  const alone = await feed(3);
  console.log(`server alone, 10,000 lines/s: event-loop delay p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms`);
  const page = await b.context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready]');
  const base = (await page.evaluate(() => (window as any).devloopStats())) as { lines: number };
  await page.evaluate(() => {
    const w = window as any;
    w.frames_ = [];
    const tick = (t: number) => {
      w.frames_.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const withPage = await feed(10);
  await new Promise((r) => setTimeout(r, 1000));
  const st = await page.evaluate(() => {
    const w = window as any;
    const f: number[] = w.frames_;
    const gaps = f
      .slice(1)
      .map((x, i) => x - f[i])
      .sort((a, b) => a - b);
    return {
      ...w.devloopStats(),
      frames: f.length,
      span: f.at(-1)! - f[0],
      gapP50: gaps[Math.floor(gaps.length / 2)],
      gapP99: gaps[Math.floor(gaps.length * 0.99)],
      gapMax: gaps.at(-1),
      heap: (performance as any).memory?.usedJSHeapSize ?? 0,
      shown: document.querySelectorAll('.log-line').length,
    };
  });
  console.log(
    `page reading 10,000 lines/s for 10 s: sent ${withPage.sent}, page received ${st.lines - base.lines}, dropped ${st.dropped}, kept ${st.kept}, rows in DOM ${st.shown}; ${(st.frames / (st.span / 1000)).toFixed(1)} frames/s, frame gap p50 ${st.gapP50.toFixed(1)} ms, p99 ${st.gapP99.toFixed(1)} ms, max ${st.gapMax.toFixed(0)} ms; page JS heap ${mb(st.heap)} MB`,
  );
  console.log(
    `server with the page reading: event-loop delay p50 ${withPage.p50.toFixed(1)} ms, p99 ${withPage.p99.toFixed(1)} ms (alone: ${alone.p50.toFixed(1)} / ${alone.p99.toFixed(1)} ms)`,
  );
  await page.close();

  // 3. The hub after 1,000,000 lines, with one reader that never reads.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  const before = process.memoryUsage().heapUsed;
  const big = new EventHub();
  const stalled = big.subscribe(() => {});
  const t0 = performance.now();
  for (let i = 0; i < 1_000_000; i++)
    big.push({
      type: 'log',
      source: `service-${String(i % 100).padStart(3, '0')}`,
      text: `GET /api/items/${i} 200 in ${i % 97} ms user=${i % 13} trace=${(i * 2654435761) % 4294967296}`,
    });
  const ms = performance.now() - t0;
  gc();
  const after = process.memoryUsage().heapUsed;
  const drained = stalled.drain();
  console.log(
    `hub after 1,000,000 lines: +${mb(after - before)} MB heap (history ${20_000} events, a stalled reader's queue ${drained.length - 1} + a 'dropped ${(drained[0].event as { count: number }).count}' note), pushed in ${ms.toFixed(0)} ms (${((ms * 1000) / 1e6).toFixed(2)} µs a line)`,
  );
  stalled.close();
});

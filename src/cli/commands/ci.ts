/** `devloop ci`: with --dry-run, print the rendered manifests (stdout) and the plan (stderr); otherwise run the loop once and exit 0 or 1. */
import { loadProject } from '../../app/load.js';
import { stringifyJson } from '../../model/exact-json.js';
import { stringifyYaml } from '../../model/yaml.js';
import { startSession } from '../../app/session.js';
import type { Engine } from '../../engine/engine.js';
import type { CommonOptions } from '../main.js';
import { planReport } from '../plan-report.js';
import { color, duration, type Output } from '../output.js';
import { RingLog } from '../ring-log.js';
import { parseDuration } from '../duration.js';
import { renderError } from '../errors.js';
import { createUi } from '../tty.js';
import { crashLogs } from '../crash-logs.js';

export interface CiOptions extends CommonOptions {
  dryRun?: boolean;
  output?: 'yaml' | 'json';
  timeout?: string;
}

export async function ciCommand(opts: CiOptions, o: Output, args: string[] = []): Promise<number> {
  return opts.dryRun ? dryRun(opts, o, args) : ciRun(opts, o, args);
}

async function dryRun(opts: CiOptions, o: Output, args: string[]): Promise<number> {
  const cwd = process.cwd();
  const invocation = { args, subcommand: 'ci', context: opts.context, namespace: opts.namespace };
  const { resolved, evalMs, resolveMs, configFile } = await loadProject(cwd, opts.file, {}, invocation);
  for (const l of resolved.plan.logs) o.err(l);
  o.err(`Loaded ${configFile} in ${duration(evalMs)}, resolved in ${duration(resolveMs)}`);
  for (const l of planReport(resolved, cwd)) o.err(l);
  o.out(renderObjects(resolved.rendered, opts.output ?? 'yaml'));
  return 0;
}

export function renderObjects(objects: object[], format: 'yaml' | 'json'): string {
  // Integers beyond 2^53 stay exact; strings YAML 1.1 would type (yes, 0755) are quoted, so kubectl reads the same back.
  if (format === 'json') return `${stringifyJson({ apiVersion: 'v1', kind: 'List', items: objects }, 2)}\n`;
  return objects.map((obj) => stringifyYaml(obj)).join('---\n');
}

async function ciRun(opts: CiOptions, out: Output, args: string[]): Promise<number> {
  if (opts.timeout !== undefined) parseDuration(opts.timeout); // a bad --timeout fails before anything runs
  const t0 = performance.now();
  const ui = await createUi(out, opts);
  try {
    return await ciLoop(opts, ui.output, new RingLog(ui.log), (engine) => ui.watch(engine), t0, args);
  } finally {
    ui.close();
  }
}

async function ciLoop(opts: CiOptions, o: Output, log: RingLog, watch: (e: Engine) => void, t0: number, args: string[]): Promise<number> {
  const session = await startSession({ cwd: process.cwd(), file: opts.file, context: opts.context, namespace: opts.namespace, mode: 'ci', log, args });
  const { engine } = session;
  // --timeout wins over the config's ci_settings(timeout), which wins over 30 minutes.
  const fromConfig = engine.resolved.plan.settings?.ciTimeoutSecs;
  const timeoutText = opts.timeout ?? (fromConfig !== undefined ? `${fromConfig}s` : '30m');
  const timeoutMs = opts.timeout !== undefined ? parseDuration(opts.timeout) : fromConfig !== undefined ? fromConfig * 1000 : parseDuration('30m');
  watch(engine);
  let timer: NodeJS.Timeout | undefined;
  try {
    engine.start();
    const timeout = new Promise<'timeout'>((ok) => {
      if (timeoutMs > 0) timer = setTimeout(() => ok('timeout'), timeoutMs);
    });
    const result = await Promise.race([engine.waitForCi(), timeout]);
    if (result === 'timeout') {
      const waiting = [...engine.status.values()].filter((s) => s.phase !== 'ready' && s.phase !== 'disabled');
      o.err(
        color.red(
          `error: timed out after ${timeoutText}: ${waiting.length} resource${waiting.length === 1 ? '' : 's'} not ready: ${waiting.map((s) => `${s.name} (${s.reason})`).join(', ')}`,
        ),
      );
      o.err(color.yellow('hint: raise --timeout if they only need longer; otherwise look at the lines above for why they are not ready'));
      return 1;
    }
    if (!result.ok && result.failed) {
      const f = result.failed;
      o.err('');
      o.err(color.red(`FAILED: ${f.name}: ${f.reason}`));
      const lines = log.last(f.name);
      if (lines.length) {
        o.err(`Last lines of ${f.name}:`);
        for (const l of lines) o.err(`  ${l}`);
      }
      if (/CrashLoopBackOff/.test(f.reason)) {
        for (const c of await crashLogs(session.cluster, engine.podsOf(f.name))) {
          o.err(c.heading);
          for (const l of c.lines) o.err(`  ${l}`);
          if (c.error) o.err(`  (${c.error})`);
          else if (c.lines.length === 0) o.err('  (it printed nothing)');
        }
      }
      if (f.error && f.error.code !== 'runtime-failed') renderError(f.error, o, Boolean(opts.debug));
      return 1;
    }
    const all = [...engine.status.values()];
    const ran = all.filter((s) => s.phase !== 'disabled');
    const off = all.filter((s) => s.phase === 'disabled').map((s) => s.name);
    const notStarted = off.length ? `; not started (auto_init: false or trigger_mode manual): ${off.join(', ')}` : '';
    o.err(color.green(`SUCCESS. All ${ran.length} resource${ran.length === 1 ? ' is' : 's are'} ready${notStarted} (${duration(performance.now() - t0)}).`));
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    await engine.stop();
    session.cluster.close();
  }
}

/** `devloop build`: evaluate, build (and push) every image in dependency order, print a summary, exit 0 or 1. */
import { loadProject } from '../../app/load.js';
import { createImageBuilder } from '../../app/docker.js';
import { buildImages, type PushPolicy } from '../../engine/build/scheduler.js';
import { imageSources } from '../../resolve/sources.js';
import { renderError } from '../errors.js';
import { color, duration, type Output } from '../output.js';
import { execaRunner } from '../../adapters/process/execa-runner.js';
import type { CommonOptions } from '../main.js';
import { createUi } from '../tty.js';

export async function buildCommand(opts: CommonOptions, out: Output): Promise<number> {
  const t0 = performance.now();
  const { resolved, configFile, evalMs } = await loadProject(
    process.cwd(),
    opts.file,
    {},
    { args: [], subcommand: 'build', context: opts.context, namespace: opts.namespace },
  );
  const ui = await createUi(out, opts);
  const { log, output: o } = ui;
  try {
    for (const l of resolved.plan.logs) o.err(l);
    o.err(`Loaded ${configFile} (${duration(evalMs)})`);
    for (const w of resolved.warnings) o.err(color.yellow(`warning: ${w}`));
    const builder = await createImageBuilder(log);
    const push: PushPolicy = resolved.registry ? { enabled: true, registryHost: resolved.registry.host } : { enabled: false };
    o.err(
      resolved.registry
        ? `Images reach the cluster through the registry ${resolved.registry.host} (default_registry in ${configFile.split('/').pop()}).`
        : 'Not pushing: no default_registry in the config (devloop up and ci also use a registry the cluster advertises).',
    );
    const outcomes = await buildImages(resolved.images, {
      builder,
      processes: execaRunner,
      log,
      push,
      reason: 'Initial Build',
      sourceOf: imageSources(resolved),
      parallelism: resolved.plan.settings?.maxParallelUpdates,
    });
    ui.close(); // the summary is the last thing on the screen, with no footer under it
    const list = [...outcomes.values()];
    const count = (s: string) => list.filter((x) => x.status === s).length;
    const failed = list.filter((x) => x.status === 'failed');
    for (const f of failed) renderError(f.error, o, Boolean(opts.debug));
    const parts = [`${count('built')} built`, `${count('up-to-date')} up to date`];
    if (count('failed')) parts.push(`${count('failed')} failed`);
    if (count('skipped')) parts.push(`${count('skipped')} not built because a base image failed`);
    const pushed = list.filter((x) => x.pushed).length;
    if (pushed) parts.push(`${pushed} pushed`);
    const line = `${failed.length ? 'FAILED' : 'OK'}: ${list.length} image${list.length === 1 ? '' : 's'}: ${parts.join(', ')} (${duration(performance.now() - t0)})`;
    o.err(failed.length ? color.red(line) : color.green(line));
    return failed.length ? 1 : 0;
  } finally {
    ui.close();
  }
}

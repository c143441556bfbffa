/** The argv of the CLI views on a running `up`: logs, describe, wait, enable, disable (their handlers: commands/). */
import { type Command, Option } from 'commander';

type Run = (name: 'logs' | 'describe' | 'wait' | 'enable' | 'disable') => (...a: unknown[]) => Promise<void>;

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerViews(program: Command, common: (c: Command) => Command, run: Run): void {
  // -f is --follow here, as in kubectl logs and tilt logs; the config file is --file.
  program
    .command('logs')
    .description('print the lines of the running `devloop up` (all resources, or those named)')
    .argument('[RESOURCE...]')
    .option('--file <FILE>', 'the config file (default: devloop.ts, devloop.mts, devloop.js or devloop.mjs in this directory)')
    .option('--debug', 'show internal details and stack traces')
    .option('-f, --follow', 'keep printing new lines until devloop up stops or Ctrl-C')
    .option('--since <DURATION>', 'only lines from the last DURATION, e.g. 5m, 30s')
    .addOption(
      new Option('--source <SOURCE>', "only build lines (build, apply, live update), runtime lines (containers, pods) or devloop's own").choices([
        'build',
        'runtime',
        'system',
      ]),
    )
    .addOption(new Option('--level <LEVEL>', 'only lines at this level or above').choices(['info', 'warn', 'error']))
    .action(run('logs'));
  common(
    program
      .command('describe')
      .description('show a resource of the running `devloop up`: objects, images and refs, pods, endpoints, recent updates and why')
      .argument('<RESOURCE>'),
  )
    .addOption(new Option('-o, --output <FORMAT>', 'output format').choices(['text', 'json']).default('text'))
    .action(run('describe'));
  common(
    program
      .command('wait')
      .description('wait until resources of the running `devloop up` are ready or updated (exit 0; 3 on timeout; 1 on error or a failed update)')
      .argument('[RESOURCE...]'),
  )
    .addOption(
      new Option('--for <CONDITION>', 'ready: every resource is ready; updated: each finished an update started after wait began')
        .choices(['ready', 'updated'])
        .default('ready'),
    )
    .option('--timeout <DURATION>', 'give up after this long (exit 3), e.g. 90s, 2m; 0: never', '2m')
    .action(run('wait'));
  for (const [verb, what] of [
    ['enable', 'resume updating resources of the running `devloop up` (each is updated now)'],
    ['disable', 'stop updating resources of the running `devloop up` and stop their port forwards (deployed objects stay)'],
  ] as const) {
    common(program.command(verb).description(what).argument('[RESOURCE...]'))
      .option('-l, --label <LABEL>', 'every resource with this label (repeatable)', collect)
      .action(run(verb));
  }
}

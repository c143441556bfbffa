/** devloop's command line: parses argv, runs a command, renders errors, returns the exit code. */
import { delimiter, resolve as resolvePath } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DevloopError } from '../model/errors.js';
import { renderError } from './errors.js';
import { processOutput, type Output } from './output.js';
import { registerViews } from './views.js';

export interface CommonOptions {
  file?: string;
  kubeconfig?: string;
  debug?: boolean;
  context?: string;
  namespace?: string;
  /** Plain lines even on a terminal: no status footer. */
  plain?: boolean;
}

type Handler = (opts: Record<string, unknown> & CommonOptions, o: Output, args: string[]) => Promise<number>;

function lazy(load: () => Promise<Handler>): Handler {
  return async (opts, o, args) => (await load())(opts, o, args);
}

const handlers = {
  ci: lazy(async () => (await import('./commands/ci.js')).ciCommand),
  up: lazy(async () => (await import('./commands/up.js')).upCommand),
  down: lazy(async () => (await import('./commands/down.js')).downCommand),
  build: lazy(async () => (await import('./commands/build.js')).buildCommand),
  trigger: lazy(async () => (await import('./commands/control.js')).triggerCommand),
  get: lazy(async () => (await import('./commands/get.js')).getCommand),
  logs: lazy(async () => (await import('./commands/logs.js')).logsCommand),
  describe: lazy(async () => (await import('./commands/describe.js')).describeCommand),
  wait: lazy(async () => (await import('./commands/wait.js')).waitCommand),
  enable: lazy(async () => (await import('./commands/enable.js')).enableCommand),
  disable: lazy(async () => (await import('./commands/enable.js')).disableCommand),
  init: lazy(async () => (await import('./commands/init.js')).initCommand),
};

export async function main(argv: string[], o: Output = processOutput): Promise<number> {
  let code = 0;
  let debug = argv.includes('--debug');
  // Commands that evaluate devloop.ts start its thread first (config/evaluate.ts), so that its start-up overlaps devloop's own.
  if (argv.slice(2).some((a) => a === 'up' || a === 'ci' || a === 'build' || a === 'down')) void import('../config/evaluate.js');
  const program = new Command('devloop')
    .description('A dev loop for Kubernetes: build images, deploy them, and keep the cluster in step with your files.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => o.out(s), writeErr: (s) => o.err(s.trimEnd()) })
    .showSuggestionAfterError(true);

  const common = (c: Command): Command =>
    c
      .option('-f, --file <FILE>', 'the config file (default: devloop.ts, devloop.mts, devloop.js or devloop.mjs in this directory)')
      .option('--kubeconfig <FILE>', "kubeconfig file(s) to use, ':'-separated (default: $KUBECONFIG, else ~/.kube/config)")
      .option('--context <NAME>', 'kubeconfig context to use (default: the current context)')
      .option('-n, --namespace <NS>', "namespace for objects that name none (default: the context's namespace)")
      .option('--debug', 'show internal details and stack traces');
  const plain = ['--plain', 'plain lines, no status footer (the default without a terminal, or with CI or NO_COLOR set)'] as const;

  const run =
    (name: keyof typeof handlers) =>
    async (...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      const opts = cmd.opts() as Record<string, unknown> & CommonOptions;
      debug = Boolean(opts.debug);
      // As KUBECONFIG for everything this command runs: the cluster client, and the commands of local_resource and
      // custom_build (a kubectl there reaches the same cluster).
      if (typeof opts.kubeconfig === 'string')
        process.env.KUBECONFIG = opts.kubeconfig
          .split(delimiter)
          .map((f) => resolvePath(f))
          .join(delimiter);
      code = await handlers[name](opts, o, cmd.args);
    };

  const resourceArgs = 'resources to run (with their resource_deps), or with config.parse() in the config, its args; put flags for the config after --';
  common(program.command('up').description('build, deploy and watch: keep the cluster in step with your files').argument('[ARGS...]', resourceArgs))
    .option('--no-watch', 'build and deploy once, then keep streaming logs without watching files')
    .option('--port <PORT>', 'port of the web UI and control API (default: 10350; a free one if busy; 0: any free port)')
    .option('--host <HOST>', 'address the web UI listens on (default: 127.0.0.1)')
    .option('--no-browser', 'do not open the web UI in a browser (it opens only on a terminal)')
    .option('--verbose', 'on a terminal, every line of a build (the Dockerfile, each builder step, push progress), not one line per step')
    .option('--disable-port-forwards', "forward no ports (the config's port_forwards are not started)")
    .option(...plain)
    .action(run('up'));
  common(
    program.command('ci').description('build and deploy once; exit 0 when every resource is ready, 1 as soon as one fails').argument('[ARGS...]', resourceArgs),
  )
    .option('--dry-run', 'print the manifests with the built refs injected; needs neither Docker nor a cluster')
    .addOption(new Option('-o, --output <FORMAT>', 'format of --dry-run output').choices(['yaml', 'json']).default('yaml'))
    .option('--timeout <DURATION>', 'give up after this long, e.g. 90s, 10m (0: never; default: ci_settings timeout, else 30m)')
    .option(...plain)
    .option('--verbose', 'on a terminal, every line of a build, not one line per step')
    .action(run('ci'));
  common(program.command('down').description('delete every object devloop applied for this project'))
    .option('--delete-namespaces', 'also delete namespaces devloop created')
    .option('--force', 'with --delete-namespaces: delete a namespace even when it holds objects devloop did not make')
    .action(run('down'));
  common(program.command('build').description('build (and push) every image, in dependency order'))
    .option(...plain)
    .option('--verbose', 'on a terminal, every line of a build, not one line per step')
    .action(run('build'));
  common(program.command('trigger').description('ask the running `devloop up` to update a resource now').argument('<RESOURCE>')).action(run('trigger'));
  common(program.command('get').description('show the resources of the running `devloop up`').argument('[RESOURCE]'))
    .addOption(new Option('-o, --output <FORMAT>', 'output format').choices(['table', 'wide', 'json', 'yaml']).default('table'))
    .action(run('get'));
  registerViews(program, common, run);

  program
    .command('init')
    .description('write a devloop.ts translated from a Tiltfile, and list what to port or check by hand')
    .requiredOption('--from <TILTFILE>', 'the Tiltfile to translate')
    .option('-o, --output <FILE>', 'where to write (default: devloop.ts next to the Tiltfile; - for stdout)')
    .option('--force', 'overwrite the output file if it exists')
    .option('--debug', 'show internal details and stack traces')
    .action(run('init'));

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    renderError(e, o, debug);
    return 1;
  }
}

export function notAvailable(what: string): never {
  throw new DevloopError('not-available', `${what} is not available in this version of devloop`, {
    hint: 'use `devloop ci --dry-run` to see what would be deployed',
  });
}

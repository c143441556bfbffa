// Runs one test cluster in the foreground until SIGTERM or SIGINT (scripts/test-cluster.sh starts it in the
// background). Usage: node dist/test/cluster/cli.js --dir DIR [--port N]
// Writes DIR/kubeconfig, then DIR/ready holding the server URL; removes its containers when it stops.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { startTestCluster } from './index.js';
import { sweepLeftovers } from './runtime/sweeper.js';

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  if (process.argv.includes('--sweep')) {
    try {
      const n = await sweepLeftovers(new Docker());
      process.stderr.write(`removed ${n} leftover container(s)\n`);
    } catch (e) {
      const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : '/var/run/docker.sock (DOCKER_HOST is not set)';
      process.stderr.write(
        `could not look for leftover containers: the Docker engine at ${where} did not answer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set DOCKER_HOST, e.g. eval "$(scripts/dev-env.sh up)"\n`,
      );
      process.exitCode = 1;
    }
    return;
  }
  const dir = arg('--dir');
  if (!dir) throw new Error('usage: cli.js --dir DIR [--port N]');
  mkdirSync(dir, { recursive: true });
  const cluster = await startTestCluster({
    dir,
    port: arg('--port') ? Number(arg('--port')) : undefined,
    log: process.env.DEVLOOP_TEST_CLUSTER_DEBUG ? undefined : () => {},
  });
  writeFileSync(join(dir, 'ready'), cluster.server + '\n');
  process.stdout.write(`test cluster ${cluster.id} serving ${cluster.server}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write('stopping took more than 20 s: exiting anyway\n');
      process.exit(1);
    }, 20_000).unref();
    cluster.stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`stopping: ${e?.stack ?? e}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});

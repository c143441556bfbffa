/** Everything `up` and `ci` do before the loop runs: evaluate, connect (refusing non-local contexts), decide image delivery, resolve. */
import { evaluateConfig, findConfig, type Invocation } from '../config/evaluate.js';
import { Engine } from '../engine/engine.js';
import { projectId } from '../engine/labels.js';
import type { Log } from '../engine/log.js';
import { resolve } from '../resolve/resolve.js';
import { ownOutputFiles } from '../files/own-output.js';
import { execaRunner } from '../adapters/process/execa-runner.js';
import { checkPlanDeploysSomething, checkResolvedDeploysSomething } from '../resolve/nothing-to-deploy.js';
import { SecretScrubber, scrubbingLog } from '../engine/secret-scrub.js';
// './cluster.js' (@kubernetes/client-node) and './docker.js' (dockerode) are imported by startSession, not here:
// `ci --dry-run` imports this module but never starts a session, so it loads neither.
import type { K8sCluster } from '../adapters/k8s/cluster.js';
import type { ImageBuilder } from '../ports/image-builder.js';

export interface SessionOptions {
  cwd: string;
  file?: string;
  context?: string;
  namespace?: string;
  mode: 'up' | 'ci';
  log: Log;
  args?: string[];
  disablePortForwards?: boolean;
}

export interface Session {
  engine: Engine;
  cluster: K8sCluster;
  builder?: ImageBuilder;
  configFile: string;
  project: string;
}

export async function startSession(o: SessionOptions): Promise<Session> {
  const configFile = findConfig(o.cwd, o.file);
  const invocation: Invocation = { args: o.args ?? [], subcommand: o.mode, context: o.context, namespace: o.namespace };
  // The config runs in its own thread (config/evaluate.ts) while this one loads the cluster and engine clients.
  const [ev, { checkContext, connectCluster, decideDelivery, describeContext }, { createImageBuilder }] = await Promise.all([
    evaluateConfig(configFile, { invocation }),
    import('./cluster.js'),
    import('./docker.js'),
  ]);
  if (!ev.ok) throw ev.error;
  for (const l of ev.plan.logs) o.log.line('', l);
  o.log.line('', `Loaded ${configFile} (${Math.round(ev.durationMs)}ms)`);
  checkPlanDeploysSomething(ev.plan);
  const cluster = connectCluster({ context: o.context, namespace: o.namespace });
  try {
    checkContext(cluster, ev.plan);
    describeContext(cluster, o.log);
    await cluster.ping();
    const delivery = await decideDelivery(cluster, ev.plan);
    o.log.line('', delivery.message);
    const resolved = resolve(ev.plan, { clusterRegistry: delivery.clusterRegistry, exclude: ownOutputFiles() });
    checkResolvedDeploysSomething(resolved);
    for (const w of resolved.warnings) o.log.line('', `warning: ${w}`);
    const builder = resolved.images.length ? await createImageBuilder(o.log) : noBuilder;
    const project = projectId(configFile);
    // Secret values never reach the log (secret_settings({ disable_scrub: true }) keeps them), as in Tilt.
    let made: Engine | undefined;
    const log = ev.plan.settings?.disableScrub ? o.log : scrubbingLog(o.log, new SecretScrubber(), () => (made?.resolved ?? resolved).rendered);
    const engine = new Engine(resolved, {
      mode: o.mode,
      builder,
      processes: execaRunner,
      cluster,
      log,
      project,
      push: delivery.push,
      clusterRegistry: delivery.clusterRegistry,
      evaluate: () => evaluateConfig(configFile, { invocation }),
      cwd: o.cwd,
      disablePortForwards: o.disablePortForwards,
    });
    made = engine;
    return { engine, cluster, builder, configFile, project };
  } catch (e) {
    cluster.close();
    throw e;
  }
}

const unused = () => Promise.reject(new Error('no images to build'));
const noBuilder: ImageBuilder = { engineInfo: unused, build: unused, imageExists: unused, tag: unused, push: unused, registryHasTag: unused };

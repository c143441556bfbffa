// startTestCluster(): a Kubernetes API server on 127.0.0.1 whose pods run as containers on the Docker engine
// at DOCKER_HOST (always --network none), and a kubeconfig for it. Test infrastructure, never product code.
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Objects } from './api/objects.js';
import { ResourceRegistry } from './api/resources.js';
import { Store } from './api/store.js';
import { builtinKinds, type ControllerContext } from './controllers/context.js';
import { CrdController } from './controllers/crd.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { DeploymentController } from './controllers/deployment.js';
import { EventRecorder } from './controllers/events.js';
import { GarbageCollector } from './controllers/gc.js';
import { JobController } from './controllers/job.js';
import { ControllerManager } from './controllers/manager.js';
import { NamespaceController } from './controllers/namespace.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { ApiServer } from './http/server.js';
import { Kubelet } from './kubelet/kubelet.js';
import { CONTEXT, writeKubeconfig } from './kubeconfig.js';
import { DockerRuntime } from './runtime/docker.js';
import { sweepLeftoverDirs, sweepLeftovers, TMP_PREFIX } from './runtime/sweeper.js';
import type { PodRuntime } from './runtime/types.js';
import { seed } from './seed.js';
import { podStreams } from './streams/index.js';

export interface TestClusterOptions {
  /** the engine pods run on; default: new Docker(), which honours DOCKER_HOST */
  docker?: Docker;
  /** another pod runtime instead of Docker (then nothing is swept) */
  runtime?: PodRuntime;
  /** advertised in kube-public/local-registry-hosting; default $DEVLOOP_REGISTRY or 127.0.0.1:5005 */
  registryHost?: string;
  /** directory for the kubeconfig; default a fresh temporary directory, removed by stop() */
  dir?: string;
  /** default: a free port */
  port?: number;
  /** request and error log; default stderr when DEVLOOP_TEST_CLUSTER_DEBUG is set */
  log?: (line: string) => void;
}

export interface TestCluster {
  /** http://127.0.0.1:PORT */
  server: string;
  kubeconfigPath: string;
  context: string;
  /** labels every container of this server: devloop-test-cluster=<id> */
  id: string;
  /** the object service, for tests that want to look behind the API */
  objects: Objects;
  /** stops serving and removes every container this server started */
  stop(): Promise<void>;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const id = randomBytes(4).toString('hex');
  const log = opts.log ?? (process.env.DEVLOOP_TEST_CLUSTER_DEBUG ? (l: string) => process.stderr.write(`[test-cluster ${id}] ${l}\n`) : () => {});
  const docker = opts.runtime ? undefined : (opts.docker ?? new Docker());
  if (docker) await sweepLeftovers(docker).catch((e) => log(`sweep: ${e}`));
  sweepLeftoverDirs(tmpdir());
  const runtime = opts.runtime ?? new DockerRuntime(docker!, id);

  const registry = new ResourceRegistry();
  const store = new Store();
  const objects = new Objects(store, registry);
  const kinds = builtinKinds(registry);
  const manager = new ControllerManager(store, (e) => log(`controller: ${(e as Error)?.stack ?? e}`));
  const events = new EventRecorder(objects, kinds.events);
  const ctx: ControllerContext = { objects, registry, kinds, events, manager };
  const crds = new CrdController(ctx);
  store.subscribe((e) => crds.onEvent(e));
  for (const c of [
    new DeploymentController(ctx),
    new ReplicaSetController(ctx),
    new StatefulSetController(ctx),
    new DaemonSetController(ctx),
    new JobController(ctx),
    new GarbageCollector(ctx),
    new NamespaceController(ctx),
    crds,
  ])
    manager.add(c);
  manager.start();
  seed(objects, registry, opts.registryHost ?? process.env.DEVLOOP_REGISTRY ?? '127.0.0.1:5005');

  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `${TMP_PREFIX}${process.pid}-`));
  const podsDir = join(dir, `pods-${id}`);
  const kubelet = new Kubelet(store, kinds.pods, { objects, registry, runtime, events, log, podsDir });
  kubelet.start();
  const http = new ApiServer({ objects, registry, streams: podStreams(kubelet, runtime), log });
  const port = await http.listen(opts.port ?? 0);
  const server = `http://127.0.0.1:${port}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, server);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      manager.stop();
      await http.close();
      // the containers must go even if the engine misbehaves for some of them: removeAll() is the backstop
      await kubelet.stop().catch((e) => log(`stopping pods: ${e}`));
      await runtime.removeAll().catch((e) => log(`removing containers: ${e}`));
      rmSync(opts.dir ? podsDir : dir, { recursive: true, force: true });
    })());
  return { server, kubeconfigPath, context: CONTEXT, id, objects, stop };
}

export type { PodRuntime };

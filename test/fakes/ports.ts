/** Fakes of devloop's ports, for unit tests of the engine's logic (the e2e tests use the real engine, registry and API server). */
import { PassThrough, type Duplex } from 'node:stream';
import type { AdvertisedRegistry, Cluster, ClusterInfo, ExecResult, KObject, ObjectRef, PodEvent, PodView, Stoppable } from '../../src/ports/cluster.js';
import type { BuildOutput, BuildResult, DockerBuildRequest, EngineInfo, ImageBuilder, PushResult } from '../../src/ports/image-builder.js';

export class FakeBuilder implements ImageBuilder {
  readonly built: string[] = [];
  readonly pushed: string[] = [];
  readonly images = new Set<string>();
  failing = new Set<string>();
  failWhen: (req: DockerBuildRequest) => boolean = () => false;
  async engineInfo(): Promise<EngineInfo> {
    return { version: 'fake', apiVersion: '1.41', buildkit: true, hasBridge: true, arch: 'amd64', host: 'fake://' };
  }
  /** How long a build takes (ms), per request; a build honours its abort signal as the real one does. */
  buildMs: (req: DockerBuildRequest) => number = () => 0;
  async build(req: DockerBuildRequest, out: BuildOutput): Promise<BuildResult> {
    this.built.push(req.ref);
    const ms = this.buildMs(req);
    if (ms > 0) {
      const { DevloopError } = await import('../../src/model/errors.js');
      await new Promise<void>((ok, fail) => {
        const t = setTimeout(ok, ms);
        req.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            fail(new DevloopError('build-cancelled', `building ${req.ref} was cancelled`));
          },
          { once: true },
        );
      });
    }
    if ([...this.failing].some((f) => req.ref.includes(f)) || this.failWhen(req)) {
      const { DevloopError } = await import('../../src/model/errors.js');
      throw new DevloopError('build-failed', `RUN false failed for ${req.ref}`);
    }
    out.line(`built ${req.ref}`);
    this.images.add(req.ref);
    return { imageId: `sha256:${'0'.repeat(64)}`, builder: 'buildkit', steps: [] };
  }
  async imageExists(ref: string): Promise<boolean> {
    return this.images.has(ref);
  }
  async tag(_from: string, _to: string): Promise<void> {}
  async push(ref: string): Promise<PushResult> {
    this.pushed.push(ref);
    return {};
  }
  async registryHasTag(ref: string): Promise<boolean> {
    return this.pushed.includes(ref);
  }
}

/** An in-memory cluster: applied workloads get one Running, Ready pod carrying their pod template's labels. */
export class FakeCluster implements Cluster {
  readonly applied: string[] = [];
  readonly objects = new Map<string, KObject>();
  private readonly podWatchers: ((e: PodEvent) => void)[] = [];
  podPhase: (o: KObject) => Partial<PodView> = () => ({});
  info(): ClusterInfo {
    return { context: 'fake', server: 'http://127.0.0.1:1', namespace: 'default', isLocal: true };
  }
  async ping(): Promise<void> {}
  async advertisedRegistry(): Promise<AdvertisedRegistry | undefined> {
    return undefined;
  }
  private key(r: { kind: string; name: string; namespace?: string }): string {
    return `${r.kind}/${r.namespace ?? 'default'}/${r.name}`;
  }
  async apply(obj: KObject): Promise<KObject> {
    const live = { ...obj, metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}` } };
    this.objects.set(this.key({ kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace }), live);
    this.applied.push(`${obj.kind}/${obj.metadata.name}`);
    const tpl = (obj.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
    if (tpl) {
      const pod: PodView = {
        name: `${obj.metadata.name}-pod-${this.applied.length}`,
        namespace: 'default',
        uid: `pod-${this.applied.length}`,
        phase: 'Running',
        ready: true,
        deleting: false,
        labels: tpl.metadata?.labels ?? {},
        ownerUids: [],
        createdAt: new Date().toISOString(),
        containers: [{ name: 'main', image: 'x', ready: true, restartCount: 0, state: 'running', containerID: `docker://c${this.applied.length}` }],
        initContainers: [],
        ...this.podPhase(obj),
      };
      setTimeout(() => this.podWatchers.forEach((w) => w({ type: 'upsert', pod })), 5);
    }
    return live;
  }
  async listByLabels(): Promise<ObjectRef[]> {
    return [];
  }
  async get(ref: ObjectRef): Promise<KObject | undefined> {
    return this.objects.get(this.key(ref));
  }
  async delete(ref: ObjectRef): Promise<void> {
    this.objects.delete(this.key(ref));
  }
  async waitGone(): Promise<void> {}
  watchPods(_ns: string, onEvent: (e: PodEvent) => void): Stoppable {
    this.podWatchers.push(onEvent);
    return { stop: () => this.podWatchers.splice(this.podWatchers.indexOf(onEvent), 1) };
  }
  streamLogs(): Stoppable {
    return { stop() {} };
  }
  async exec(): Promise<ExecResult> {
    return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  }
  async portForward(): Promise<Duplex> {
    return new PassThrough();
  }
}

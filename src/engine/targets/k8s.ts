/**
 * Kubernetes objects as a deploy target: builds the resource's images, renders its objects with the refs that were
 * built (never one that was not), applies them, follows their pods (status, logs, port forwards), and carries file
 * changes into running containers by live update when it can.
 */
import { DevloopError } from '../../model/errors.js';
import type { Cluster } from '../../ports/cluster.js';
import type { ImageBuilder } from '../../ports/image-builder.js';
import type { ProcessRunner } from '../../ports/process.js';
import { renderObject } from '../../resolve/render.js';
import type { Resolved, ResolvedImage } from '../../resolve/resolve.js';
import type { Resource } from '../../resolve/resources.js';
import { buildImages, type PushPolicy } from '../build/scheduler.js';
import { superseded } from '../decide.js';
import { Deployer } from '../deploy.js';
import { contentHash } from '../labels.js';
import { LiveUpdateController, type Decision } from '../live-update/controller.js';
import type { Change } from '../live-update/plan.js';
import { warmShellExecutor } from '../live-update/warm-shell.js';
import { emit, type Log } from '../log.js';
import { runtimeState } from '../readiness.js';
import { Runtime } from '../runtime.js';
import type { StatusBoard } from '../status-board.js';
import type { DeployTarget, UpdateItem } from './target.js';

export type LiveDecision = Extract<Decision, { kind: 'live' }>;

export interface K8sHost {
  mode: 'up' | 'ci';
  builder: ImageBuilder;
  processes: ProcessRunner;
  cluster: Cluster;
  log: Log;
  project: string;
  push: PushPolicy;
  cwd: string;
  /** `up --disable-port-forwards`. */
  disablePortForwards?: boolean;
  board: StatusBoard;
  /** The plan in effect now. */
  resolved(): Resolved;
  enqueue(item: UpdateItem): void;
  /** Queued for an update. */
  queued(name: string): boolean;
}

/** The ref an image was built as in this update; an image without one is a bug (never deploy an unbuilt ref). */
function builtRef(refs: Map<string, string>, id: string): string {
  const ref = refs.get(id);
  if (!ref) throw new DevloopError('internal', `no built ref for image ${id}: refusing to apply a ref that was not built`);
  return ref;
}

export class K8sTarget implements DeployTarget {
  private readonly deployer: Deployer;
  private readonly runtime: Runtime;
  private readonly live: LiveUpdateController;
  /** Image id -> the inputs of the build its containers run. */
  private readonly deployedTags = new Map<string, string>();
  /** Image id -> the inputs its running containers match after live updates (files synced on top of the build). */
  private readonly liveTags = new Map<string, string>();
  /** Resource -> hash of the objects last applied, refs masked. */
  private readonly appliedHash = new Map<string, string>();
  /** Resource -> the build running for it and the plan it builds, cancelled when newer changes supersede it. */
  private readonly inFlight = new Map<string, { abort: AbortController; res: Resolved }>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();

  constructor(private readonly h: K8sHost) {
    this.deployer = new Deployer(h.cluster, h.project);
    this.runtime = new Runtime(h.cluster, h.project, h.log, {
      podsChanged: (r) => this.onPodsChanged(r),
      portForwardFailed: (r, e) => h.board.fail(r, e instanceof DevloopError ? e : new DevloopError('port-forward-failed', String((e as Error).message ?? e))),
      // A forward whose local port was busy started once the port freed: the resource is judged by its pods again.
      portForwardRecovered: (r) => {
        if (h.board.get(r)?.error?.code !== 'port-in-use') return;
        h.board.set(r, 'runtime', 'port forward started');
        this.onPodsChanged(r);
      },
    });
    const exec = {
      exec: (t: { namespace?: string; pod?: string; container: string }, cmd: string[], stdin?: Buffer) =>
        h.cluster.exec(t.namespace!, t.pod!, t.container, cmd, stdin),
    };
    this.live = new LiveUpdateController({
      log: h.log,
      cwd: h.cwd,
      // Warm shells only where live updates happen (`up`); `ci` re-seeds at most, through one-off execs.
      executor:
        h.mode === 'up'
          ? warmShellExecutor({ ...exec, session: h.cluster.execSession && ((t, cmd) => h.cluster.execSession!(t.namespace!, t.pod!, t.container, cmd)) })
          : exec,
      podsOf: (r) => this.runtime.podsOf(r),
      resources: () => h.resolved().resources,
      rebuild: (r, reason) => h.enqueue({ resource: r, reason: `${reason} → rebuilding` }),
    });
  }

  setResources(resources: Resource[]): void {
    this.runtime.setResources(resources);
  }

  /** The images a resource deploys, with the images they build on, in build order. */
  imagesFor(r: Resource, res: Resolved = this.h.resolved()): ResolvedImage[] {
    const byId = new Map(res.images.map((i) => [i.id, i]));
    const need = new Set<string>();
    const add = (id: string) => {
      if (need.has(id) || !byId.has(id)) return;
      need.add(id);
      for (const d of byId.get(id)!.deps) add(d);
    };
    r.images.forEach(add);
    return res.images.filter((i) => need.has(i.id));
  }

  /** What the containers of an image run now (the inputs of its build, or of the files synced on top), or `fallback`. */
  current(i: ResolvedImage, fallback?: string): string | undefined {
    return this.liveTags.get(i.id) ?? this.deployedTags.get(i.id) ?? fallback;
  }

  async update(r: Resource, item: UpdateItem, res: Resolved): Promise<boolean> {
    const log = (t: string) => this.h.log.line(r.name, t);
    // Every object of the resource is checked before anything is built or applied (validate.ts).
    const invalid = await this.deployer.preflight.errorFor(res, r.name);
    if (invalid) {
      this.h.board.fail(r.name, invalid);
      return true;
    }
    const images = this.imagesFor(r, res);
    const refs = new Map<string, string>();
    if (images.length) {
      this.h.board.set(r.name, 'building', 'building images');
      const abort = new AbortController();
      this.inFlight.set(r.name, { abort, res });
      let outcomes: Awaited<ReturnType<typeof buildImages>>;
      try {
        outcomes = await buildImages(images, {
          builder: this.h.builder,
          processes: this.h.processes,
          log: this.h.log,
          push: this.h.push,
          reason: item.reason,
          sourceOf: () => r.name,
          signal: abort.signal,
          parallelism: res.plan.settings?.maxParallelUpdates,
        });
      } finally {
        this.inFlight.delete(r.name);
      }
      if (abort.signal.aborted || this.superseded(r, res)) {
        // Newer files changed these images' inputs: the queued update builds and deploys those; this one stops here.
        log(
          `Superseded by newer changes: not deploying ${images
            .filter((i) => i.deployed)
            .map((i) => `${i.id}:${i.tag}`)
            .join(', ')}`,
        );
        return false;
      }
      const failed = [...outcomes.values()].find((o) => o.status === 'failed' || o.status === 'skipped');
      if (failed) {
        this.h.board.fail(r.name, failed.error ?? new DevloopError('build-failed', `image ${failed.id} was not built: ${failed.reason ?? ''}`));
        return true;
      }
      for (const img of images) {
        refs.set(img.id, outcomes.get(img.id)?.ref ?? img.clusterRef);
        if (this.deployedTags.get(img.id) !== img.inputs || this.liveTags.has(img.id)) this.live.deployed(img);
        this.deployedTags.set(img.id, img.inputs);
        this.liveTags.delete(img.id);
      }
    } else if (item.reason !== 'Initial Build') {
      log(item.reason);
    }
    this.h.board.set(r.name, 'deploying', 'applying objects');
    // Rendered now, with the refs this update built and pushed: never a ref that does not exist.
    const objects = r.objects.map((i) => renderObject(res.objects[i], images, (id) => builtRef(refs, id), res.locators).object);
    log(`Applying ${objects.length} object${objects.length === 1 ? '' : 's'} to the cluster (${this.h.cluster.info().context})`);
    const applied = await this.deployer.applyAll(r.name, objects, log, { force: item.force });
    emit(this.h.log, { type: 'applied', resource: r.name, objects: applied.map((a) => ({ name: a.object, applied: a.applied })) });
    this.runtime.setTemplate(r.name, applied.find((a) => a.templateHash)?.templateHash);
    this.appliedHash.set(r.name, this.manifestHash(r, res));
    for (const ns of new Set(applied.map((a) => a.namespace ?? this.h.cluster.info().namespace))) this.runtime.watchNamespace(ns);
    this.h.board.set(r.name, 'runtime', 'applied; watching its pods');
    this.onPodsChanged(r.name);
    if (this.h.mode === 'up' && !this.h.disablePortForwards) await this.runtime.syncPortForwards(r);
    return true;
  }

  /** Whether a newer plan changed the inputs of an image this update (built from `res`) deploys. */
  private superseded(r: Resource, res: Resolved): boolean {
    if (res === this.h.resolved()) return false;
    const inputs = (list: ResolvedImage[]) => new Map(list.map((i) => [i.id, i.inputs]));
    return superseded(inputs(this.imagesFor(r, res)), inputs(this.imagesFor(r)));
  }

  /** A build whose inputs changed meanwhile is cancelled: the queued update builds the newest files. */
  cancelSuperseded(next: Resolved): void {
    for (const [name, f] of this.inFlight) {
      const r = next.resources.find((x) => x.name === name);
      if (r && this.superseded(r, f.res)) f.abort.abort();
    }
  }

  /** Its objects changed since they were applied (tags aside). */
  manifestsChanged(r: Resource, res: Resolved): boolean {
    return this.appliedHash.has(r.name) && this.appliedHash.get(r.name) !== this.manifestHash(r, res);
  }

  /** Hash of a resource's rendered objects with the refs of its images masked: a change of tag alone is not a manifest change. */
  private manifestHash(r: Resource, res: Resolved): string {
    let text = JSON.stringify(r.objects.map((i) => res.rendered[i]));
    for (const img of res.images) text = text.split(img.clusterRef).join(`<${img.id}>`);
    return contentHash({ text } as never);
  }

  /**
   * Whether these changed images of a resource can all be synced (live update) or the resource must rebuild, and
   * why. No reason: live update was not considered (never deployed yet, or busy: a rebuild is running or queued, and
   * a sync would land in containers about to be replaced).
   */
  planLive(r: Resource, changed: ResolvedImage[], changes: Change[]): { live: LiveDecision[] } | { reason?: string } {
    const s = this.h.board.get(r.name)!;
    const busy = s.phase === 'building' || s.phase === 'deploying' || this.h.queued(r.name);
    if (s.updates === 0 || busy) return {};
    const live: LiveDecision[] = [];
    for (const i of changed) {
      const d = this.live.decide(i, changes);
      if (d.kind === 'rebuild') return { reason: d.reason };
      live.push(d);
    }
    return { live };
  }

  /** The live updates that carry pending `changes` into a deployed resource's containers, or undefined: rebuild. */
  liveDecisions(r: Resource, changes: Change[]): LiveDecision[] | undefined {
    const res = this.h.resolved();
    if (this.manifestsChanged(r, res)) return undefined;
    const changed = this.imagesFor(r).filter((i) => this.current(i) !== i.inputs);
    if (changed.length === 0) return undefined;
    const p = this.planLive(r, changed, changes);
    return 'live' in p ? p.live : undefined;
  }

  async runLive(jobs: { d: LiveDecision; resource: string }[]): Promise<void> {
    for (const { d, resource } of jobs) {
      const ok = await this.live.run(d, resource);
      if (ok) {
        this.liveTags.set(d.image.id, d.image.inputs);
        continue;
      }
      // The containers hold files of no known build: any later change (even one restoring the file) rebuilds.
      this.liveTags.set(d.image.id, 'unknown: a live update failed');
      for (const name of d.resources) {
        this.h.board.fail(
          name,
          new DevloopError('live-update-failed', `live update of ${d.image.id} failed; the next change of its files rebuilds it`, {
            hint: `fix the file and save it, or run devloop trigger ${name}`,
          }),
        );
      }
    }
  }

  private onPodsChanged(name: string): void {
    const s = this.h.board.get(name);
    const r = this.h.resolved().resources.find((x) => x.name === name);
    if (!s || !r || r.type !== 'k8s') return;
    // A failed live update keeps the resource failed until the next update succeeds (the containers' files are unknown).
    const runtimeOwned = s.phase === 'runtime' || s.phase === 'ready' || (s.phase === 'failed' && s.error?.code === 'runtime-failed');
    if (!runtimeOwned) return;
    this.live.onPods(name, this.imagesFor(r));
    const st = runtimeState(r.podReadiness, this.runtime.podsOf(name));
    if ('recheckInMs' in st && st.recheckInMs !== undefined) {
      // A restarted container is judged again once it has run long enough to count as up.
      clearTimeout(this.rechecks.get(name));
      this.rechecks.set(name, setTimeout(() => this.onPodsChanged(name), st.recheckInMs).unref());
    }
    if (st.kind === 'ready') this.h.board.set(name, 'ready', st.reason);
    else if (st.kind === 'failed') this.h.board.set(name, 'failed', st.reason, new DevloopError('runtime-failed', st.reason));
    else this.h.board.set(name, 'runtime', st.reason);
  }

  /** The pods of a resource, for ci's failure report. */
  podsOf(name: string) {
    return this.runtime.podsOf(name);
  }

  /** A reloaded config: the forwards of a deployed resource follow it now (an update would do it later). */
  async syncForwards(r: Resource): Promise<void> {
    if (this.h.mode === 'up' && !this.h.disablePortForwards) await this.runtime.syncPortForwards(r);
  }

  async pause(r: Resource): Promise<void> {
    await this.runtime.syncPortForwards({ name: r.name, portForwards: [] });
  }

  async remove(r: Resource): Promise<void> {
    await this.runtime.syncPortForwards({ name: r.name, portForwards: [] });
    await this.deployer.deleteRemoved(r.name, new Set(), (t) => this.h.log.line(r.name, t));
  }

  async stop(): Promise<void> {
    for (const t of this.rechecks.values()) clearTimeout(t);
    this.live.close();
    await this.runtime.stop();
  }
}

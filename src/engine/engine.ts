/**
 * The reconciler loop. One Engine holds the state; it decides what to do next (build these images,
 * apply that resource, rerun a local cmd) and reports every decision in one line. Work runs one resource
 * update at a time, in order (uncategorized first, resource_deps before their dependents' first deploy).
 */
import { relative } from 'node:path';
import type { EvalResult } from '../config/evaluate.js';
import { DevloopError, isDevloopError } from '../model/errors.js';
import type { Registry } from '../model/registry.js';
import type { Cluster } from '../ports/cluster.js';
import type { ChangeBatch } from '../ports/file-watcher.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import { resolve, type Resolved, type ResolvedImage, type ResolveOptions } from '../resolve/resolve.js';
import type { Resource } from '../resolve/resources.js';
import { imageSources } from '../resolve/sources.js';
import { renderObject } from '../resolve/render.js';
import { buildImages, type PushPolicy } from './build/scheduler.js';
import { Deployer } from './deploy.js';
import { contentHash } from './labels.js';
import { LocalResourceRunner } from './local-resource.js';
import type { Log } from './log.js';
import { runtimeState } from './readiness.js';
import { Runtime } from './runtime.js';
import { LiveUpdateController, type Decision } from './live-update/controller.js';

type LiveDecision = Extract<Decision, { kind: 'live' }>;
import type { Change } from './live-update/plan.js';
import { warmShellExecutor } from './live-update/warm-shell.js';
import { WalkCache } from '../files/walk-cache.js';
import { ownOutputFiles } from '../files/own-output.js';
import { reportedBy, watchRoots } from './watch-roots.js';

export type ResourcePhase = 'pending' | 'waiting' | 'building' | 'deploying' | 'runtime' | 'ready' | 'failed' | 'disabled';

export interface ResourceStatus {
  name: string;
  type: 'k8s' | 'local';
  phase: ResourcePhase;
  reason: string;
  triggerMode: 'auto' | 'manual';
  /** Files changed since the last update, waiting for a trigger (manual mode) or for the queue. */
  pendingFiles: string[];
  everReady: boolean;
  /** When it last became ready (epoch ms). */
  readySince?: number;
  updates: number;
  error?: DevloopError;
}

export interface EngineOptions {
  mode: 'up' | 'ci';
  builder: ImageBuilder;
  cluster: Cluster;
  log: Log;
  project: string;
  push: PushPolicy;
  clusterRegistry?: Registry;
  /** Re-evaluates the config (up mode, when a config file changed). */
  evaluate: () => Promise<EvalResult>;
  cwd: string;
}

interface QueueItem { resource: string; reason: string; force?: boolean }

/** The ref an image was built as in this update; an image without one is a bug (never deploy an unbuilt ref). */
function builtRef(refs: Map<string, string>, id: string): string {
  const ref = refs.get(id);
  if (!ref) throw new DevloopError('internal', `no built ref for image ${id}: refusing to apply a ref that was not built`);
  return ref;
}

export class Engine {
  resolved: Resolved;
  readonly status = new Map<string, ResourceStatus>();
  private readonly deployer: Deployer;
  private readonly runtime: Runtime;
  private readonly locals = new Map<string, LocalResourceRunner>();
  private readonly queue: QueueItem[] = [];
  private processing = false;
  private stopped = false;
  /** Image id -> the tag deployed (what the cluster runs). */
  private readonly deployedTags = new Map<string, string>();
  /** Resource -> hash of the rendered objects last applied. */
  private readonly appliedHash = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  /** Image id -> the tag its running containers match after live updates (files synced on top of the deployed tag). */
  private readonly liveTags = new Map<string, string>();
  private readonly live: LiveUpdateController;
  /** Context walks kept between batches: a batch re-reads only the paths it reports. */
  private readonly walks = new WalkCache();
  /** Resource -> the file changes waiting for `devloop trigger` (trigger_mode manual), by path. */
  private readonly pendingChanges = new Map<string, Map<string, Change>>();
  /** Resource -> the build running for it and the plan it builds, cancelled when newer changes supersede it. */
  private readonly inFlight = new Map<string, { abort: AbortController; res: Resolved }>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  /** The files devloop's stdout/stderr are redirected to: ignored when they change inside a watched tree. */
  private readonly ownOutputs = ownOutputFiles();
  private ownOutputsSaid = false;
  configError?: DevloopError;

  constructor(initial: Resolved, private readonly opts: EngineOptions) {
    this.resolved = initial;
    this.deployer = new Deployer(opts.cluster, opts.project);
    this.runtime = new Runtime(opts.cluster, opts.project, opts.log, {
      podsChanged: (r) => this.onPodsChanged(r),
      portForwardFailed: (r, e) => this.fail(r, isDevloopError(e) ? e : new DevloopError('port-forward-failed', String((e as Error).message ?? e))),
      portForwardRecovered: (r) => { if (this.status.get(r)?.error?.code === 'port-in-use') { this.set(r, 'runtime', 'port forward started'); this.onPodsChanged(r); } },
    });
    this.live = new LiveUpdateController({
      log: opts.log, cwd: opts.cwd,
      // Warm shells only where live updates happen (`up`); `ci` re-seeds at most, through one-off execs.
      executor: opts.mode === 'up'
        ? warmShellExecutor({
          exec: (t, cmd, stdin) => opts.cluster.exec(t.namespace!, t.pod!, t.container, cmd, stdin),
          session: opts.cluster.execSession && ((t, cmd) => opts.cluster.execSession!(t.namespace!, t.pod!, t.container, cmd)),
        })
        : { exec: (t, cmd, stdin) => opts.cluster.exec(t.namespace!, t.pod!, t.container, cmd, stdin) },
      podsOf: (r) => this.runtime.podsOf(r),
      resources: () => this.resolved.resources,
      rebuild: (r, reason) => this.enqueue({ resource: r, reason: `${reason} → rebuilding` }),
    });
    this.setResources(initial.resources);
  }

  private setResources(resources: Resource[]): void {
    for (const r of resources) {
      if (this.status.has(r.name)) {
        const s = this.status.get(r.name)!;
        s.triggerMode = r.triggerMode;
        continue;
      }
      this.status.set(r.name, {
        name: r.name, type: r.type, phase: r.autoInit ? 'pending' : 'disabled', reason: r.autoInit ? 'queued' : 'auto_init is off: waiting for a trigger',
        triggerMode: r.triggerMode, pendingFiles: [], everReady: false, updates: 0,
      });
      if (r.type === 'local' && r.local) {
        const runner = new LocalResourceRunner(r.local, this.opts.log, r.name);
        runner.onServeExit = (code) => this.fail(r.name, new DevloopError('serve-exited', `serve_cmd of '${r.name}' exited${code !== undefined ? ` with code ${code}` : ''}`));
        this.locals.set(r.name, runner);
      }
    }
    for (const name of [...this.status.keys()]) if (!resources.some((r) => r.name === name)) this.status.delete(name);
    this.runtime.setResources(resources);
  }

  resource(name: string): Resource | undefined {
    return this.resolved.resources.find((r) => r.name === name);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  private set(name: string, phase: ResourcePhase, reason: string, error?: DevloopError): void {
    const s = this.status.get(name);
    if (!s) return;
    const was = s.phase;
    s.phase = phase;
    s.reason = reason;
    s.error = error;
    if (phase === 'ready') {
      s.everReady = true;
      if (was !== 'ready') s.readySince = Date.now();
    } else {
      s.readySince = undefined;
    }
    if (was !== phase && (phase === 'ready' || phase === 'failed')) {
      this.opts.log.line(name, phase === 'ready' ? `✓ ready: ${reason}` : `✗ failed: ${reason}`);
      if (phase === 'failed' && error?.hint) this.opts.log.line(name, `  hint: ${error.hint}`);
    }
    this.changed();
    if (phase === 'ready') this.kick();
  }

  private fail(name: string, e: DevloopError): void {
    this.set(name, 'failed', e.message, e);
  }

  /** Queues the first update of every auto_init resource and starts processing. */
  start(): void {
    for (const r of this.resolved.resources) {
      if (!r.autoInit) continue;
      if (this.opts.mode === 'ci' && r.triggerMode === 'manual') {
        // ci runs what would run by itself; manual resources wait for a trigger that never comes in ci.
        this.set(r.name, 'disabled', 'trigger_mode manual: not run by devloop ci');
        continue;
      }
      this.enqueue({ resource: r.name, reason: 'Initial Build' });
    }
  }

  enqueue(item: QueueItem): void {
    const existing = this.queue.find((q) => q.resource === item.resource);
    if (existing) {
      existing.force ||= item.force;
      return;
    }
    this.queue.push(item);
    const s = this.status.get(item.resource);
    if (s && s.phase !== 'building' && s.phase !== 'deploying') this.set(item.resource, 'pending', 'queued');
    this.kick();
  }

  /** `devloop trigger NAME`: update now (also manual and auto_init:false resources). */
  trigger(name: string): void {
    const r = this.resource(name);
    if (!r) {
      throw new DevloopError('unknown-resource', `no resource named '${name}'`, { hint: `resources: ${this.resolved.resources.map((x) => x.name).join(', ')}` });
    }
    const s = this.status.get(name)!;
    const files = s.pendingFiles.length ? `${s.pendingFiles.length} changed file(s)` : 'no changed files';
    const changes = [...(this.pendingChanges.get(name)?.values() ?? [])];
    this.pendingChanges.delete(name);
    // Pending changes that live update can sync are synced, as they would have been in auto mode.
    const live = changes.length ? this.liveDecisions(r, changes) : undefined;
    if (live) {
      s.pendingFiles = [];
      this.opts.log.line(name, `Triggered by devloop trigger (${files}): live update`);
      this.changed();
      void this.runLive(live.map((d) => ({ d, resource: name })));
      return;
    }
    this.enqueue({ resource: name, reason: `Triggered by devloop trigger (${files})`, force: true });
  }

  /** The live updates that carry pending `changes` into a deployed resource's containers, or undefined: rebuild. */
  private liveDecisions(r: Resource, changes: Change[]): LiveDecision[] | undefined {
    if (r.type !== 'k8s' || this.manifestsChanged(r, this.resolved)) return undefined;
    const current = (i: ResolvedImage) => this.liveTags.get(i.id) ?? this.deployedTags.get(i.id);
    const changed = this.imagesFor(r).filter((i) => current(i) !== i.inputs);
    if (changed.length === 0) return undefined;
    const p = this.planLive(r, changed, changes);
    return 'live' in p ? p.live : undefined;
  }

  /**
   * Whether these changed images of a resource can all be synced (live update) or the resource must rebuild, and
   * why. No reason: live update was not considered (never deployed yet, or busy: a rebuild is running or queued, and
   * a sync would land in containers about to be replaced).
   */
  private planLive(r: Resource, changed: ResolvedImage[], changes: Change[]): { live: LiveDecision[] } | { reason?: string } {
    const s = this.status.get(r.name)!;
    const busy = s.phase === 'building' || s.phase === 'deploying' || this.queue.some((q) => q.resource === r.name);
    if (s.updates === 0 || busy) return {};
    const live: LiveDecision[] = [];
    for (const i of changed) {
      const d = this.live.decide(i, changes);
      if (d.kind === 'rebuild') return { reason: d.reason };
      live.push(d);
    }
    return { live };
  }

  private manifestsChanged(r: Resource, res: Resolved): boolean {
    return this.appliedHash.has(r.name) && this.appliedHash.get(r.name) !== this.manifestHash(r, res);
  }

  private async runLive(jobs: { d: LiveDecision; resource: string }[]): Promise<void> {
    for (const { d, resource } of jobs) {
      const ok = await this.live.run(d, resource);
      if (ok) {
        this.liveTags.set(d.image.id, d.image.inputs);
        continue;
      }
      // The containers hold files of no known build: any later change (even one restoring the file) rebuilds.
      this.liveTags.set(d.image.id, 'unknown: a live update failed');
      for (const r of d.resources) this.fail(r, new DevloopError('live-update-failed', `live update of ${d.image.id} failed; the next change of its files rebuilds it`, { hint: `fix the file and save it, or run devloop trigger ${r}` }));
    }
  }

  private depsReady(r: Resource): string | undefined {
    if (this.status.get(r.name)?.updates) return undefined; // only the first deploy waits for resource_deps
    const waiting = r.resourceDeps.filter((d) => !this.status.get(d)?.everReady);
    const uncategorized = r.name !== 'uncategorized' && r.type === 'k8s' && this.status.has('uncategorized') && !this.status.get('uncategorized')!.everReady && this.status.get('uncategorized')!.phase !== 'disabled';
    if (uncategorized) waiting.push('uncategorized');
    return waiting.length ? waiting.join(', ') : undefined;
  }

  private kick(): void {
    if (this.processing || this.stopped) return;
    this.processing = true;
    void this.process().finally(() => {
      this.processing = false;
      if (this.queue.some((q) => !this.depsReadyBlock(q))) this.kick();
    });
  }

  private depsReadyBlock(q: QueueItem): string | undefined {
    const r = this.resource(q.resource);
    return r ? this.depsReady(r) : undefined;
  }

  private async process(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const idx = this.queue.findIndex((q) => !this.depsReadyBlock(q));
      for (const q of this.queue) {
        const blocked = this.depsReadyBlock(q);
        if (blocked) this.set(q.resource, 'waiting', `waiting for ${blocked} to be ready first (resource_deps)`);
      }
      if (idx < 0) return;
      const [item] = this.queue.splice(idx, 1);
      const r = this.resource(item.resource);
      if (!r) continue;
      try {
        await this.update(r, item);
      } catch (e) {
        this.fail(r.name, isDevloopError(e) ? e : new DevloopError('internal', `updating ${r.name}: ${(e as Error).message}`, { cause: e }));
        if (!isDevloopError(e)) this.opts.log.line(r.name, (e as Error).stack ?? String(e));
      }
    }
  }

  private imagesFor(r: Resource, res: Resolved = this.resolved): ResolvedImage[] {
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

  private async update(r: Resource, item: QueueItem): Promise<void> {
    const s = this.status.get(r.name)!;
    const log = (t: string) => this.opts.log.line(r.name, t);
    s.pendingFiles = [];
    this.pendingChanges.delete(r.name);
    s.updates++;
    if (r.type === 'local') return this.updateLocal(r, item);
    // The plan this update builds and deploys: a newer batch may replace this.resolved meanwhile (and supersede it).
    const res = this.resolved;
    const invalid = await this.deployer.preflight.errorFor(res, r.name); // manifests checked before any build (validate.ts)
    if (invalid) { this.fail(r.name, invalid); return; }
    const images = this.imagesFor(r, res);
    const refs = new Map<string, string>();
    if (images.length) {
      this.set(r.name, 'building', 'building images');
      const abort = new AbortController();
      this.inFlight.set(r.name, { abort, res });
      let outcomes: Awaited<ReturnType<typeof buildImages>>;
      try {
        outcomes = await buildImages(images, {
          builder: this.opts.builder, log: this.opts.log, push: this.opts.push, reason: item.reason,
          sourceOf: () => r.name, signal: abort.signal,
        });
      } finally {
        this.inFlight.delete(r.name);
      }
      if (abort.signal.aborted || this.superseded(r, res)) {
        // Newer files changed these images' inputs: the queued update builds and deploys those; this one stops here.
        log(`Superseded by newer changes: not deploying ${images.filter((i) => i.deployed).map((i) => `${i.id}:${i.tag}`).join(', ')}`);
        s.updates--;
        return;
      }
      const failed = [...outcomes.values()].find((o) => o.status === 'failed' || o.status === 'skipped');
      if (failed) {
        const err = failed.error ?? new DevloopError('build-failed', `image ${failed.id} was not built: ${failed.reason ?? ''}`);
        this.fail(r.name, err);
        return;
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
    this.set(r.name, 'deploying', 'applying objects');
    // Rendered now, with the refs this update built and pushed: never a ref that does not exist.
    const objects = r.objects.map((i) => renderObject(res.objects[i], images, (id) => builtRef(refs, id), res.locators).object);
    this.opts.log.line(r.name, `Applying ${objects.length} object${objects.length === 1 ? '' : 's'} to the cluster (${this.opts.cluster.info().context})`);
    const applied = await this.deployer.applyAll(r.name, objects, log, { force: item.force });
    this.runtime.setTemplate(r.name, applied.find((a) => a.templateHash)?.templateHash);
    this.appliedHash.set(r.name, this.manifestHash(r, res));
    for (const ns of new Set(applied.map((a) => a.namespace ?? this.opts.cluster.info().namespace))) this.runtime.watchNamespace(ns);
    this.set(r.name, 'runtime', 'applied; watching its pods');
    this.onPodsChanged(r.name);
    if (this.opts.mode === 'up') await this.runtime.syncPortForwards(r);
  }

  /** Whether a newer plan changed the inputs of an image this update (built from `res`) deploys. */
  private superseded(r: Resource, res: Resolved): boolean {
    if (res === this.resolved) return false;
    const now = new Map(this.imagesFor(r).map((i) => [i.id, i.inputs]));
    return this.imagesFor(r, res).some((i) => now.get(i.id) !== i.inputs);
  }

  private async updateLocal(r: Resource, item: QueueItem): Promise<void> {
    const runner = this.locals.get(r.name)!;
    this.set(r.name, 'building', item.reason === 'Initial Build' ? 'running cmd' : `running cmd (${item.reason})`);
    if (item.reason !== 'Initial Build') this.opts.log.line(r.name, item.reason);
    try {
      await runner.runCmd();
    } catch (e) {
      this.fail(r.name, e as DevloopError);
      return;
    }
    if (r.local?.serveCmd) {
      await runner.startServe();
      this.set(r.name, 'ready', 'serve_cmd is running');
    } else {
      this.set(r.name, 'ready', 'cmd succeeded');
    }
  }

  private onPodsChanged(name: string): void {
    const s = this.status.get(name);
    const r = this.resource(name);
    if (!s || !r || r.type !== 'k8s') return;
    const runtimeOwned = s.phase === 'runtime' || s.phase === 'ready' || (s.phase === 'failed' && s.error?.code === 'runtime-failed');
    // A failed live update keeps the resource failed until the next update succeeds (the containers' files are unknown).
    if (!runtimeOwned) return;
    this.live.onPods(name, this.imagesFor(r));
    const st = runtimeState(r.podReadiness, this.runtime.podsOf(name));
    if ('recheckInMs' in st && st.recheckInMs !== undefined) {
      // A restarted container is judged again once it has run long enough to count as up.
      clearTimeout(this.rechecks.get(name));
      this.rechecks.set(name, setTimeout(() => this.onPodsChanged(name), st.recheckInMs).unref());
    }
    if (st.kind === 'ready') this.set(name, 'ready', st.reason);
    else if (st.kind === 'failed') this.set(name, 'failed', st.reason, new DevloopError('runtime-failed', st.reason));
    else this.set(name, 'runtime', st.reason);
  }

  /** The pods of a resource, for ci's failure report. */
  podsOf(name: string) {
    return this.runtime.podsOf(name);
  }

  // ------------------------------------------------------------------ changes (up mode)

  /** A debounced batch of file changes: re-evaluate if a config file changed, re-resolve, and queue what changed. */
  async handleBatch(batch: ChangeBatch): Promise<void> {
    const own = batch.files.filter((f) => this.ownOutputs.has(f.path));
    if (own.length) {
      if (!this.ownOutputsSaid) this.opts.log.line('', `${own.map((f) => this.rel(f.path)).join(', ')} is where devloop's own output goes: its changes are ignored (never a build input)`);
      this.ownOutputsSaid = true;
      batch = { ...batch, files: batch.files.filter((f) => !this.ownOutputs.has(f.path)) };
      if (batch.files.length === 0) return;
    }
    const files = batch.files.map((f) => f.path);
    const configFiles = new Set(this.resolved.plan.filesRead);
    let plan = this.resolved.plan;
    let reloaded = false;
    if (files.some((f) => configFiles.has(f)) || this.configError) {
      const ev = await this.opts.evaluate();
      if (!ev.ok) {
        this.configError = ev.error;
        this.opts.log.line('', `Config error, still running the last good config: ${ev.error.message}${ev.error.where ? ` (${ev.error.where})` : ''}`);
        this.changed();
      } else {
        if (this.configError) this.opts.log.line('', 'Config fixed.');
        else this.opts.log.line('', `Config changed (${files.filter((f) => configFiles.has(f)).map((f) => this.rel(f)).join(', ')}): evaluated again`);
        this.configError = undefined;
        plan = ev.plan;
        reloaded = true;
      }
    }
    let next: Resolved;
    this.walks.changed(files);
    try {
      next = resolve(plan, this.resolveOptions());
    } catch (e) {
      const err = isDevloopError(e) ? e : new DevloopError('internal', String(e));
      this.configError = err;
      this.opts.log.line('', `Error, still running the last good config: ${err.message}${err.where ? ` (${err.where})` : ''}`);
      return;
    }
    // The new config's warnings are shown again, as on start.
    if (reloaded) for (const w of next.warnings) this.opts.log.line('', `warning: ${w}`);
    const removed = reloaded ? this.resolved.resources.filter((r) => !next.resources.some((x) => x.name === r.name)) : [];
    await this.applyResolved(next, batch.files.map((f) => ({ path: f.path, deleted: f.type === 'delete' })));
    if (!reloaded) return;
    for (const r of removed) {
      // A resource the config no longer has: its forwards stop and what devloop applied for it is deleted.
      this.opts.log.line(r.name, 'Removed from the config: deleting its objects');
      await this.runtime.syncPortForwards({ name: r.name, portForwards: [] });
      await this.deployer.deleteRemoved(r.name, new Set(), (t) => this.opts.log.line(r.name, t));
    }
    if (this.opts.mode !== 'up') return;
    // Forwards of resources that are deployed and not about to update follow the new config now.
    for (const r of next.resources) {
      const s = this.status.get(r.name);
      if (r.type === 'k8s' && s && s.updates > 0 && !this.queue.some((q) => q.resource === r.name) && s.phase !== 'building' && s.phase !== 'deploying') {
        await this.runtime.syncPortForwards(r);
      }
    }
  }

  private rel(p: string): string {
    const r = relative(this.opts.cwd, p);
    return r.startsWith('..') ? p : r;
  }

  private async applyResolved(next: Resolved, changes: Change[]): Promise<void> {
    const files = changes.map((c) => c.path);
    const prevTags = new Map(this.resolved.images.map((i) => [i.id, i.inputs]));
    this.resolved = next;
    const known = new Set(this.status.keys());
    this.setResources(next.resources);
    const shown = files.map((f) => this.rel(f));
    const filesText = `${files.length} File${files.length === 1 ? '' : 's'} Changed: [${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', ...' : ''}]`;
    const current = (i: ResolvedImage) => this.liveTags.get(i.id) ?? this.deployedTags.get(i.id) ?? prevTags.get(i.id);
    const liveJobs = new Map<string, { d: LiveDecision; resource: string }>();
    for (const r of next.resources) {
      const s = this.status.get(r.name)!;
      // A resource the new config added (or whose auto_init was turned on) starts now.
      if (!known.has(r.name) || (r.autoInit && s.phase === 'disabled' && s.updates === 0)) {
        if (r.autoInit) this.enqueue({ resource: r.name, reason: 'Initial Build' });
        continue;
      }
      let why: string | undefined;
      if (r.type === 'local') {
        const deps = r.local?.deps ?? [];
        const touched = files.filter((f) => deps.some((d) => f === d || f.startsWith(`${d}/`)));
        if (touched.length) why = filesText;
      } else {
        const imgs = this.imagesFor(r);
        const changedImages = imgs.filter((i) => current(i) !== i.inputs);
        const objectsChanged = this.manifestsChanged(r, next);
        if (changedImages.length) {
          // Live update only when every changed image can be synced; otherwise rebuild (it reads the files as they
          // are when it runs), saying why. Manual resources wait for `devloop trigger`, which decides then.
          const plan = r.triggerMode === 'manual' ? {} : this.planLive(r, changedImages, changes);
          if ('live' in plan && !objectsChanged) {
            for (const d of plan.live) if (!liveJobs.has(d.image.id)) liveJobs.set(d.image.id, { d, resource: r.name });
            continue;
          }
          const reason = 'reason' in plan && plan.reason ? ` (no live update: ${plan.reason})` : '';
          why = `${filesText} → rebuilding ${changedImages.map((i) => i.id).join(', ')}${reason}`;
        } else if (objectsChanged) {
          why = `${filesText} → its manifests changed`;
        } else if (files.length && imgs.length) {
          const related = files.filter((f) => imgs.some((i) => (i.spec.type === 'docker' ? [i.spec.context] : i.spec.deps).some((root) => f.startsWith(`${root}/`) || f === root)));
          if (related.length) this.opts.log.line(r.name, `${related.length} file${related.length === 1 ? '' : 's'} changed but the image inputs did not (same content or ignored): nothing to rebuild`);
        }
      }
      if (!why) continue;
      if (s.phase === 'disabled' && !s.updates) {
        if (r.triggerMode === 'manual') { s.pendingFiles.push(...shown); continue; }
        // auto_init: false + auto: the first file change starts it, as in Tilt.
      }
      if (r.triggerMode === 'manual' && s.updates > 0) {
        s.pendingFiles.push(...shown.filter((f) => !s.pendingFiles.includes(f)));
        const pending = this.pendingChanges.get(r.name) ?? new Map<string, Change>();
        for (const c of changes) pending.set(c.path, c);
        this.pendingChanges.set(r.name, pending);
        this.opts.log.line(r.name, `${why}: pending until triggered (trigger_mode manual): devloop trigger ${r.name}`);
        this.changed();
        continue;
      }
      this.enqueue({ resource: r.name, reason: why });
    }
    // A build whose inputs changed meanwhile is cancelled: the queued update builds the newest files.
    for (const [name, f] of this.inFlight) {
      const r = next.resources.find((x) => x.name === name);
      if (r && this.superseded(r, f.res)) f.abort.abort();
    }
    await this.runLive([...liveJobs.values()]);
  }

  /** Hash of a resource's rendered objects with the refs of its images masked: a change of tag alone is not a manifest change. */
  private manifestHash(r: Resource, res: Resolved): string {
    let text = JSON.stringify(r.objects.map((i) => res.rendered[i]));
    for (const img of res.images) text = text.split(img.clusterRef).join(`<${img.id}>`);
    return contentHash({ text } as never);
  }

  // ------------------------------------------------------------------ ci

  /**
   * ci: resolves ok when every resource that should run is ready and has stayed ready for `settleMs`
   * (a container that crashes right after it starts looks Ready for a moment), not ok as soon as one fails.
   */
  waitForCi(settleMs = 2000): Promise<{ ok: boolean; failed?: ResourceStatus }> {
    return new Promise((resolveP) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (v: { ok: boolean; failed?: ResourceStatus }) => { off(); if (timer) clearInterval(timer); resolveP(v); };
      const check = () => {
        if (this.stopped) return finish({ ok: false });
        const relevant = [...this.status.values()].filter((s) => s.phase !== 'disabled');
        const failed = relevant.find((s) => s.phase === 'failed');
        if (failed) return finish({ ok: false, failed });
        const now = Date.now();
        const allReady = relevant.length > 0 && this.queue.length === 0 && relevant.every((s) => s.phase === 'ready');
        if (allReady && relevant.every((s) => now - (s.readySince ?? now) >= settleMs)) finish({ ok: true });
      };
      const off = this.onChange(check);
      timer = setInterval(check, 250);
      check();
    });
  }

  /**
   * Walks the contexts once now that the watcher runs, so that the first change after start re-reads only its own
   * paths (a full walk of a large context takes tens of ms). Call once the watch is in place: a change before it
   * would be missed by both.
   */
  warmWalks(): void {
    try {
      resolve(this.resolved.plan, this.resolveOptions());
    } catch {
      // The next batch reports it.
    }
  }

  /** How a change is resolved: with the kept walks, and what the watcher reports on the roots it watches now. */
  private resolveOptions(): ResolveOptions {
    // Made when a walk first asks (a full walk, or new entries), during resolve: this.resolved is still the plan watched.
    let reported: ((abs: string) => boolean) | undefined;
    return { clusterRegistry: this.opts.clusterRegistry, exclude: this.ownOutputs, walks: { cache: this.walks, reported: (abs) => (reported ??= reportedBy(watchRoots(this.resolved)))(abs) } };
  }

  /** The file watcher failed: changes may have gone unreported, so every context is walked in full again. */
  watchFailed(): void {
    this.walks.reset();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.rechecks.values()) clearTimeout(t);
    this.live.close();
    await this.runtime.stop();
    await Promise.all([...this.locals.values()].map((l) => l.stopServe()));
  }
}


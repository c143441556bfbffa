/**
 * The reconciler loop. One Engine holds the plan in effect and the queue of updates; it turns events (start, file
 * batches, config reloads, triggers) into updates through the pure decisions of decide.ts, and hands each update to
 * the deploy target of the resource's kind (targets/). Updates run one at a time, in order (uncategorized first,
 * resource_deps before their dependents' first deploy); a newer change supersedes the build it makes stale.
 */
import { relative } from 'node:path';
import type { EvalResult } from '../config/evaluate.js';
import { ownOutputFiles } from '../files/own-output.js';
import { WalkCache } from '../files/walk-cache.js';
import { DevloopError, isDevloopError } from '../model/errors.js';
import type { Registry } from '../model/registry.js';
import type { Cluster } from '../ports/cluster.js';
import type { ChangeBatch } from '../ports/file-watcher.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import type { ProcessRunner } from '../ports/process.js';
import { resolve, type Resolved, type ResolvedImage, type ResolveOptions } from '../resolve/resolve.js';
import type { Resource } from '../resolve/resources.js';
import type { PushPolicy } from './build/scheduler.js';
import { blockedOn, decideChange, pickNext } from './decide.js';
import type { Change } from './live-update/plan.js';
import { Enablement } from './enablement.js';
import { emit, type Log } from './log.js';
import { StatusBoard, type ResourceStatus } from './status-board.js';
import { K8sTarget, type LiveDecision } from './targets/k8s.js';
import { LocalTarget } from './targets/local.js';
import type { DeployTarget, UpdateItem } from './targets/target.js';
import { reportedBy, watchRoots } from './watch-roots.js';
import { TriggerModes } from './trigger-modes.js';

export type { ResourcePhase, ResourceStatus } from './status-board.js';

export interface EngineOptions {
  mode: 'up' | 'ci';
  builder: ImageBuilder;
  /** Runs local_resource and custom_build commands. */
  processes: ProcessRunner;
  cluster: Cluster;
  log: Log;
  project: string;
  push: PushPolicy;
  clusterRegistry?: Registry;
  /** Re-evaluates the config (up mode, when a config file changed). */
  evaluate: () => Promise<EvalResult>;
  cwd: string;
  /** `up --disable-port-forwards`: no resource forwards ports. */
  disablePortForwards?: boolean;
}

export class Engine {
  resolved: Resolved;
  private readonly board: StatusBoard;
  private readonly k8s: K8sTarget;
  private readonly targets: Record<Resource['type'], DeployTarget>;
  private readonly queue: UpdateItem[] = [];
  private processing = false;
  private stopped = false;
  /** Context walks kept between batches: a batch re-reads only the paths it reports. */
  private readonly walks = new WalkCache();
  /** Resource -> the file changes waiting for `devloop trigger` (trigger_mode manual), by path. */
  private readonly pendingChanges = new Map<string, Map<string, Change>>();
  /** The files devloop's stdout/stderr are redirected to: ignored when they change inside a watched tree. */
  private readonly ownOutputs = ownOutputFiles();
  private ownOutputsSaid = false;
  configError?: DevloopError;
  /** `devloop disable/enable` (enablement.ts). */
  readonly enablement: Enablement;

  constructor(
    initial: Resolved,
    private readonly opts: EngineOptions,
  ) {
    this.resolved = initial;
    this.board = new StatusBoard(opts.log, () => this.kick());
    this.k8s = new K8sTarget({
      ...opts,
      board: this.board,
      resolved: () => this.resolved,
      enqueue: (i) => this.enqueue(i),
      queued: (n) => this.queue.some((q) => q.resource === n),
    });
    this.targets = { k8s: this.k8s, local: new LocalTarget(this.board, opts.log, opts.processes) };
    this.setResources(initial.resources);
    this.enablement = new Enablement({
      board: this.board,
      log: opts.log,
      resources: () => this.resolved.resources,
      enqueue: (i) => this.enqueue(i),
      dequeue: (n) => {
        const i = this.queue.findIndex((q) => q.resource === n);
        if (i >= 0) this.queue.splice(i, 1);
        this.pendingChanges.delete(n);
      },
      pause: (r) => this.targets[r.type].pause(r),
    });
  }

  get status(): Map<string, ResourceStatus> {
    return this.board.status;
  }

  private readonly modes = new TriggerModes();

  private setResources(resources: Resource[]): void {
    this.modes.apply(resources);
    this.board.setResources(resources);
    for (const t of Object.values(this.targets)) t.setResources(resources);
  }

  resource(name: string): Resource | undefined {
    return this.resolved.resources.find((r) => r.name === name);
  }

  onChange(fn: () => void): () => void {
    return this.board.onChange(fn);
  }

  /** Queues the first update of every auto_init resource and starts processing. */
  start(): void {
    for (const r of this.resolved.resources) {
      if (!r.autoInit) continue;
      if (this.opts.mode === 'ci' && r.triggerMode === 'manual') {
        // ci runs what would run by itself; manual resources wait for a trigger that never comes in ci.
        this.board.set(r.name, 'disabled', 'trigger_mode manual: not run by devloop ci');
        continue;
      }
      this.enqueue({ resource: r.name, reason: 'Initial Build' });
    }
  }

  enqueue(item: UpdateItem): void {
    if (this.enablement?.isDisabled(item.resource)) return;
    const existing = this.queue.find((q) => q.resource === item.resource);
    if (existing) {
      existing.force ||= item.force;
      return;
    }
    this.queue.push(item);
    const s = this.board.get(item.resource);
    if (s && s.phase !== 'building' && s.phase !== 'deploying') this.board.set(item.resource, 'pending', 'queued');
    this.kick();
  }

  /** `devloop trigger NAME`: update now (also manual and auto_init:false resources), doing the work even if nothing changed. */
  trigger(name: string): void {
    const r = this.resource(name);
    if (!r) {
      throw new DevloopError('unknown-resource', `no resource named '${name}'`, {
        hint: `resources: ${this.resolved.resources.map((x) => x.name).join(', ')}`,
      });
    }
    if (this.enablement.isDisabled(name)) throw new DevloopError('resource-disabled', `resource '${name}' is disabled`, { hint: `devloop enable ${name}` });
    const s = this.board.get(name)!;
    const files = s.pendingFiles.length ? `${s.pendingFiles.length} changed file(s)` : 'no changed files';
    const changes = [...(this.pendingChanges.get(name)?.values() ?? [])];
    this.pendingChanges.delete(name);
    // Pending changes that live update can sync are synced, as they would have been in auto mode.
    const live = changes.length && r.type === 'k8s' ? this.k8s.liveDecisions(r, changes) : undefined;
    if (live) {
      s.pendingFiles = [];
      this.opts.log.line(name, `Triggered by devloop trigger (${files}): live update`);
      this.board.changed();
      void this.k8s.runLive(live.map((d) => ({ d, resource: name })));
      return;
    }
    this.enqueue({ resource: name, reason: `Triggered by devloop trigger (${files})`, force: true });
  }

  /** Switches a resource's trigger mode until devloop stops (the web UI); to auto with changes waiting: updates now. */
  setTriggerMode(name: string, mode: string): void {
    this.modes.switch(this.resolved.resources, name, mode);
    this.setResources(this.resolved.resources);
    if (mode === 'auto' && this.board.get(name)?.pendingFiles.length) this.trigger(name);
    this.board.changed();
  }

  /** What a queued resource's first update still waits for (resource_deps, uncategorized objects), if anything. */
  private blocked(name: string): string | undefined {
    const r = this.resource(name);
    if (!r) return undefined;
    const st = (n: string) => {
      const x = this.board.get(n);
      return x && { everReady: x.everReady, disabled: x.phase === 'disabled' };
    };
    return blockedOn(
      { exists: true, updated: Boolean(this.board.get(name)?.updates), resourceDeps: r.resourceDeps, waitsForUncategorized: r.type === 'k8s' },
      st,
      name,
    );
  }

  private kick(): void {
    if (this.processing || this.stopped) return;
    this.processing = true;
    void this.process().finally(() => {
      this.processing = false;
      if (this.queue.some((q) => !this.blocked(q.resource))) this.kick();
    });
  }

  private async process(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const { next: idx, waiting } = pickNext(
        this.queue.map((q) => q.resource),
        (n) => this.blocked(n),
      );
      for (const w of waiting) this.board.set(w.resource, 'waiting', `waiting for ${w.on} to be ready first (resource_deps)`);
      if (idx === undefined) return;
      const [item] = this.queue.splice(idx, 1);
      const r = this.resource(item.resource);
      if (!r) continue;
      const s = this.board.get(r.name)!;
      // ci has no watcher: what a resource's resource_deps made (a local_resource compiling into the context) is
      // read now, not as it was when the config loaded.
      if (this.opts.mode === 'ci' && r.resourceDeps.length && !this.refresh(r.name)) continue;
      s.pendingFiles = [];
      this.pendingChanges.delete(r.name);
      s.updates++;
      emit(this.opts.log, { type: 'update-start', resource: r.name, reason: item.reason });
      try {
        // The plan this update builds and deploys: a newer batch may replace this.resolved meanwhile (and supersede it).
        if (!(await this.targets[r.type].update(r, item, this.resolved))) s.updates--;
      } catch (e) {
        this.board.fail(r.name, isDevloopError(e) ? e : new DevloopError('internal', `updating ${r.name}: ${(e as Error).message}`, { cause: e }));
        if (!isDevloopError(e)) this.opts.log.line(r.name, (e as Error).stack ?? String(e));
      }
      await this.enablement.settle(r);
    }
  }

  /** Resolves the plan again from the files as they are now; false (the resource failed, saying why) on an error. */
  private refresh(name: string): boolean {
    try {
      this.resolved = resolve(this.resolved.plan, this.resolveOptions());
      return true;
    } catch (e) {
      this.board.fail(name, isDevloopError(e) ? e : new DevloopError('internal', String(e)));
      return false;
    }
  }

  /** The pods of a resource, for ci's failure report. */
  podsOf(name: string) {
    return this.k8s.podsOf(name);
  }

  // ------------------------------------------------------------------ changes (up mode)

  /** A debounced batch of file changes: re-evaluate if a config file changed, re-resolve, and queue what changed. */
  async handleBatch(batch: ChangeBatch): Promise<void> {
    const own = batch.files.filter((f) => this.ownOutputs.has(f.path));
    if (own.length) {
      if (!this.ownOutputsSaid)
        this.opts.log.line(
          '',
          `${own.map((f) => this.rel(f.path)).join(', ')} is where devloop's own output goes: its changes are ignored (never a build input)`,
        );
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
      emit(this.opts.log, {
        type: 'config',
        ok: ev.ok,
        error: ev.ok ? undefined : { message: ev.error.message, where: ev.error.where, hint: ev.error.hint },
        warnings: ev.ok ? ev.plan.warnings.map((w) => w.message) : [],
      });
      if (!ev.ok) {
        this.configError = ev.error;
        this.opts.log.line('', `Config error, still running the last good config: ${ev.error.message}${ev.error.where ? ` (${ev.error.where})` : ''}`);
        this.board.changed();
      } else {
        if (this.configError) this.opts.log.line('', 'Config fixed.');
        else
          this.opts.log.line(
            '',
            `Config changed (${files
              .filter((f) => configFiles.has(f))
              .map((f) => this.rel(f))
              .join(', ')}): evaluated again`,
          );
        this.configError = undefined;
        plan = ev.plan;
        reloaded = true;
        // What the config printed (and its local() commands), as on start.
        for (const l of ev.plan.logs) this.opts.log.line('', l);
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
    await this.applyResolved(
      next,
      batch.files.map((f) => ({ path: f.path, deleted: f.type === 'delete' })),
    );
    if (!reloaded) return;
    for (const r of removed) {
      // A resource the config no longer has: what runs for it stops and what devloop applied for it is deleted.
      this.opts.log.line(r.name, 'Removed from the config: deleting its objects');
      await this.targets[r.type].remove(r);
    }
    // Forwards of resources that are deployed and not about to update follow the new config now.
    for (const r of next.resources) {
      const s = this.board.get(r.name);
      if (r.type === 'k8s' && s && s.updates > 0 && !this.queue.some((q) => q.resource === r.name) && s.phase !== 'building' && s.phase !== 'deploying') {
        await this.k8s.syncForwards(r);
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
    const known = new Set(this.board.status.keys());
    this.setResources(next.resources);
    const shown = files.map((f) => this.rel(f));
    const filesText = `${files.length} File${files.length === 1 ? '' : 's'} Changed: [${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', ...' : ''}]`;
    const liveJobs = new Map<string, { d: LiveDecision; resource: string }>();
    for (const r of next.resources) {
      const s = this.board.get(r.name)!;
      if (this.enablement.isDisabled(r.name)) continue;
      const imgs = r.type === 'k8s' ? this.k8s.imagesFor(r) : [];
      const changedImages = imgs.filter((i: ResolvedImage) => this.k8s.current(i, prevTags.get(i.id)) !== i.inputs);
      const deps = r.local?.deps ?? [];
      const roots = imgs.flatMap((i) => (i.spec.type === 'docker' ? [i.spec.context] : i.spec.deps));
      // Live update is considered for auto resources with changed images (manual ones decide when triggered).
      const plan = changedImages.length && r.triggerMode === 'auto' && known.has(r.name) ? this.k8s.planLive(r, changedImages, changes) : undefined;
      const d = decideChange({
        type: r.type,
        isNew: !known.has(r.name),
        autoInit: r.autoInit,
        triggerMode: r.triggerMode,
        neverRun: s.updates === 0,
        disabled: s.phase === 'disabled',
        filesText,
        localDepsTouched: files.filter((f) => deps.some((x) => f === x || f.startsWith(`${x}/`))).length,
        changedImages: changedImages.map((i) => i.id),
        objectsChanged: r.type === 'k8s' && this.k8s.manifestsChanged(r, next),
        relatedFiles: files.filter((f) => roots.some((root) => f === root || f.startsWith(`${root}/`))).length,
        live: plan && ('live' in plan ? 'sync' : { reason: plan.reason }),
      });
      switch (d.kind) {
        case 'start':
        case 'update':
          this.enqueue({ resource: r.name, reason: d.reason });
          break;
        case 'live':
          for (const x of (plan as { live: LiveDecision[] }).live) if (!liveJobs.has(x.image.id)) liveJobs.set(x.image.id, { d: x, resource: r.name });
          break;
        case 'pending': {
          s.pendingFiles.push(...shown.filter((f) => !s.pendingFiles.includes(f)));
          if (d.firstRun) break;
          const pending = this.pendingChanges.get(r.name) ?? new Map<string, Change>();
          for (const c of changes) pending.set(c.path, c);
          this.pendingChanges.set(r.name, pending);
          this.opts.log.line(r.name, `${d.reason}: pending until triggered (trigger_mode manual): devloop trigger ${r.name}`);
          this.board.changed();
          break;
        }
        case 'unchanged':
          if (d.note) this.opts.log.line(r.name, d.note);
      }
    }
    this.k8s.cancelSuperseded(next);
    await this.k8s.runLive([...liveJobs.values()]);
  }

  // ------------------------------------------------------------------ ci

  /**
   * ci: resolves ok when every resource that should run is ready and has stayed ready for `settleMs`
   * (a container that crashes right after it starts looks Ready for a moment), not ok as soon as one fails.
   */
  waitForCi(settleMs = 2000): Promise<{ ok: boolean; failed?: ResourceStatus }> {
    return new Promise((resolveP) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (v: { ok: boolean; failed?: ResourceStatus }) => {
        off();
        if (timer) clearInterval(timer);
        resolveP(v);
      };
      const check = () => {
        if (this.stopped) return finish({ ok: false });
        const relevant = [...this.board.status.values()].filter((s) => s.phase !== 'disabled');
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
    return {
      clusterRegistry: this.opts.clusterRegistry,
      exclude: this.ownOutputs,
      walks: { cache: this.walks, reported: (abs) => (reported ??= reportedBy(watchRoots(this.resolved)))(abs) },
    };
  }

  /** The file watcher failed: changes may have gone unreported, so every context is walked in full again. */
  watchFailed(): void {
    this.walks.reset();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(Object.values(this.targets).map((t) => t.stop()));
  }
}

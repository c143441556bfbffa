/**
 * Live update: decides, per debounced batch, whether the changed files of a deployed image can be synced
 * into its running containers (or must rebuild, saying which file and why), runs the updates (one exec per
 * container, verified), remembers every file synced since the image was built so a restarted container or
 * a new pod gets them again, and marks an image stale after a failed run step so the next change rebuilds.
 */
import { relative } from 'node:path';
import type { ContainerExecutor, ContainerTarget } from '../../ports/container-exec.js';
import type { PodView } from '../../ports/cluster.js';
import { tryParseRef, familiarString } from '../../model/ref.js';
import { DevloopError, isDevloopError } from '../../model/errors.js';
import type { ResolvedImage } from '../../resolve/resolve.js';
import type { Resource } from '../../resolve/resources.js';
import type { SyncStep } from '../../config/spec.js';
import { walkContext } from '../../files/walk.js';
import { NOTHING_IGNORED } from '../../files/ignore.js';
import { emit, type Log } from '../log.js';
import { planLiveUpdate, remotePath, runsFor, type Change, type SyncPlan } from './plan.js';
import { packFiles } from './tar.js';
import { updateContainer } from './updater.js';
import { shq } from './script.js';

/** How long after a container starts a re-seed's files are touched again (see touchLater). */
const RESEED_SETTLE_MS = 2000; // startedAt has whole seconds: at least 1 s after the real start

export interface LiveUpdateHost {
  log: Log;
  executor: ContainerExecutor;
  cwd: string;
  podsOf(resource: string): PodView[];
  resources(): Resource[];
  /** Ask for a full rebuild of the resource, with the reason shown. */
  rebuild(resource: string, reason: string): void;
}

export type Decision =
  | { kind: 'live'; image: ResolvedImage; plan: SyncPlan; targets: ContainerTarget[]; resources: string[] }
  | { kind: 'rebuild'; reason: string };

interface ImageState {
  /** The cluster ref of the image the containers run (the last build deployed). */
  deployedRef: string;
  /** Remote path -> local path of every file synced since that build (re-seeded into restarted containers). */
  synced: Map<string, string>;
  deleted: Set<string>;
  /** A run step failed: the next change rebuilds. */
  staleReason?: string;
  /** Containers that have every synced file (by container ID). */
  seeded: Set<string>;
}

const normal = (ref: string) => {
  const r = tryParseRef(ref);
  return r ? familiarString(r) : ref;
};

export class LiveUpdateController {
  private readonly images = new Map<string, ImageState>();
  private readonly reseeding = new Set<string>();

  constructor(private readonly host: LiveUpdateHost) {}

  private rel(p: string): string {
    const r = relative(this.host.cwd, p);
    return r.startsWith('..') ? p : r;
  }

  /** Ends what the executor keeps open (warm shells). */
  close(): void {
    this.host.executor.close?.();
  }

  /** A build of this image was deployed: nothing has been synced on top of it yet. */
  deployed(img: ResolvedImage): void {
    if (img.spec.liveUpdate.length === 0) return;
    this.images.set(img.id, { deployedRef: img.clusterRef, synced: new Map(), deleted: new Set(), seeded: new Set() });
  }

  /** The running containers of an image, across every resource that uses it; or why they can't be updated. */
  private containers(img: ResolvedImage, st: ImageState): { targets: ContainerTarget[]; resources: string[] } | { problem: string } {
    const targets: ContainerTarget[] = [];
    const resources: string[] = [];
    const want = normal(st.deployedRef);
    for (const r of this.host.resources().filter((x) => x.images.includes(img.id))) {
      for (const p of this.host.podsOf(r.name)) {
        if (p.deleting) continue;
        for (const c of p.containers) {
          if (normal(c.image) !== want) continue;
          if (c.state === 'waiting' && c.reason === 'CrashLoopBackOff')
            return {
              problem: `container ${c.name} of pod ${p.name} is crash-looping (${c.lastTerminated ? `last exit code ${c.lastTerminated.exitCode}` : 'CrashLoopBackOff'})`,
            };
          if (c.state === 'terminated') return { problem: `container ${c.name} of pod ${p.name} has terminated` };
          if (c.state !== 'running') continue;
          targets.push({
            label: `pod ${p.name}/${c.name}`,
            namespace: p.namespace,
            pod: p.name,
            container: c.name,
            containerID: c.containerID,
            startedAt: c.startedAt,
          });
          if (!resources.includes(r.name)) resources.push(r.name);
        }
      }
    }
    if (targets.length === 0) return { problem: `no running container of ${img.id} to update` };
    return { targets, resources };
  }

  /** For one changed image: sync, or rebuild and why. `changes` are the batch's files. */
  decide(img: ResolvedImage, changes: Change[]): Decision {
    const st = this.images.get(img.id);
    if (!st) return { kind: 'rebuild', reason: '' };
    if (st.staleReason) return { kind: 'rebuild', reason: `the last live update failed (${st.staleReason}), so the container's state is unknown` };
    const roots = img.spec.type === 'docker' ? [img.spec.context] : img.spec.deps;
    const mine = changes.filter((c) => roots.some((root) => c.path === root || c.path.startsWith(`${root}/`)) && !this.ignored(img, c.path));
    if (mine.length === 0)
      return { kind: 'rebuild', reason: 'its build inputs changed without a file change under its context (e.g. the Dockerfile or build args)' };
    const plan = planLiveUpdate(img.spec.liveUpdate, mine, (p) => this.rel(p));
    if (plan.kind === 'rebuild') return plan;
    const c = this.containers(img, st);
    if ('problem' in c) return { kind: 'rebuild', reason: c.problem };
    return { kind: 'live', image: img, plan, ...c };
  }

  private ignored(img: ResolvedImage, path: string): boolean {
    if (img.spec.type !== 'docker' || !img.matcher) return false;
    const rel = relative(img.spec.context, path).split('\\').join('/');
    return img.matcher.excludes(rel);
  }

  /** Runs one live update on every target; returns false (after reporting) when any container failed. */
  async run(d: Extract<Decision, { kind: 'live' }>, resourceName: string): Promise<boolean> {
    const st = this.images.get(d.image.id)!;
    const t0 = performance.now();
    const { tar, packed, missing } = await packFiles(d.plan.copies);
    // A file deleted between the event and packing counts as deleted.
    const deletes = [...d.plan.deletes, ...d.plan.copies.filter((c) => missing.includes(c.local)).map((c) => c.remote)];
    const plan: SyncPlan = { ...d.plan, copies: d.plan.copies.filter((c) => !missing.includes(c.local)), deletes };
    const results = await Promise.all(
      d.targets.map((t) =>
        updateContainer(this.host.executor, t, plan, tar, packed).catch((e) => ({
          target: t,
          ranCommands: [] as string[],
          ms: 0,
          error: isDevloopError(e) ? e : new DevloopError('live-update-failed', `live update of ${t.label}: ${(e as Error).message}`),
        })),
      ),
    );
    for (const c of plan.copies) {
      st.synced.set(c.remote, c.local);
      st.deleted.delete(c.remote);
    }
    for (const r of plan.deletes) {
      st.synced.delete(r);
      st.deleted.add(r);
    }
    const failed = results.filter((r) => r.error);
    for (const r of results) if (!r.error && r.target.containerID) st.seeded.add(r.target.containerID);
    const ms = Math.round(performance.now() - t0);
    const ran = results.find((r) => !r.error)?.ranCommands ?? results[0]?.ranCommands ?? [];
    const parts = [`${plan.copies.length} file${plan.copies.length === 1 ? '' : 's'} synced`];
    if (plan.deletes.length) parts.push(`${plan.deletes.length} deleted`);
    parts.push(...ran);
    if (d.targets.length > 1) parts.push(`${d.targets.length - failed.length}/${d.targets.length} containers`);
    for (const f of failed) {
      st.staleReason = f.error!.message.replace(/^live update of /, '');
      this.host.log.line(resourceName, `✗ ${f.error!.message}`);
      for (const l of f.error!.details ?? []) this.host.log.line(resourceName, `    ${l}`);
      if (f.error!.hint) this.host.log.line(resourceName, `  hint: ${f.error!.hint}`);
    }
    this.host.log.line(resourceName, `live update ${d.resources.join(', ')}: ${parts.join(', ')}, ${ms} ms${failed.length ? ' — FAILED' : ''}`);
    emit(this.host.log, {
      type: 'live-update',
      resource: resourceName,
      image: d.image.id,
      files: plan.copies.length,
      deleted: plan.deletes.length,
      runs: ran,
      ms,
      ok: failed.length === 0,
    });
    return failed.length === 0;
  }

  /**
   * Pods changed: a restarted container or a new pod of a live-updated image first gets every file synced
   * since its image was built (and with initial_sync(), every synced path); a crash-looping container leads
   * to a rebuild.
   */
  onPods(resource: string, images: ResolvedImage[]): void {
    for (const img of images) {
      const st = this.images.get(img.id);
      if (!st) continue;
      const c = this.containers(img, st);
      // A container that is restarting is re-seeded once it runs again (its new container ID is unseeded).
      if ('problem' in c) continue;
      // The next change will be synced into these containers: the executor may open their warm shells now.
      for (const t of c.targets) this.host.executor.prepare?.(t);
      const initial = img.spec.liveUpdate.some((s) => s.type === 'initial_sync');
      if (!initial && st.synced.size === 0 && st.deleted.size === 0) continue;
      for (const t of c.targets) {
        if (!t.containerID || st.seeded.has(t.containerID) || this.reseeding.has(t.containerID)) continue;
        void this.reseed(img, st, t, resource, initial);
      }
    }
  }

  /**
   * A re-seed can land while the container's process is still starting, before its reloader (node --watch, nodemon)
   * watches the files: it would then run the old code with the new files on disk. So when the container started less
   * than RESEED_SETTLE_MS before, the files are touched again once it has run about that long; a reloader that was already
   * watching just restarts once more.
   */
  private touchLater(t: ContainerTarget, remotes: string[]): void {
    const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
    if (remotes.length === 0 || !Number.isFinite(started)) return;
    const wait = started + RESEED_SETTLE_MS - Date.now();
    if (wait <= 0) return;
    setTimeout(() => {
      void this.host.executor.exec(t, ['sh', '-c', `touch -c -- ${remotes.map(shq).join(' ')} 2>/dev/null; true`]).catch(() => undefined);
    }, wait).unref();
  }

  private async reseed(img: ResolvedImage, st: ImageState, t: ContainerTarget, resource: string, initial: boolean): Promise<void> {
    const id = t.containerID!;
    this.reseeding.add(id);
    try {
      const copies = new Map<string, string>();
      if (initial) {
        for (const s of img.spec.liveUpdate.filter((x): x is SyncStep => x.type === 'sync')) {
          for (const e of walkContext(s.local, NOTHING_IGNORED)) {
            const local = `${s.local}/${e.path}`;
            if ((e.type === 'file' || e.type === 'symlink') && !this.ignored(img, local)) copies.set(remotePath(s, local), local);
          }
        }
      }
      for (const [remote, local] of st.synced) copies.set(remote, local);
      // What run() steps made from these files (an npm install, a compiled file) went with the old container: the
      // steps that these files trigger run again, in order, after the files are back.
      const runs = runsFor(img.spec.liveUpdate, [...copies.values()], (p) => this.rel(p));
      const plan: SyncPlan = { kind: 'sync', copies: [...copies].map(([remote, local]) => ({ local, remote })), deletes: [...st.deleted], runs };
      // The process started with the image's files: restart_process() restarts it on the re-seeded ones.
      const restart = img.spec.liveUpdate.find((x) => x.type === 'restart_process');
      if (restart && (copies.size || st.deleted.size)) plan.restart = { step: restart };
      const { tar, packed } = await packFiles(plan.copies);
      const r = await updateContainer(this.host.executor, t, plan, tar, packed);
      if (r.error) {
        this.host.log.line(resource, `✗ re-seeding ${t.label} failed: ${r.error.message}`);
        for (const l of r.error.details ?? []) this.host.log.line(resource, `    ${l}`);
        st.staleReason = r.error.message;
        if (r.error.code === 'live-update-run-failed')
          this.host.rebuild(resource, `re-running the run steps in restarted ${t.label} failed (${r.error.message.replace(/^live update of [^:]*: /, '')})`);
        return;
      }
      st.seeded.add(id);
      this.touchLater(
        t,
        packed.map((p) => p.remote),
      );
      const ran = r.ranCommands.length ? `, ${r.ranCommands.join(', ')}` : '';
      this.host.log.line(
        resource,
        `live update ${resource}: ${initial && st.synced.size === 0 ? 'initial sync of' : 're-seeded'} ${t.label} with ${packed.length} file${packed.length === 1 ? '' : 's'}${plan.deletes.length ? ` and ${plan.deletes.length} deletion${plan.deletes.length === 1 ? '' : 's'}` : ''} (changed since its image was built)${ran}, ${Math.round(r.ms)} ms`,
      );
    } finally {
      this.reseeding.delete(id);
    }
  }
}

/** The page's model: resources as the engine last reported them, their builds and live updates, from the events. */
import type { ErrorView, ResourceView, Snapshot, StreamEvent } from './api.js';
import { levelOf, LogStore, type LogSource } from './logs.js';

export interface Step {
  image: string;
  kind: 'build' | 'push';
  step: number;
  total: number;
  ms?: number;
  cached?: boolean;
}
export interface Build {
  startedAt: number;
  endedAt?: number;
  reason: string;
  steps: Step[];
  result?: string;
  cachedSteps: number;
}
export interface LiveUpdateRun {
  at: number;
  files: number;
  deleted: number;
  runs: string[];
  ms: number;
  ok: boolean;
}

export interface Res extends ResourceView {
  lastUpdateAt?: number;
  lastDurationMs?: number;
  builds: Build[];
  lives: LiveUpdateRun[];
}

const BUSY = new Set(['pending', 'building', 'deploying']);

export class Model {
  resources = new Map<string, Res>();
  configFile = '';
  configError?: ErrorView;
  configWarnings: string[] = [];
  readonly logs = new LogStore();
  droppedEvents = 0;
  /** Image name -> resource (step events name the image's source). */
  private readonly imageOwner = new Map<string, string>();

  snapshot(s: Snapshot): void {
    this.configFile = s.configFile;
    this.configError = s.configErrorDetail;
    const next = new Map<string, Res>();
    for (const r of s.resources) {
      const old = this.resources.get(r.name);
      next.set(r.name, { ...r, lastUpdateAt: old?.lastUpdateAt, lastDurationMs: old?.lastDurationMs, builds: old?.builds ?? [], lives: old?.lives ?? [] });
    }
    this.resources = next;
  }

  private ownerOf(source: string): Res | undefined {
    return this.resources.get(source) ?? this.resources.get(this.imageOwner.get(source) ?? '');
  }

  private currentBuild(r: Res, at: number): Build {
    let b = r.builds.at(-1);
    if (!b || b.endedAt !== undefined) {
      b = { startedAt: at, reason: r.reason, steps: [], cachedSteps: 0 };
      r.builds.push(b);
      if (r.builds.length > 20) r.builds.shift();
    }
    return b;
  }

  /** Applies a batch of events; returns what changed ('resources', 'logs'). */
  apply(events: StreamEvent[]): { resources: boolean; logs: boolean; refetch: boolean } {
    const out = { resources: false, logs: false, refetch: false };
    for (const e of events) {
      switch (e.type) {
        case 'log': {
          const r = this.ownerOf(e.source);
          const source: LogSource = !e.source ? 'system' : r && !this.resources.has(e.source) ? 'build' : r && BUSY.has(r.phase) ? 'build' : 'runtime';
          this.logs.add({ seq: e.seq, at: e.at, resource: r?.name ?? e.source, text: e.text, source, level: levelOf(e.text) });
          out.logs = true;
          break;
        }
        case 'dropped':
          this.droppedEvents += e.count;
          out.logs = true;
          break;
        case 'status': {
          const r = this.resources.get(e.resource);
          if (!r) {
            out.refetch = true;
            break;
          }
          const was = r.phase;
          r.phase = e.phase;
          r.reason = e.reason;
          if (typeof e.restarts === 'number') r.restarts = e.restarts;
          const working = (p: string) => p === 'building' || p === 'deploying';
          if (!working(was) && working(e.phase)) {
            r.lastUpdateAt = e.at;
            this.currentBuild(r, e.at).reason = e.reason;
          }
          if (BUSY.has(was) && !BUSY.has(e.phase)) {
            const b = r.builds.at(-1);
            if (b && b.endedAt === undefined) {
              b.endedAt = e.at;
              b.result = e.phase;
              r.lastDurationMs = e.at - b.startedAt;
            }
          }
          out.resources = true;
          out.refetch = true;
          break;
        }
        case 'step-start': {
          if (!this.resources.has(e.source)) this.imageOwner.set(e.image, [...this.resources.values()].find((x) => x.phase === 'building')?.name ?? '');
          else this.imageOwner.set(e.image, e.source);
          const r = this.ownerOf(e.source) ?? this.ownerOf(e.image);
          if (r) this.currentBuild(r, e.at).steps.push({ image: e.image, kind: e.kind, step: e.step, total: e.total });
          out.resources = true;
          break;
        }
        case 'step-end': {
          const r = this.ownerOf(e.source) ?? this.ownerOf(e.image);
          const s = r?.builds.at(-1)?.steps.findLast((x) => x.image === e.image && x.kind === e.kind && x.ms === undefined);
          if (s) s.ms = e.ms;
          out.resources = true;
          break;
        }
        case 'image-progress': {
          if (e.progress?.kind === 'step' && e.progress.state === 'cached') {
            const b = (this.ownerOf(e.source) ?? this.ownerOf(e.image))?.builds.at(-1);
            if (b) b.cachedSteps++;
          }
          break;
        }
        case 'live-update': {
          const r = this.resources.get(e.resource);
          if (r) {
            r.lives.push({ at: e.at, files: e.files, deleted: e.deleted, runs: e.runs, ms: e.ms, ok: e.ok });
            if (r.lives.length > 20) r.lives.shift();
            r.lastUpdateAt = e.at;
            r.lastDurationMs = e.ms;
          }
          out.resources = true;
          break;
        }
        case 'applied':
          out.refetch = true;
          break;
        case 'config':
          this.configError = e.ok ? undefined : e.error;
          this.configWarnings = e.warnings ?? [];
          out.resources = true;
          out.refetch = true;
          break;
      }
    }
    return out;
  }
}

/** What the list shows as the status: the engine's phase in the words of the issue (crash-looping with restarts). */
export function displayStatus(r: Res): { key: string; text: string } {
  switch (r.phase) {
    case 'runtime':
      return { key: 'deploying', text: 'deploying' };
    case 'failed':
      if (r.restarts > 0 && /crash|back-?off|restart/i.test(r.reason))
        return { key: 'crash-looping', text: `crash-looping (${r.restarts} restart${r.restarts === 1 ? '' : 's'})` };
      return { key: 'failed', text: 'failed' };
    default:
      return { key: r.phase, text: r.phase };
  }
}

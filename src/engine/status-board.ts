/**
 * The status of every resource, and the one place it changes: each change is an event (`status`), a resource that
 * becomes ready or fails says so in one line, and listeners (the footer, ci's wait, the queue) hear of it.
 */
import type { DevloopError } from '../model/errors.js';
import type { Resource } from '../resolve/resources.js';
import { emit, type Log } from './log.js';

export type ResourcePhase = 'pending' | 'waiting' | 'building' | 'deploying' | 'runtime' | 'ready' | 'failed' | 'disabled';

export interface ResourceStatus {
  name: string;
  type: Resource['type'];
  phase: ResourcePhase;
  reason: string;
  triggerMode: 'auto' | 'manual';
  /** Files changed since the last update, waiting for a trigger (manual mode) or for the queue. */
  pendingFiles: string[];
  everReady: boolean;
  /** When it last became ready (epoch ms). */
  readySince?: number;
  updates: number;
  /** When its phase last changed (epoch ms). */
  changedAt?: number;
  error?: DevloopError;
}

export class StatusBoard {
  readonly status = new Map<string, ResourceStatus>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly log: Log,
    private readonly onReady: () => void,
  ) {}

  /** Statuses follow the config: new resources start pending (or disabled: auto_init off); removed ones go. */
  setResources(resources: Resource[]): void {
    for (const r of resources) {
      const s = this.status.get(r.name);
      if (s) {
        s.triggerMode = r.triggerMode;
        continue;
      }
      this.status.set(r.name, {
        name: r.name,
        type: r.type,
        phase: r.autoInit ? 'pending' : 'disabled',
        reason: r.autoInit ? 'queued' : 'auto_init is off: waiting for a trigger',
        triggerMode: r.triggerMode,
        pendingFiles: [],
        everReady: false,
        updates: 0,
      });
    }
    for (const name of [...this.status.keys()]) if (!resources.some((r) => r.name === name)) this.status.delete(name);
  }

  get(name: string): ResourceStatus | undefined {
    return this.status.get(name);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(): void {
    for (const fn of this.listeners) fn();
  }

  set(name: string, phase: ResourcePhase, reason: string, error?: DevloopError): void {
    const s = this.status.get(name);
    if (!s) return;
    const was = s.phase;
    const wasReason = s.reason;
    s.phase = phase;
    s.reason = reason;
    s.error = error;
    if (was !== phase) s.changedAt = Date.now();
    if (phase === 'ready') {
      s.everReady = true;
      if (was !== 'ready') s.readySince = Date.now();
    } else {
      s.readySince = undefined;
    }
    if (was !== phase || wasReason !== reason) emit(this.log, { type: 'status', resource: name, phase, reason });
    if (was !== phase && (phase === 'ready' || phase === 'failed')) {
      this.log.line(name, phase === 'ready' ? `✓ ready: ${reason}` : `✗ failed: ${reason}`);
      if (phase === 'failed' && error?.hint) this.log.line(name, `  hint: ${error.hint}`);
    }
    this.changed();
    if (phase === 'ready') this.onReady();
  }

  fail(name: string, e: DevloopError): void {
    this.set(name, 'failed', e.message, e);
  }
}

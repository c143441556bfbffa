/**
 * Debounce and deduplication for one watch handle: changes are collected until `debounceMs` pass with no
 * new change (or `maxWaitMs` after the first), then handed over as one batch with each path once.
 * fs.watch delivers a change as soon as the kernel reports it, so the batch closes `debounceMs` after the
 * last change, not later.
 */
import type { ChangeBatch, ChangeType, FileChange } from '../../ports/file-watcher.js';

export const DEFAULT_DEBOUNCE_MS = 20;
export const DEFAULT_MAX_WAIT_MS = 2000;

/** Epoch milliseconds with sub-millisecond precision (Date.now() has 1 ms steps). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Node's timers count whole milliseconds: one may fire up to this much before its time by nowMs(). */
const TIMER_SLACK_MS = 1;

/** The net change when `next` follows `prev` within one batch. */
export function mergeChange(prev: ChangeType, next: ChangeType): ChangeType {
  if (next === 'delete') return 'delete';
  if (next === 'create') return prev === 'delete' || prev === 'update' ? 'update' : 'create';
  return prev === 'create' ? 'create' : 'update';
}

export interface BatcherOptions {
  debounceMs: number;
  maxWaitMs: number;
  now?: () => number;
}

export class ChangeBatcher {
  private pending = new Map<string, { type: ChangeType; labels: Set<string> }>();
  private firstAt = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly emit: (batch: ChangeBatch) => void,
  ) {
    this.now = opts.now ?? nowMs;
  }

  /** Record one change seen at `at`; the batch then closes `debounceMs` after the last one. */
  add(path: string, type: ChangeType, label: string | undefined, at: number): void {
    if (this.closed) return;
    if (this.pending.size === 0) this.firstAt = at;
    this.lastAt = Math.max(this.lastAt, at);
    const prev = this.pending.get(path);
    if (prev) prev.type = mergeChange(prev.type, type);
    else this.pending.set(path, { type, labels: new Set() });
    if (label !== undefined) this.pending.get(path)!.labels.add(label);
    // One timer per batch, armed again when it fires early (cheaper than resetting it on every change).
    // Always through a timer: onBatch never runs inside the fs.watch callback.
    this.timer ??= setTimeout(() => this.due(), this.opts.debounceMs);
  }

  get size(): number {
    return this.pending.size;
  }

  private due(): void {
    this.timer = undefined;
    if (this.closed || this.pending.size === 0) return;
    const left = Math.min(this.lastAt + this.opts.debounceMs, this.firstAt + this.opts.maxWaitMs) - this.now();
    if (left > TIMER_SLACK_MS) this.timer = setTimeout(() => this.due(), Math.ceil(left));
    else this.flush();
  }

  /** Deliver what is pending now (used by close paths and tests). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.pending.size === 0) return;
    const files: FileChange[] = [...this.pending]
      .map(([path, c]) => ({ path, type: c.type, labels: [...c.labels].sort() }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const batch: ChangeBatch = { files, firstEventAt: this.firstAt, flushedAt: this.now() };
    this.pending.clear();
    this.emit(batch);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/**
 * Debounce and deduplication for one watch handle: changes are collected until `debounceMs` pass with no
 * new change (or `maxWaitMs` after the first), then handed over as one batch with each path once.
 *
 * @parcel/watcher debounces too, in C++ (src/Debounce.cc, the same for the whole process): a change that
 * comes more than 500 ms after its previous delivery is delivered AT ONCE ("immediate"); any other is HELD
 * until 50 ms pass with no change ("held"). So a follow-up change made just after an immediate delivery only
 * reaches JavaScript 50 ms later, and waiting `debounceMs` after an immediate delivery would close the batch
 * before it arrives (two quick saves would become two batches). Hence, after a delivery:
 *   immediate:  wait debounceMs + 50 (the follow-up, if any, is still held natively);
 *   held:       the native side has already seen 50 ms of quiet, so wait 0 if debounceMs <= 50, else debounceMs;
 *   synthetic:  (events devloop made up after a re-scan) wait debounceMs.
 */
import type { ChangeBatch, ChangeType, FileChange } from '../../ports/file-watcher.js';

/** @parcel/watcher 2.6 Debounce.hh MIN_WAIT_TIME: how long it holds a change that follows a recent delivery. */
export const NATIVE_HOLD_MS = 50;
/** Debounce.hh MAX_WAIT_TIME: after this much time without a delivery, the next change is delivered at once. */
export const NATIVE_IDLE_MS = 500;

export const DEFAULT_DEBOUNCE_MS = 20;
export const DEFAULT_MAX_WAIT_MS = 2000;

export type Arrival = 'immediate' | 'held' | 'synthetic';

/** Epoch milliseconds with sub-millisecond precision (Date.now() has 1 ms steps). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** The net change when `next` follows `prev` within one batch. */
export function mergeChange(prev: ChangeType, next: ChangeType): ChangeType {
  if (next === 'delete') return 'delete';
  if (next === 'create') return prev === 'delete' || prev === 'update' ? 'update' : 'create';
  return prev === 'create' ? 'create' : 'update';
}

/** How long to keep a batch open after a delivery of this kind. */
export function quietAfter(kind: Arrival, debounceMs: number): number {
  if (kind === 'immediate') return debounceMs > 0 ? debounceMs + NATIVE_HOLD_MS : 0;
  if (kind === 'held') return debounceMs > NATIVE_HOLD_MS ? debounceMs : 0;
  return debounceMs;
}

export interface BatcherOptions {
  debounceMs: number;
  maxWaitMs: number;
  now?: () => number;
}

export class ChangeBatcher {
  private pending = new Map<string, { type: ChangeType; labels: Set<string> }>();
  private firstAt = 0;
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly emit: (batch: ChangeBatch) => void,
  ) {
    this.now = opts.now ?? nowMs;
  }

  /** Record one change seen at `at`. Call settle() once the delivery it came with has been read. */
  add(path: string, type: ChangeType, label: string | undefined, at: number): void {
    if (this.closed) return;
    if (this.pending.size === 0) this.firstAt = at;
    const prev = this.pending.get(path);
    if (prev) prev.type = mergeChange(prev.type, type);
    else this.pending.set(path, { type, labels: new Set() });
    if (label !== undefined) this.pending.get(path)!.labels.add(label);
  }

  get size(): number {
    return this.pending.size;
  }

  /** A delivery of this kind ended at `at`: (re)arm the timer that closes the batch. */
  settle(kind: Arrival, at: number): void {
    if (this.closed || this.pending.size === 0) return;
    const quietUntil = at + quietAfter(kind, this.opts.debounceMs);
    // Synthetic changes never shorten a wait already armed by a native delivery.
    this.deadline = kind === 'synthetic' ? Math.max(this.deadline, quietUntil) : quietUntil;
    this.deadline = Math.min(this.deadline, this.firstAt + this.opts.maxWaitMs);
    if (this.timer) clearTimeout(this.timer);
    // Always through a timer: onBatch never runs inside the native callback.
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.deadline - this.now()));
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
    this.deadline = 0;
    this.emit(batch);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

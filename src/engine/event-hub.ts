/**
 * The engine's events kept for readers that come and go (the control API's stream, `devloop logs`, the web UI):
 * a bounded history (the newest events; older ones are dropped, and a reader that asks for them is told how many
 * it missed) and live delivery to subscribers, each with a bounded queue that drops its oldest events for a slow
 * reader rather than slowing the engine, saying so.
 */
import type { EngineEvent } from './events.js';
import { streamOfKind, type Log } from './log.js';
import { levelOf, streamOf } from './log-level.js';

export interface Stamped {
  seq: number;
  /** Epoch ms. */
  at: number;
  event: EngineEvent | { type: 'dropped'; count: number };
}

export interface Subscriber {
  /** Takes what is queued (in order); a `dropped` entry says how many events this reader lost. */
  drain(): Stamped[];
  close(): void;
}

/**
 * A list that drops from its front in O(1) amortized: the dropped entries are skipped by an offset and cut off in
 * one go once they are as many as the kept ones (a splice per push costs O(n): 240 µs a line at 20,000 kept).
 */
class Window {
  private items: Stamped[] = [];
  private start = 0;

  constructor(initial: Stamped[] = []) {
    this.items = initial;
  }

  get length(): number {
    return this.items.length - this.start;
  }

  get first(): Stamped | undefined {
    return this.items[this.start];
  }

  push(s: Stamped): void {
    this.items.push(s);
  }

  /** Drops the oldest `n`. */
  drop(n: number): void {
    this.start += n;
    if (this.start >= this.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }

  /** Takes everything. */
  take(): Stamped[] {
    const out = this.start ? this.items.slice(this.start) : this.items;
    this.items = [];
    this.start = 0;
    return out;
  }

  filter(fn: (s: Stamped) => boolean): Stamped[] {
    const out: Stamped[] = [];
    for (let i = this.start; i < this.items.length; i++) if (fn(this.items[i])) out.push(this.items[i]);
    return out;
  }
}

export class EventHub {
  private readonly history = new Window();
  private seq = 0;
  private readonly subscribers = new Set<{ queue: Window; dropped: number; wake: () => void }>();

  constructor(
    private readonly keep = 20_000,
    private readonly queueLimit = 10_000,
  ) {}

  push(event: EngineEvent): void {
    const s: Stamped = { seq: ++this.seq, at: Date.now(), event };
    this.history.push(s);
    if (this.history.length > this.keep) this.history.drop(this.history.length - this.keep);
    for (const sub of this.subscribers) {
      sub.queue.push(s);
      if (sub.queue.length > this.queueLimit) {
        const n = sub.queue.length - this.queueLimit;
        sub.queue.drop(n);
        sub.dropped += n;
      }
      sub.wake();
    }
  }

  /** The newest sequence number handed out. */
  get last(): number {
    return this.seq;
  }

  /** Events after `since` (all kept ones by default), then live ones; `wake` is called when more are queued. */
  subscribe(wake: () => void, since = 0): Subscriber {
    const kept = this.history.filter((s) => s.seq > since);
    const oldest = this.history.first;
    const missed = oldest && since < oldest.seq - 1 && since > 0 ? oldest.seq - 1 - since : 0;
    const sub = { queue: new Window(kept), dropped: missed, wake };
    this.subscribers.add(sub);
    return {
      drain: () => {
        const out = sub.queue.take();
        if (sub.dropped) {
          out.unshift({ seq: out[0]?.seq ?? this.seq, at: Date.now(), event: { type: 'dropped', count: sub.dropped } });
          sub.dropped = 0;
        }
        return out;
      },
      close: () => {
        this.subscribers.delete(sub);
      },
    };
  }

  /** A log that also records every line and event here, around the renderer's log. */
  tee(log: Log): Log {
    return {
      line: (source, text, kind) => {
        log.line(source, text, kind);
        this.push({ type: 'log', source, text, stream: streamOf(source, streamOfKind(kind)), level: levelOf(text) });
      },
      event: (e) => {
        log.event?.(e);
        this.push(e);
      },
    };
  }
}

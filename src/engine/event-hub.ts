/**
 * The engine's events kept for readers that come and go (the control API's stream, `devloop logs`, the web UI):
 * a bounded history (the newest events; older ones are dropped, and a reader that asks for them is told how many
 * it missed) and live delivery to subscribers, each with a bounded queue that drops its oldest events for a slow
 * reader rather than slowing the engine, saying so.
 */
import type { EngineEvent } from './events.js';
import type { Log } from './log.js';
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

export class EventHub {
  private readonly history: Stamped[] = [];
  private seq = 0;
  private readonly subscribers = new Set<{ queue: Stamped[]; dropped: number; wake: () => void }>();

  constructor(private readonly keep = 20_000, private readonly queueLimit = 10_000) {}

  push(event: EngineEvent): void {
    const s: Stamped = { seq: ++this.seq, at: Date.now(), event };
    this.history.push(s);
    if (this.history.length > this.keep) this.history.splice(0, this.history.length - this.keep);
    for (const sub of this.subscribers) {
      sub.queue.push(s);
      if (sub.queue.length > this.queueLimit) {
        const n = sub.queue.length - this.queueLimit;
        sub.queue.splice(0, n);
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
    const missed = this.history.length && since < this.history[0].seq - 1 && since > 0 ? this.history[0].seq - 1 - since : 0;
    const sub = { queue: kept, dropped: missed, wake };
    this.subscribers.add(sub);
    return {
      drain: () => {
        const out = sub.queue.splice(0);
        if (sub.dropped) {
          out.unshift({ seq: out[0]?.seq ?? this.seq, at: Date.now(), event: { type: 'dropped', count: sub.dropped } });
          sub.dropped = 0;
        }
        return out;
      },
      close: () => { this.subscribers.delete(sub); },
    };
  }

  /** A log that also records every line and event here, around the renderer's log. */
  tee(log: Log): Log {
    return {
      line: (source, text, stream) => {
        log.line(source, text, stream);
        this.push({ type: 'log', source, text, stream: streamOf(source, stream), level: levelOf(text) });
      },
      event: (e) => {
        log.event?.(e);
        this.push(e);
      },
    };
  }
}

// Runs controllers: each says which keys a store event concerns, and reconciles one key at a time.
// A key is queued once however many events name it; a failing reconcile is retried after a short delay.
import type { Store, StoreEvent } from '../api/store.js';

export interface Controller {
  name: string;
  keysFor(e: StoreEvent): string[];
  reconcile(key: string): Promise<void> | void;
}

export class ControllerManager {
  private controllers: Controller[] = [];
  private queued = new Map<string, { c: Controller; key: string }>();
  private timers = new Set<NodeJS.Timeout>();
  private unsubscribe?: () => void;
  private scheduled = false;
  private running = false;
  private stopped = false;

  constructor(
    private store: Store,
    private onError: (e: unknown) => void = () => {},
  ) {}

  add(c: Controller): void {
    this.controllers.push(c);
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e) => {
      for (const c of this.controllers) for (const key of c.keysFor(e)) this.enqueue(c, key);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
  }

  enqueue(c: Controller, key: string): void {
    if (this.stopped) return;
    this.queued.set(`${c.name}\u0000${key}`, { c, key });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.drain());
    }
  }

  requeueAfter(c: Controller, key: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(c, key);
    }, ms);
    this.timers.add(t);
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    try {
      while (this.queued.size && !this.stopped) {
        const [id, { c, key }] = this.queued.entries().next().value!;
        this.queued.delete(id);
        try {
          await c.reconcile(key);
        } catch (e) {
          this.onError(e);
          this.requeueAfter(c, key, 500);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

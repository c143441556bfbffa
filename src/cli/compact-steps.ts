/**
 * A rebuild on the terminal as one line per step with its duration, unless --verbose:
 *   STEP 1/3 — Building Dockerfile: [web-base] · 2.1s
 * The lines a step prints (the Dockerfile as sent, the builder's steps, push progress) are held while it runs and
 * dropped when it ends well; when an image fails they are printed, so a failure shows everything. The per-step
 * summary the scheduler prints after the build (`Step 1 - 2.10s (...)`) repeats those lines and is left out; its
 * `DONE IN` line stays. Plain output (no terminal) prints every line, as before.
 */
import type { EngineEvent } from '../engine/events.js';
import type { LineKind } from '../engine/log.js';
import { took } from './commands/view-format.js';

interface Held {
  lines: string[];
  active: number;
  titles: Map<string, string>;
  last?: string;
}

/** Which step a step-start/step-end event names: a build of an image, or its push. */
const stepKey = (kind: string, image: string) => `${kind} ${image}`;

export class StepCompactor {
  /** Source -> the step lines held while its steps run. */
  private readonly held = new Map<string, Held>();

  constructor(private readonly print: (source: string, text: string) => void) {}

  /** Lines are told apart by the role the scheduler gives them, never by their text. */
  line(source: string, text: string, role?: LineKind): void {
    const h = this.held.get(source);
    if (role === 'step') {
      const held: Held = h ?? { lines: [], active: 0, titles: new Map() };
      held.lines.push(text);
      held.last = text;
      this.held.set(source, held);
      return;
    }
    if (role === 'step-output') {
      // Held while a step runs; the blank line after a step is dropped.
      if (h) h.lines.push(text);
      return;
    }
    // The per-step summary after the build repeats what the per-step lines already said.
    if (role === 'build-summary') return;
    if (h) {
      h.lines.push(text);
      return;
    }
    this.print(source, text);
  }

  event(e: EngineEvent): void {
    if (e.type === 'step-start') {
      const h = this.held.get(e.source);
      if (!h) return;
      h.active++;
      if (h.last) h.titles.set(stepKey(e.kind, e.image), h.last);
      return;
    }
    if (e.type === 'step-end') {
      const h = this.held.get(e.source);
      if (!h) return;
      h.active--;
      this.print(e.source, `${h.titles.get(stepKey(e.kind, e.image)) ?? h.last ?? ''} · ${took(e.ms)}`);
      if (h.active <= 0) this.held.delete(e.source);
      return;
    }
    if (e.type === 'image-done' && e.status === 'failed') {
      const h = this.held.get(e.source);
      this.held.delete(e.source);
      for (const l of h?.lines ?? []) this.print(e.source, l);
    }
  }
}

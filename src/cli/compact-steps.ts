/**
 * A rebuild on the terminal as one line per step with its duration, unless --verbose:
 *   STEP 1/3 — Building Dockerfile: [web-base] · 2.1s
 * The lines a step prints (the Dockerfile as sent, the builder's steps, push progress) are held while it runs and
 * dropped when it ends well; when an image fails they are printed, so a failure shows everything. The per-step
 * summary the scheduler prints after the build (`Step 1 - 2.10s (...)`) repeats those lines and is left out; its
 * `DONE IN` line stays. Plain output (no terminal) prints every line, as before.
 */
import type { EngineEvent } from '../engine/events.js';
import { took } from './commands/view-format.js';

const STEP = /^STEP \d+\/\d+ — /;
const SUMMARY = /^\s+Step \d+ - \d+\.\d+s \(/;

interface Held { title: string; lines: string[]; active: number }

export class StepCompactor {
  /** Source -> the step lines held while its steps run. */
  private readonly held = new Map<string, Held>();

  constructor(private readonly print: (source: string, text: string) => void) {}

  line(source: string, text: string): void {
    const h = this.held.get(source);
    if (STEP.test(text)) {
      if (h) {
        h.lines.push(text);
        h.title = text;
      } else {
        this.held.set(source, { title: text, lines: [text], active: 0 });
      }
      return;
    }
    if (h) {
      h.lines.push(text);
      return;
    }
    // The blank line after each step, and the summary the per-step lines already gave.
    if (source && text === '') return;
    if (!source && SUMMARY.test(text)) return;
    this.print(source, text);
  }

  event(e: EngineEvent): void {
    if (e.type === 'step-start') {
      const h = this.held.get(e.source);
      if (h) h.active++;
      return;
    }
    if (e.type === 'step-end') {
      const h = this.held.get(e.source);
      if (!h) return;
      h.active--;
      const title = [...h.lines].reverse().find((l) => STEP.test(l) && l.includes(e.kind === 'push' ? 'Pushing' : `[${e.image}]`)) ?? h.title;
      this.print(e.source, `${title} · ${took(e.ms)}`);
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

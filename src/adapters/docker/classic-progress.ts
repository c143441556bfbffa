/**
 * The classic builder's output: raw lines, passed through. Steps (`Step 2/3 : COPY . .`) are tracked to
 * report durations, `[cached]` (` ---> Using cache`) and, on failure, the failing step and its output.
 */
import type { BuildOutput, BuildStep } from '../../ports/image-builder.js';
import type { FailedStep } from './buildkit-progress.js';

const TAIL_LINES = 30;

interface ClassicStep {
  name: string;
  cached: boolean;
  startMs: number;
  endMs?: number;
  tail: string[];
}

export class ClassicPrinter {
  private readonly stepList: ClassicStep[] = [];
  private partial = '';

  constructor(
    private readonly out: BuildOutput,
    private readonly now: () => number = Date.now,
  ) {}

  /** A chunk of the `stream` text; may hold several lines or part of one. */
  text(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.lineIn(p.replace(/\r$/, '').trimEnd());
  }

  note(line: string): void {
    this.lineIn(line);
  }

  finish(): void {
    if (this.partial !== '') this.lineIn(this.partial.trimEnd());
    this.partial = '';
    const last = this.stepList.at(-1);
    if (last && last.endMs === undefined) last.endMs = this.now();
  }

  failed(): FailedStep | undefined {
    const last = this.stepList.at(-1);
    return last && { name: last.name, error: '', tail: last.tail.slice() };
  }

  steps(): BuildStep[] {
    return this.stepList.map((s) => ({ name: s.name, cached: s.cached, seconds: s.cached ? 0 : ((s.endMs ?? s.startMs) - s.startMs) / 1000 }));
  }

  private lineIn(line: string): void {
    if (line === '') return;
    this.out.line(line);
    const m = /^Step \d+\/\d+ : (.*)$/.exec(line);
    const current = this.stepList.at(-1);
    if (m) {
      const t = this.now();
      if (current && current.endMs === undefined) {
        current.endMs = t;
        this.out.progress?.({ kind: 'step', name: current.name, state: current.cached ? 'cached' : 'done' });
      }
      const name = line.replace(/^Step (\d+\/\d+) : /, '[$1] ');
      this.stepList.push({ name, cached: false, startMs: t, tail: [] });
      this.out.progress?.({ kind: 'step', name, state: 'started' });
      return;
    }
    if (!current) return;
    if (/^ ---> Using cache$/.test(line)) current.cached = true;
    if (/^ ---> /.test(line) || /^Removing intermediate container /.test(line)) return;
    current.tail.push(line);
    if (current.tail.length > TAIL_LINES) current.tail.shift();
  }
}

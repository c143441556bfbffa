/** A Log that prints and keeps the last lines of each source, so ci can show a failing resource's logs again. */
import type { Log } from '../engine/log.js';

export class RingLog implements Log {
  private readonly lines = new Map<string, string[]>();
  constructor(
    private readonly inner: Log,
    private readonly keep = 40,
  ) {}
  line(source: string, text: string): void {
    const buf = this.lines.get(source) ?? [];
    buf.push(text);
    if (buf.length > this.keep) buf.shift();
    this.lines.set(source, buf);
    this.inner.line(source, text);
  }
  last(source: string): string[] {
    return this.lines.get(source) ?? [];
  }
}

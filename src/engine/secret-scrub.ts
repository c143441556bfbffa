/**
 * Secret values kept out of the log, as Tilt does: every value of a Secret devloop deploys (its data, base64-decoded,
 * and its stringData), and its base64 form, is replaced by `[redacted secret NAME:KEY]` in every line, from when
 * devloop first sees the Secret until it ends. Values shorter than 5 characters are left alone (scrubbing them
 * would garble ordinary text). secret_settings({ disable_scrub: true }) turns it off.
 */
import type { Log } from './log.js';

const MIN_LENGTH = 5;

interface SecretLike {
  kind?: unknown;
  metadata?: { name?: unknown };
  data?: unknown;
  stringData?: unknown;
}

export class SecretScrubber {
  /** value (plain or base64) → replacement; only grows. */
  private readonly values = new Map<string, string>();
  private seen = new WeakSet<object>();

  /** Adds the values of every Secret among `objects` (each list is looked at once). */
  addObjects(objects: readonly object[]): void {
    if (this.seen.has(objects)) return;
    this.seen.add(objects);
    for (const o of objects as SecretLike[]) {
      if (o?.kind !== 'Secret' || typeof o.metadata?.name !== 'string') continue;
      const name = o.metadata.name;
      const add = (key: string, plain: Buffer) => {
        const text = plain.toString('utf8');
        if (text.length < MIN_LENGTH) return;
        const replacement = `[redacted secret ${name}:${key}]`;
        this.values.set(text, replacement);
        this.values.set(plain.toString('base64'), replacement);
      };
      if (o.data && typeof o.data === 'object') for (const [k, v] of Object.entries(o.data)) if (typeof v === 'string') add(k, Buffer.from(v, 'base64'));
      if (o.stringData && typeof o.stringData === 'object')
        for (const [k, v] of Object.entries(o.stringData)) if (typeof v === 'string') add(k, Buffer.from(v, 'utf8'));
    }
  }

  scrub(text: string): string {
    if (this.values.size === 0) return text;
    // Longest first, so a value that contains another is replaced whole.
    for (const [v, r] of [...this.values].sort((a, b) => b[0].length - a[0].length)) if (text.includes(v)) text = text.split(v).join(r);
    return text;
  }
}

/** A log whose lines (and log events) are scrubbed; `objects()` gives the objects in effect now (read at each line). */
export function scrubbingLog(log: Log, scrubber: SecretScrubber, objects: () => readonly object[] | undefined): Log {
  const refresh = () => {
    const o = objects();
    if (o) scrubber.addObjects(o);
  };
  return {
    line: (source, text, kind) => {
      refresh();
      log.line(source, scrubber.scrub(text), kind);
    },
    event:
      log.event &&
      ((e) => {
        if (e.type === 'log') {
          refresh();
          log.event!({ ...e, text: scrubber.scrub(e.text) });
        } else log.event!(e);
      }),
  };
}

/**
 * The page's logs: every line kept per resource within a cap (the oldest go first), the all-resources view over
 * them, and a virtualized list that draws only the rows in sight, so 10,000 lines a second stay smooth.
 */

export type LogSource = 'build' | 'runtime' | 'system';
export interface LogEntry {
  seq: number;
  at: number;
  resource: string;
  text: string;
  source: LogSource;
  level: '' | 'warn' | 'error';
}

/** Lines kept per resource and in the all-resources view. */
export const PER_RESOURCE_CAP = 5000;
export const ALL_CAP = 50_000;

export interface LogFilter {
  resource?: string;
  text: string;
  regex: boolean;
  source: '' | LogSource;
  level: '' | 'warn' | 'error';
}

const WARN = /\bwarn(ing)?\b/i;
const ERROR = /\b(error|failed|fatal|panic)\b|✗/i;

export function levelOf(text: string): LogEntry['level'] {
  return ERROR.test(text) ? 'error' : WARN.test(text) ? 'warn' : '';
}

function trim(a: LogEntry[], cap: number): void {
  // In steps of a tenth, so trimming costs little per line.
  if (a.length > cap + cap / 10) a.splice(0, a.length - cap);
}

export class LogStore {
  readonly all: LogEntry[] = [];
  readonly byResource = new Map<string, LogEntry[]>();
  /** Lines the page was not sent (the server dropped them for a slow page). */
  dropped = 0;
  /** Lines received in all (for the bench and the page's footer). */
  received = 0;

  add(e: LogEntry): void {
    this.received++;
    this.all.push(e);
    trim(this.all, ALL_CAP);
    let list = this.byResource.get(e.resource);
    if (!list) this.byResource.set(e.resource, (list = []));
    list.push(e);
    trim(list, PER_RESOURCE_CAP);
  }

  lines(resource?: string): LogEntry[] {
    return resource === undefined ? this.all : (this.byResource.get(resource) ?? []);
  }
}

/** A predicate for the filter, or an error message for a bad regex. */
export function matcher(f: LogFilter): ((e: LogEntry) => boolean) | string {
  let test: (s: string) => boolean = () => true;
  if (f.text) {
    if (f.regex) {
      try {
        const re = new RegExp(f.text, 'i');
        test = (s) => re.test(s);
      } catch (e) {
        return `bad regular expression: ${(e as Error).message}`;
      }
    } else {
      const needle = f.text.toLowerCase();
      test = (s) => s.toLowerCase().includes(needle);
    }
  }
  return (e) => (!f.source || e.source === f.source) && (!f.level || e.level === f.level || (f.level === 'warn' && e.level === 'error')) && test(e.text);
}

const ROW = 18;

function esc(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** A list of rows of fixed height: only the visible ones are in the DOM. */
export class VirtualList {
  private rows: LogEntry[] = [];
  follow = true;
  private drawn = '';
  private readonly spacer: HTMLDivElement;
  private readonly body: HTMLDivElement;

  constructor(
    private readonly el: HTMLElement,
    private readonly showResource: () => boolean,
  ) {
    this.spacer = document.createElement('div');
    this.body = document.createElement('div');
    this.body.className = 'log-rows';
    this.spacer.appendChild(this.body);
    el.appendChild(this.spacer);
    el.addEventListener('scroll', () => {
      // Scrolling up stops following; back at the bottom follows again.
      this.follow = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
      this.el.dispatchEvent(new CustomEvent('follow', { detail: this.follow }));
      this.draw();
    });
  }

  set(rows: LogEntry[]): void {
    this.rows = rows;
    this.drawn = '';
    this.draw();
  }

  draw(): void {
    const n = this.rows.length;
    this.spacer.style.height = `${n * ROW}px`;
    if (this.follow) this.el.scrollTop = n * ROW;
    const first = Math.max(0, Math.floor(this.el.scrollTop / ROW) - 5);
    const last = Math.min(n, first + Math.ceil((this.el.clientHeight || 600) / ROW) + 10);
    const key = `${first}:${last}:${n ? this.rows[Math.min(last, n) - 1]?.seq : 0}:${this.rows[first]?.seq}`;
    if (key === this.drawn) return;
    this.drawn = key;
    const res = this.showResource();
    let html = '';
    for (let i = first; i < last; i++) {
      const e = this.rows[i];
      const t = new Date(e.at).toLocaleTimeString([], { hour12: false });
      html += `<div class="log-line ${e.level} src-${e.source}" data-seq="${e.seq}"><span class="t">${t}</span>${res ? `<span class="r">${esc(e.resource || 'devloop')}</span>` : ''}<span class="x">${esc(e.text)}</span></div>`;
    }
    this.body.style.transform = `translateY(${first * ROW}px)`;
    this.body.innerHTML = html;
  }
}

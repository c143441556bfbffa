/**
 * Renders BuildKit status messages as Tilt-like lines:
 *   [1/3] FROM docker.io/library/node:16-alpine
 *   [2/3] WORKDIR /app [cached]
 *   [3/3] RUN npm install
 *     → added 0 packages
 *   [3/3] RUN npm install [done: 1.2s]
 *   ERROR IN: [3/3] RUN false
 * `[internal] load build context` is shown as `[background] read source files`; other [internal] vertices are
 * hidden. A `[done]` line is printed only for a step that printed output or took at least half a second.
 */
import type { BuildOutput, BuildStep } from '../../ports/image-builder.js';
import type { BkLog, BkStatus, BkStatusResponse, BkVertex } from './buildkit-proto.js';

/** Reading the context: `[internal] load build context` with a session, `copy /context /` for a tar upload. */
const LOAD_CONTEXT = new Set(['[internal] load build context', 'copy /context /']);
const LOAD_CONTEXT_SHOWN = '[background] read source files';
const TAIL_LINES = 30;
const DONE_LINE_MIN_MS = 500;

interface VertexState {
  vertex: BkVertex;
  shownName: string;
  hidden: boolean;
  headerPrinted: boolean;
  donePrinted: boolean;
  errorPrinted: boolean;
  printedLogs: boolean;
  /** Last lines of the step's output. */
  tail: string[];
  partial: string;
  bytes: number;
}

export interface FailedStep {
  name: string;
  error: string;
  tail: string[];
}

export class BuildkitPrinter {
  private readonly byDigest = new Map<string, VertexState>();
  private readonly order: VertexState[] = [];

  constructor(private readonly out: BuildOutput) {}

  handle(resp: BkStatusResponse): void {
    const touched = new Set<VertexState>();
    for (const v of resp.vertexes) touched.add(this.merge(v));
    for (const s of resp.statuses) this.status(s);
    const logsBy = new Map<VertexState, BkLog[]>();
    for (const l of resp.logs) {
      const st = this.byDigest.get(l.vertex) ?? this.merge({ digest: l.vertex, inputs: [], name: '', cached: false, error: '' });
      touched.add(st);
      logsBy.set(st, [...(logsBy.get(st) ?? []), l]);
    }
    for (const st of this.order) {
      if (touched.has(st)) this.render(st, logsBy.get(st) ?? []);
    }
  }

  /** A line from the engine outside any step. */
  note(line: string): void {
    this.out.line(line);
  }

  /** End of stream: nothing is buffered across messages except partial log lines, shown with the error. */
  finish(): void {}

  /** The first step that failed, with its output tail. */
  failed(): FailedStep | undefined {
    const st = this.order.find((s) => s.vertex.error !== '' && !isCancellation(s.vertex.error)) ?? this.order.find((s) => s.vertex.error !== '');
    return st && { name: st.shownName || st.vertex.name, error: st.vertex.error, tail: st.tail.slice() };
  }

  /** Steps shown to the user, in order, with their durations. */
  steps(): BuildStep[] {
    return this.order
      .filter((s) => !s.hidden && s.shownName !== '')
      .map((s) => ({ name: s.shownName, cached: s.vertex.cached, seconds: s.vertex.cached ? 0 : durationMs(s.vertex) / 1000 }));
  }

  private merge(v: BkVertex): VertexState {
    let st = this.byDigest.get(v.digest);
    if (!st) {
      st = {
        vertex: { ...v },
        shownName: '',
        hidden: true,
        headerPrinted: false,
        donePrinted: false,
        errorPrinted: false,
        printedLogs: false,
        tail: [],
        partial: '',
        bytes: 0,
      };
      this.byDigest.set(v.digest, st);
      this.order.push(st);
    } else {
      const prev = st.vertex;
      st.vertex = {
        ...prev,
        ...v,
        name: v.name || prev.name,
        error: v.error || prev.error,
        started: v.started ?? prev.started,
        completed: v.completed ?? prev.completed,
      };
    }
    const name = st.vertex.name;
    st.shownName = LOAD_CONTEXT.has(name) ? LOAD_CONTEXT_SHOWN : name;
    st.hidden = name === '' || (name.startsWith('[internal]') && !LOAD_CONTEXT.has(name));
    return st;
  }

  private status(s: BkStatus): void {
    const st = this.byDigest.get(s.vertex);
    if (st && s.current > st.bytes) st.bytes = s.current;
  }

  private render(st: VertexState, logs: BkLog[]): void {
    const v = st.vertex;
    const lines: string[] = [];
    for (const l of logs) lines.push(...this.splitLog(st, l.data.toString('utf8')));
    if (v.completed !== undefined || v.error !== '') lines.push(...this.flushPartial(st));
    const shown = lines.filter((l) => l !== '');
    for (const line of shown) {
      st.tail.push(line);
      if (st.tail.length > TAIL_LINES) st.tail.shift();
    }
    if (!st.hidden) {
      if (!st.headerPrinted && v.cached) {
        this.out.line(`${st.shownName} [cached]`);
        this.out.progress?.({ kind: 'step', name: st.shownName, state: 'cached' });
        st.headerPrinted = st.donePrinted = true;
      } else if (!st.headerPrinted && (v.started !== undefined || shown.length > 0)) {
        this.out.line(st.shownName);
        this.out.progress?.({ kind: 'step', name: st.shownName, state: 'started' });
        st.headerPrinted = true;
      }
      for (const line of shown) this.out.line(`  → ${line}`);
      if (shown.length > 0) st.printedLogs = true;
      if (v.completed !== undefined && v.error === '' && !st.donePrinted) {
        st.donePrinted = true;
        this.out.progress?.({ kind: 'step', name: st.shownName, state: 'done' });
        const ms = durationMs(v);
        if (st.printedLogs || ms >= DONE_LINE_MIN_MS) {
          const size = st.bytes > 0 ? ` ${formatBytes(st.bytes)}` : '';
          this.out.line(`${st.shownName}${size} [done: ${formatDuration(ms)}]`);
        }
      }
    }
    if (v.error !== '' && !st.errorPrinted && !isCancellation(v.error)) {
      st.errorPrinted = true;
      this.out.line('');
      this.out.line(`ERROR IN: ${st.shownName || v.name}`);
      for (const line of st.tail) this.out.line(`  → ${line}`);
    }
  }

  private splitLog(st: VertexState, text: string): string[] {
    const parts = (st.partial + text).split('\n');
    st.partial = parts.pop() ?? '';
    return parts.map(cleanLine);
  }

  private flushPartial(st: VertexState): string[] {
    const rest = st.partial;
    st.partial = '';
    return rest === '' ? [] : [cleanLine(rest)];
  }
}

/** A line as a terminal would show it: the text after the last carriage return, no trailing space. */
function cleanLine(s: string): string {
  const cr = s.replace(/\r+$/, '').lastIndexOf('\r');
  return (cr >= 0 ? s.slice(cr + 1) : s).trimEnd();
}

/** Steps cancelled because another step failed are not the cause; only the real failure is reported. */
function isCancellation(error: string): boolean {
  return /context canceled/.test(error);
}

function durationMs(v: BkVertex): number {
  return v.started !== undefined && v.completed !== undefined ? Math.max(0, v.completed - v.started) : 0;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}kB`;
  return `${(n / 1024 / 1024).toFixed(1)}MB`;
}

/**
 * How up, ci and build print. Without a TTY (pipes, tests), or with CI, NO_COLOR or --plain: plain lines, exactly
 * as printerLog prints them. On a TTY: the same lines, append-only, above a status footer of 1–3 lines
 * (footer.ts) that log-update redraws in place; push progress updates the footer instead of adding lines.
 * The footer is erased before the process exits, on Ctrl-C too.
 */
import type { Engine } from '../engine/engine.js';
import type { Log } from '../engine/log.js';
import { BuildActivity } from './build-activity.js';
import { footerLines } from './footer.js';
import { fullPrefix, printerLog } from './log-printer.js';
import { StepCompactor } from './compact-steps.js';
import { currentPod } from '../engine/readiness.js';
import { color, type Output } from './output.js';
import { textWidth, truncate } from './text-width.js';

export interface Ui {
  /** Where the command prints its own lines (above the footer). */
  output: Output;
  /** Where the engine prints (above the footer). */
  log: Log;
  /** Shows the engine's resources in the footer (up, ci). */
  watch(engine: Engine): void;
  /** The command handles SIGINT/SIGTERM itself (up): the footer is only erased. Otherwise the signal still ends the process. */
  keepRunningOnInterrupt(): void;
  /** Erases the footer for good and shows the cursor; later lines are printed plain. */
  close(): void;
}

export interface UiOptions {
  plain?: boolean;
  verbose?: boolean;
}

const REDRAW_MS = 100;

export function wantsFooter(o: Output, opts: UiOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return o.isTTY && !opts.plain && !env.NO_COLOR && !ci && env.TERM !== 'dumb';
}

export async function createUi(o: Output, opts: UiOptions, stream: NodeJS.WriteStream = process.stderr): Promise<Ui> {
  if (!wantsFooter(o, opts) || !stream.isTTY) return plainUi(o);
  const { createLogUpdate } = await import('log-update');
  return new TtyUi(o, stream, createLogUpdate, opts.verbose);
}

function plainUi(o: Output): Ui {
  const lines = printerLog(o);
  const log: Log = {
    line: lines.line,
    // Plain output shows push progress as lines (a TTY shows it in its footer instead).
    event: (e) => {
      if (e.type === 'image-progress' && e.progress.kind === 'layer' && e.progress.state === 'pushing')
        lines.line(e.source, `     ${e.progress.id}: Pushing ${e.progress.progress ?? ''}`.trimEnd());
    },
  };
  return { output: o, log, watch: () => {}, keepRunningOnInterrupt: () => {}, close: () => {} };
}

type LogUpdate = ((...text: string[]) => void) & { clear(): void; done(): void };

class TtyUi implements Ui {
  readonly output: Output;
  readonly log: Log;
  private readonly activity = new BuildActivity();
  /** log-update writes here; each frame (erase + lines + footer) reaches the terminal in one write. */
  private readonly sink: { buf: string; write(s: string): boolean; readonly columns: number; readonly rows: number };
  private readonly footer: LogUpdate;
  private readonly timer: NodeJS.Timeout;
  private shown = false;
  private closed = false;
  private redrawQueued = false;
  private reraise = true;
  private engine?: Engine;
  private lastChange?: number;
  private lastSignature = '';
  /** Columns of each footer line as last drawn, to erase it after a resize re-wrapped it. */
  private drawnWidths: number[] = [];

  constructor(
    o: Output,
    private readonly stream: NodeJS.WriteStream,
    create: (s: NodeJS.WritableStream) => LogUpdate,
    verbose = false,
  ) {
    this.sink = {
      buf: '',
      write(s: string) {
        this.buf += s;
        return true;
      },
      get columns() {
        return stream.columns || 80;
      },
      get rows() {
        return stream.rows || 24;
      },
    };
    this.footer = create(this.sink as unknown as NodeJS.WritableStream);
    this.output = {
      out: (text) => {
        this.hideFooter();
        this.flush();
        o.out(text);
        this.queueRedraw();
      },
      err: (line) => this.write(line.endsWith('\n') ? line : `${line}\n`),
      isTTY: o.isTTY,
    };
    const print = (source: string, text: string) => this.write(`${this.prefix(source)}${text}\n`);
    // A rebuild as one line per step with its duration; --verbose prints every line (compact-steps.ts).
    const steps = verbose ? undefined : new StepCompactor(print);
    this.log = {
      line: (source, text, role) => (steps ? steps.line(source, text, role) : print(source, text)),
      event: (e) => {
        steps?.event(e);
        if (!this.closed && this.activity.observe(e, Date.now())) this.queueRedraw();
      },
    };
    this.timer = setInterval(() => this.redraw(), REDRAW_MS);
    this.timer.unref();
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', this.onExit);
    stream.on('resize', this.onResize);
  }

  /** Names in full, right-aligned to the longest resource name, up to a third of the terminal's width. */
  private prefix(source: string): string {
    if (!source) return '';
    const longest = Math.max(0, ...[...(this.engine?.status.keys() ?? [])].map((n) => textWidth(n)));
    const room = Math.max(13, Math.floor(this.sink.columns / 3));
    return fullPrefix(textWidth(source) > room ? truncate(source, room) : source, Math.min(Math.max(13, longest), room));
  }

  watch(engine: Engine): void {
    this.engine = engine;
    this.lastChange = Date.now();
    engine.onChange(() => this.queueRedraw());
  }

  keepRunningOnInterrupt(): void {
    this.reraise = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.hideFooter();
    this.flush();
    this.footer.done(); // shows the cursor again
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
    this.stream.off('resize', this.onResize);
  }

  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.close();
    // Nobody else handles it: end the process as the signal would have (our listener kept Node from doing so).
    if (this.reraise) process.kill(process.pid, sig);
  };

  private readonly onExit = (): void => this.close();

  /**
   * A narrower terminal re-wraps the footer's lines (tmux, VTE, iTerm2 and Windows Terminal reflow), so log-update
   * would erase too few rows: erase the rows they take now, then draw again.
   */
  private readonly onResize = (): void => {
    if (this.closed || !this.shown) return;
    const cols = this.sink.columns;
    const rows = this.drawnWidths.reduce((n, w) => n + Math.max(1, Math.ceil(w / cols)), 0);
    this.footer.done(); // forget the old frame: log-update would erase by its own count
    this.sink.buf += `${'\x1b[2K\x1b[1A'.repeat(rows)}\x1b[2K\x1b[G`;
    this.shown = false;
    this.redraw();
  };

  private write(text: string): void {
    if (this.closed) {
      this.stream.write(text);
      return;
    }
    this.hideFooter();
    this.sink.buf += text;
    this.flush();
    this.queueRedraw();
  }

  private hideFooter(): void {
    if (!this.shown) return;
    this.footer.clear();
    this.shown = false;
  }

  private flush(): void {
    if (!this.sink.buf) return;
    const text = this.sink.buf;
    this.sink.buf = '';
    this.stream.write(text);
  }

  /** Lines often come in bursts: redraw once after the burst. */
  private queueRedraw(): void {
    if (this.redrawQueued || this.closed) return;
    this.redrawQueued = true;
    setImmediate(() => {
      this.redrawQueued = false;
      this.redraw();
    });
  }

  private redraw(): void {
    if (this.closed) return;
    const engine = this.engine;
    const configError = engine?.configError ? `${engine.configError.message}${engine.configError.where ? ` (${engine.configError.where})` : ''}` : undefined;
    if (engine) {
      const sig = [...engine.status.values()].map((s) => `${s.name}\t${s.phase}\t${s.reason}`).join('\n') + (configError ?? '');
      if (sig !== this.lastSignature) {
        this.lastSignature = sig;
        this.lastChange = Date.now();
      }
    }
    const lines = footerLines({
      now: Date.now(),
      // One column short of the edge: a line that fills the row would wrap on some terminals and break the erase.
      width: this.sink.columns - 1,
      resources: engine
        ? [...engine.status.values()].map((s) => {
            const pod = s.type === 'k8s' ? currentPod(engine.podsOf(s.name)) : undefined;
            return { ...s, pod: pod?.name, restarts: pod?.containers.reduce((n, c) => n + c.restartCount, 0) };
          })
        : undefined,
      maxLines: Math.max(3, Math.min(12, Math.floor(this.sink.rows / 2))),
      builds: this.activity.all(),
      lastChange: this.lastChange,
      configError,
    });
    if (!lines.length) {
      this.hideFooter();
    } else {
      this.footer(lines.map(paint).join('\n'));
      this.drawnWidths = lines.map(textWidth);
      this.shown = true;
    }
    this.flush();
  }
}

function paint(line: string): string {
  if (line.startsWith('config error')) return color.red(line);
  const mark = line[0];
  const rest = line.slice(1);
  if (mark === '✓') return color.green(mark) + rest;
  if (mark === '✗') return color.red(mark) + rest;
  if (/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]$/.test(mark)) return color.blue(mark) + rest;
  return color.dim(line);
}

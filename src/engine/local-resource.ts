/** local_resource: `cmd` runs to completion (at start and when its deps change); `serve_cmd` runs as a long process, restarted when cmd reruns. */
import type { LocalResourceSpec } from '../config/spec.js';
import { DevloopError } from '../model/errors.js';
import type { Log } from './log.js';
import type { ProcessRunner, RunningProcess } from '../ports/process.js';

export class LocalResourceRunner {
  private serve?: RunningProcess;
  private stopping = false;
  /** Counts serve_cmd starts, so a probe of an earlier one stops. */
  serveGeneration = 0;
  /** Called when the serve process exits by itself (not when devloop stops or restarts it). */
  onServeExit?: (code: number | undefined) => void;

  constructor(
    readonly spec: LocalResourceSpec,
    private readonly log: Log,
    private readonly source: string,
    private readonly processes: ProcessRunner,
  ) {}

  /** Runs cmd; resolves when it succeeded, throws DevloopError with the output tail when it fails. */
  async runCmd(): Promise<void> {
    const { spec } = this;
    if (!spec.cmd) return;
    this.log.line(this.source, `Running cmd: ${spec.cmdText}`);
    const tail: string[] = [];
    const t0 = performance.now();
    const child = await this.processes.start(spec.cmd, {
      cwd: spec.dir,
      env: spec.env,
      onLine: (l) => {
        this.log.line(this.source, l);
        tail.push(l);
        if (tail.length > 20) tail.shift();
      },
    });
    const r = await child.done;
    if (r.failed) {
      throw new DevloopError('local-cmd-failed', `local_resource '${spec.name}': "${spec.cmdText}" ${r.summary}`, {
        location: spec.loc,
        details: tail.slice(-10),
        hint: `it ran in ${spec.dir}`,
      });
    }
    this.log.line(this.source, `cmd done in ${((performance.now() - t0) / 1000).toFixed(2)}s`);
  }

  /** (Re)starts serve_cmd. */
  async startServe(): Promise<void> {
    const { spec } = this;
    if (!spec.serveCmd) return;
    await this.stopServe();
    this.stopping = false;
    this.log.line(this.source, `Starting serve_cmd: ${spec.serveCmdText}`);
    const child = await this.processes.start(spec.serveCmd, {
      cwd: spec.serveDir ?? spec.dir,
      env: spec.serveEnv ?? spec.env,
      onLine: (l) => this.log.line(this.source, l),
    });
    this.serve = child;
    this.serveGeneration++;
    void child.done.then((r) => {
      if (this.serve !== child || this.stopping) return;
      this.serve = undefined;
      this.log.line(this.source, `serve_cmd exited${r.exitCode !== undefined ? ` with code ${r.exitCode}` : ''}`);
      this.onServeExit?.(r.exitCode);
    });
  }

  get serving(): boolean {
    return this.serve !== undefined;
  }

  async stopServe(): Promise<void> {
    const child = this.serve;
    if (!child) return;
    this.stopping = true;
    this.serve = undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await child.done;
    clearTimeout(timer);
  }
}

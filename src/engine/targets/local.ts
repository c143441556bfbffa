/** local_resource as a deploy target: cmd runs to completion, then serve_cmd (re)starts; status is the process's. */
import { DevloopError } from '../../model/errors.js';
import type { Resource } from '../../resolve/resources.js';
import { LocalResourceRunner } from '../local-resource.js';
import { waitReady } from '../local-probe.js';
import type { Log } from '../log.js';
import type { ProcessRunner } from '../../ports/process.js';
import type { StatusBoard } from '../status-board.js';
import type { DeployTarget, UpdateItem } from './target.js';

export class LocalTarget implements DeployTarget {
  private readonly runners = new Map<string, LocalResourceRunner>();

  constructor(
    private readonly board: StatusBoard,
    private readonly log: Log,
    private readonly processes: ProcessRunner,
  ) {}

  setResources(resources: Resource[]): void {
    for (const r of resources) {
      if (r.type !== 'local' || !r.local || this.runners.has(r.name)) continue;
      const runner = new LocalResourceRunner(r.local, this.log, r.name, this.processes);
      runner.onServeExit = (code) =>
        this.board.fail(r.name, new DevloopError('serve-exited', `serve_cmd of '${r.name}' exited${code !== undefined ? ` with code ${code}` : ''}`));
      this.runners.set(r.name, runner);
    }
  }

  async update(r: Resource, item: UpdateItem): Promise<boolean> {
    const runner = this.runners.get(r.name)!;
    this.board.set(r.name, 'building', item.reason === 'Initial Build' ? 'running cmd' : `running cmd (${item.reason})`);
    if (item.reason !== 'Initial Build') this.log.line(r.name, item.reason);
    try {
      await runner.runCmd();
    } catch (e) {
      this.board.fail(r.name, e as DevloopError);
      return true;
    }
    if (r.local?.serveCmd) {
      await runner.startServe();
      const probe = r.local.readinessProbe;
      if (probe) {
        this.board.set(r.name, 'runtime', 'serve_cmd started; waiting for its readiness probe');
        const served = runner.serveGeneration;
        void waitReady(probe, this.processes, r.local.serveDir ?? r.local.dir, () => !runner.serving || runner.serveGeneration !== served).then((ok) => {
          if (ok) this.board.set(r.name, 'ready', 'serve_cmd is running; its readiness probe passed');
        });
      } else {
        this.board.set(r.name, 'ready', 'serve_cmd is running');
      }
    } else {
      this.board.set(r.name, 'ready', 'cmd succeeded');
    }
    return true;
  }

  async pause(r: Resource): Promise<void> {
    await this.runners.get(r.name)?.stopServe();
  }

  async remove(r: Resource): Promise<void> {
    await this.runners.get(r.name)?.stopServe();
    this.runners.delete(r.name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((l) => l.stopServe()));
  }
}

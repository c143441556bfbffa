// A pod runtime without an engine, for tests of the API server's own behaviour: every container "runs" until
// stopped; an image under missing/ is never found.
import { PassThrough, Readable } from 'node:stream';
import type { ContainerExit, ContainerSpec, ExecSession, ImageCheck, PodRuntime } from '../cluster/runtime/types.js';

export class FakeRuntime implements PodRuntime {
  running = new Map<string, { spec: ContainerSpec; exit: (e: ContainerExit) => void; done: Promise<ContainerExit> }>();
  private n = 0;

  async ensureImage(image: string): Promise<ImageCheck> {
    return image.startsWith('missing/')
      ? { ok: false, reason: 'ErrImagePull', message: `Failed to pull image "${image}"` }
      : { ok: true, imageID: `sha256:${image}` };
  }

  async start(spec: ContainerSpec) {
    const id = `fake${++this.n}`;
    let exit!: (e: ContainerExit) => void;
    const done = new Promise<ContainerExit>((r) => (exit = r));
    this.running.set(id, { spec, exit, done });
    return { id, startedAt: new Date().toISOString() };
  }

  wait(id: string): Promise<ContainerExit> {
    return this.running.get(id)?.done ?? Promise.resolve(exited(137));
  }

  async stop(id: string): Promise<void> {
    this.running.get(id)?.exit(exited(137));
  }

  async remove(id: string): Promise<void> {
    await this.stop(id);
    this.running.delete(id);
  }

  async logs(): Promise<Readable> {
    return Readable.from([]);
  }

  async exec(): Promise<ExecSession> {
    const out = new PassThrough();
    out.end();
    return { stdin: null, stdout: out, stderr: null, exitCode: Promise.resolve(0), resize() {}, kill() {} };
  }

  async removeAll(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.remove(id);
  }
}

function exited(exitCode: number): ContainerExit {
  const t = new Date().toISOString();
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: t, finishedAt: t };
}

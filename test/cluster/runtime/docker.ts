// The pod runtime on a Docker engine: one container per pod container, always with --network none, labelled
// with this server's id and pid so that stop() and the sweeper find them. Never pulls from the internet:
// only refs whose registry is 127.0.0.1 or localhost (the test registry) are ever pulled.
import type Docker from 'dockerode';
import { PassThrough, Readable, Writable } from 'node:stream';
import { demux, demuxBuffer } from './demux.js';
import type { ContainerExit, ContainerSpec, ExecSession, ImageCheck, LogOptions, PodRuntime } from './types.js';

export const SERVER_LABEL = 'devloop-test-cluster';
export const PID_LABEL = 'devloop-test-cluster.pid';

export class DockerRuntime implements PodRuntime {
  constructor(
    private docker: Docker,
    private serverId: string,
  ) {}

  async ensureImage(image: string, pullPolicy: string): Promise<ImageCheck> {
    let local: string | undefined;
    try {
      local = await this.inspectImage(image);
    } catch (e) {
      return { ok: false, reason: 'ErrImagePull', message: `Failed to pull image "${image}": cannot reach the Docker engine: ${dockerMessage(e)}` };
    }
    const pullable = isLocalRegistry(image);
    if (pullable && (pullPolicy === 'Always' || !local)) {
      const pulled = await this.pull(image);
      if (pulled.ok) return pulled;
      if (!local || pullPolicy === 'Always') return pulled;
    }
    if (local) return { ok: true, imageID: local };
    if (pullPolicy === 'Never')
      return { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
    return {
      ok: false,
      reason: 'ErrImagePull',
      message: `Failed to pull image "${image}": the image is not on the test engine, and this test cluster pulls only from a registry on 127.0.0.1 or localhost`,
    };
  }

  async start(spec: ContainerSpec): Promise<{ id: string; startedAt: string } | { id: string; failed: ContainerExit }> {
    const name = `dlt-${this.serverId}_${spec.container}_${spec.podName}_${spec.namespace}_${spec.podUid.slice(0, 8)}_${spec.attempt}`;
    const c = await this.docker.createContainer({
      name,
      Image: spec.image,
      ...(spec.command ? { Entrypoint: spec.command } : {}),
      ...(spec.args ? { Cmd: spec.args } : {}),
      Env: spec.env,
      WorkingDir: spec.workingDir,
      User: spec.user,
      Tty: !!spec.tty,
      OpenStdin: !!spec.stdin,
      Hostname: spec.networkOf ? undefined : spec.hostname?.slice(0, 63),
      Labels: {
        [SERVER_LABEL]: this.serverId,
        [PID_LABEL]: String(process.pid),
        'io.kubernetes.pod.namespace': spec.namespace,
        'io.kubernetes.pod.name': spec.podName,
        'io.kubernetes.pod.uid': spec.podUid,
        'io.kubernetes.container.name': spec.container,
      },
      // never a network: either none at all, or the loopback-only namespace of the pod's sandbox container
      HostConfig: {
        NetworkMode: spec.networkOf ? `container:${spec.networkOf}` : 'none',
        Binds: spec.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
      },
    });
    try {
      await c.start();
    } catch (e) {
      const t = new Date().toISOString();
      return { id: c.id, failed: { exitCode: 128, reason: 'StartError', message: dockerMessage(e), startedAt: t, finishedAt: t } };
    }
    const info = await c.inspect();
    return { id: c.id, startedAt: info.State.StartedAt };
  }

  async wait(id: string): Promise<ContainerExit> {
    const c = this.docker.getContainer(id);
    try {
      await c.wait();
      const s = (await c.inspect()).State;
      return {
        exitCode: s.ExitCode,
        reason: s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error',
        startedAt: s.StartedAt,
        finishedAt: s.FinishedAt,
      };
    } catch {
      const t = new Date().toISOString();
      return { exitCode: 137, reason: 'Error', message: 'container removed', startedAt: t, finishedAt: t };
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    await this.docker
      .getContainer(id)
      .stop({ t: graceSeconds })
      .catch(() => {});
  }

  async remove(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => {});
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const c = this.docker.getContainer(id);
    const tty = (await c.inspect()).Config.Tty;
    const base = {
      stdout: true,
      stderr: true,
      timestamps: !!opts.timestamps,
      ...(opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
      ...(opts.sinceSeconds ? { since: Math.floor(Date.now() / 1000) - opts.sinceSeconds } : {}),
    };
    if (!opts.follow) {
      const buf = (await c.logs({ ...base, follow: false })) as unknown as Buffer;
      return Readable.from([tty ? buf : demuxBuffer(buf)]);
    }
    const stream = (await c.logs({ ...base, follow: true })) as unknown as Readable;
    if (tty) return stream;
    const out = new PassThrough();
    demux(stream, out, out);
    out.on('close', () => stream.destroy());
    return out;
  }

  async exec(id: string, command: string[], opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<ExecSession> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: command,
      AttachStdin: opts.stdin,
      AttachStdout: opts.stdout,
      AttachStderr: opts.stderr,
      Tty: opts.tty,
    });
    const socket = (await exec.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as unknown as import('node:net').Socket;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    if (opts.tty) {
      socket.pipe(stdout);
      stderr.resume(); // nobody reads it: let it end so that exitCode resolves
      stderr.end();
    } else demux(socket, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      let n = 0;
      const one = () => ++n === 2 && resolve();
      stdout.on('end', one);
      stderr.on('end', one);
    });
    const exitCode = ended.then(async () => {
      for (let i = 0; i < 50; i++) {
        const info = await exec.inspect().catch(() => undefined);
        if (!info) return 137;
        if (!info.Running) return info.ExitCode ?? 0;
        await new Promise((r) => setTimeout(r, 20));
      }
      return 137;
    });
    const stdin = opts.stdin
      ? new Writable({
          write: (chunk, _enc, cb) => (socket.writable ? socket.write(chunk, cb) : cb()),
          final: (cb) => {
            // half-close: the process sees EOF on stdin while its output keeps flowing back
            if (socket.writable) socket.end();
            cb();
          },
        })
      : null;
    return {
      stdin,
      stdout,
      stderr: opts.tty ? null : stderr,
      exitCode,
      resize: (w, h) => void exec.resize({ w, h }).catch(() => {}),
      kill: () => socket.destroy(),
    };
  }

  async removeAll(): Promise<void> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${SERVER_LABEL}=${this.serverId}`] } });
    await Promise.all(list.map((c) => this.remove(c.Id)));
  }

  /** the image's ID as a pod status shows it, or undefined when the engine does not have it */
  private async inspectImage(image: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return info.RepoDigests?.[0] ? `docker-pullable://${info.RepoDigests[0]}` : info.Id;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  private async pull(image: string): Promise<ImageCheck> {
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
      const id = await this.inspectImage(image);
      if (id) return { ok: true, imageID: id };
      return { ok: false, reason: 'ErrImagePull', message: `Failed to pull image "${image}": pulled but not found` };
    } catch (e) {
      return { ok: false, reason: 'ErrImagePull', message: `Failed to pull image "${image}": ${dockerMessage(e)}` };
    }
  }
}

/** only the test registry: 127.0.0.1:PORT or localhost:PORT as the ref's first path component */
export function isLocalRegistry(image: string): boolean {
  const first = image.split('/')[0];
  return image.includes('/') && /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(first);
}

function dockerMessage(e: unknown): string {
  const x = e as { json?: { message?: string }; message?: string };
  return x.json?.message ?? x.message ?? String(e);
}

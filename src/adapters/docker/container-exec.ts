/** The ContainerExecutor port on the Docker engine's exec API, for containers devloop runs there directly. */
import { PassThrough } from 'node:stream';
import type { ExecResult, ExecSession } from '../../ports/cluster.js';
import type { ContainerExecutor, ContainerTarget } from '../../ports/container-exec.js';
import { engineCall, type DockerClient } from './client.js';

export function dockerExecutor(client: DockerClient): ContainerExecutor {
  return {
    async exec(target: ContainerTarget, command: string[], stdin?: Buffer): Promise<ExecResult> {
      const id = engineId(target);
      return engineCall(client, async (docker) => {
        const container = docker.getContainer(id);
        const ex = await container.exec({ Cmd: command, AttachStdin: stdin !== undefined, AttachStdout: true, AttachStderr: true });
        const stream = await ex.start({ hijack: true, stdin: stdin !== undefined });
        const out = new PassThrough();
        const err = new PassThrough();
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        out.on('data', (d: Buffer) => stdout.push(d));
        err.on('data', (d: Buffer) => stderr.push(d));
        docker.modem.demuxStream(stream, out, err);
        const ended = new Promise<void>((ok) => stream.on('end', ok));
        if (stdin !== undefined) {
          stream.write(stdin);
          (stream as unknown as { end(): void }).end();
        }
        await ended;
        const info = await ex.inspect();
        return { exitCode: info.ExitCode ?? 0, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
      });
    },

    /** A long-lived exec with stdin open, for warm shells (engine/live-update/warm-shell.ts). */
    async session(target: ContainerTarget, command: string[]): Promise<ExecSession> {
      const id = engineId(target);
      return engineCall(client, async (docker) => {
        const ex = await docker.getContainer(id).exec({ Cmd: command, AttachStdin: true, AttachStdout: true, AttachStderr: true });
        const stream = await ex.start({ hijack: true, stdin: true });
        const outFns: ((b: Buffer) => void)[] = [];
        const errFns: ((b: Buffer) => void)[] = [];
        const out = new PassThrough();
        const err = new PassThrough();
        out.on('data', (d: Buffer) => outFns.forEach((f) => f(d)));
        err.on('data', (d: Buffer) => errFns.forEach((f) => f(d)));
        docker.modem.demuxStream(stream, out, err);
        const closed = new Promise<void>((ok) => {
          stream.once('end', () => ok());
          stream.once('close', () => ok());
          stream.once('error', () => ok());
        });
        return {
          write: (data) => {
            stream.write(data);
          },
          onStdout: (fn) => {
            outFns.push(fn);
          },
          onStderr: (fn) => {
            errFns.push(fn);
          },
          closed,
          close: () => (stream as unknown as { destroy(): void }).destroy(),
        };
      });
    },
  };
}

/** The engine's id of the target container (`docker://…` or a bare id, else the container name). */
function engineId(target: ContainerTarget): string {
  return (target.containerID ?? target.container).replace(/^docker:\/\//, '');
}

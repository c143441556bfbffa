/**
 * One exec in a container over one WebSocket (client-node `Exec`): stdin streamed in and closed with the v5
 * close frame, stdout/stderr collected, the exit code read from the status channel. The live-update hot path:
 * no round trip besides the WebSocket handshake.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { Exec } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { DevloopError } from '../../model/errors.js';
import type { ExecResult, ExecSession } from '../../ports/cluster.js';
import type { K8s } from './context.js';
import { mapError, POD_GONE } from './errors.js';
import type { WsConnector } from './websocket.js';

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export async function exec(
  k: K8s,
  ws: WsConnector,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  stdin?: Buffer | NodeJS.ReadableStream,
): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = sink((b) => out.push(b));
  const stderr = sink((b) => err.push(b));
  const input = stdin === undefined ? null : Buffer.isBuffer(stdin) ? Readable.from(frames(stdin), { objectMode: false }) : (stdin as Readable);
  let status: ExecStatus | undefined;
  let stdinError: Error | undefined;
  let socket: WebSocket | undefined;
  input?.on('error', (e: Error) => {
    stdinError = e;
    socket?.terminate();
  });
  try {
    socket = (await new Exec(k.kc, ws).exec(namespace, pod, container, command, stdout, stderr, input, false, (s) => {
      status = s as ExecStatus;
    })) as unknown as WebSocket;
  } catch (e) {
    throw mapError(k.info, e, `Pod/${pod}`, `exec in container ${container} failed`, POD_GONE);
  }
  const open = socket;
  await new Promise<void>((resolve) => {
    if (stdinError) open.terminate();
    if (open.readyState === open.CLOSED) resolve();
    else open.once('close', () => resolve());
  });
  if (input && input !== stdin) input.destroy();
  if (stdinError) {
    throw new DevloopError('exec-failed', `reading the input of ${show(command)} failed: ${stdinError.message}`, { object: `Pod/${pod}`, cause: stdinError });
  }
  const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  const st = status as ExecStatus | undefined;
  if (!st && input && open.protocol !== 'v5.channel.k8s.io') {
    throw new DevloopError(
      'exec-failed',
      `the API server speaks ${open.protocol || 'an old exec protocol'}, which cannot close stdin without ending the exec, so ${show(command)} lost its output and exit status`,
      {
        object: `Pod/${pod}`,
        hint: 'Kubernetes 1.30 or later supports v5.channel.k8s.io; on older clusters end stdin in the command itself (e.g. head -c <bytes> | tar -x).',
      },
    );
  }
  if (!st) {
    throw new DevloopError('exec-failed', `the exec connection closed before ${show(command)} finished in container ${container}`, {
      object: `Pod/${pod}`,
      hint: 'The pod may have been deleted or restarted meanwhile; devloop retries on the next change.',
    });
  }
  if (st.status === 'Success') return { exitCode: 0, ...result };
  const code = st.reason === 'NonZeroExitCode' ? Number(st.details?.causes?.find((c) => c.reason === 'ExitCode')?.message) : NaN;
  if (Number.isInteger(code)) return { exitCode: code, ...result };
  throw new DevloopError('exec-failed', `${show(command)} could not run in container ${container}: ${st.message ?? st.reason ?? 'unknown error'}`, {
    object: `Pod/${pod}`,
    hint: 'Check that the command exists in the image (the container may lack a shell or tar).',
    details: result.stderr.length ? result.stderr.toString('utf8').trimEnd().split('\n').slice(-5) : undefined,
  });
}

/**
 * A long-lived exec over one WebSocket: stdin stays open for writes, output is handed over as it arrives.
 * `closed` resolves when the socket closes for any reason.
 */
export async function execSession(k: K8s, ws: WsConnector, namespace: string, pod: string, container: string, command: string[]): Promise<ExecSession> {
  const stdin = new PassThrough();
  const outFns: ((b: Buffer) => void)[] = [];
  const errFns: ((b: Buffer) => void)[] = [];
  let socket: WebSocket;
  try {
    socket = (await new Exec(k.kc, ws).exec(
      namespace,
      pod,
      container,
      command,
      sink((b) => outFns.forEach((f) => f(b))),
      sink((b) => errFns.forEach((f) => f(b))),
      stdin,
      false,
    )) as unknown as WebSocket;
  } catch (e) {
    throw mapError(k.info, e, `Pod/${pod}`, `exec in container ${container} failed`, POD_GONE);
  }
  const closed = new Promise<void>((resolve) => {
    if (socket.readyState === socket.CLOSED) resolve();
    else socket.once('close', () => resolve());
  });
  void closed.then(() => stdin.destroy());
  return {
    write: (data) => {
      for (const f of frames(Buffer.isBuffer(data) ? data : Buffer.from(data))) stdin.write(f);
    },
    onStdout: (fn) => {
      outFns.push(fn);
    },
    onStderr: (fn) => {
      errFns.push(fn);
    },
    closed,
    close: () => socket.terminate(), // at once, even on a connection that no longer answers; the shell reads end of file
  };
}

/** WebSocket servers cap a message (golang.org/x/net/websocket: 32 MiB), so stdin goes in frames of 256 KiB. */
const FRAME = 256 * 1024;
function frames(buf: Buffer): Buffer[] {
  if (buf.length <= FRAME) return [buf];
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += FRAME) out.push(buf.subarray(i, i + FRAME));
  return out;
}

/** A Writable that hands each chunk to `onChunk`. */
function sink(onChunk: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      onChunk(chunk);
      cb();
    },
  });
}

function show(command: string[]): string {
  const s = command.join(' ');
  return `\`${s.length > 60 ? s.slice(0, 57) + '...' : s}\``;
}

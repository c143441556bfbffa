// pods/NAME/exec over WebSocket (v5.channel.k8s.io with stdin half-close, or v4): the command runs through
// the runtime's exec; stdout/stderr go back on channels 1/2 and the exit on channel 3 as a Status.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { errors } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { Kubelet } from '../kubelet/kubelet.js';
import type { PodRuntime } from '../runtime/types.js';
import { channelServer, CLOSE, ERROR, RESIZE, sendChannel, STDERR, STDIN, STDOUT } from './channels.js';
import { containerName } from './pick.js';

const wss = channelServer(['v5.channel.k8s.io', 'v4.channel.k8s.io']);

export async function serveExec(
  kubelet: Kubelet,
  runtime: PodRuntime,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  pod: KubeObject,
  q: URLSearchParams,
): Promise<void> {
  const name = containerName(pod, q.get('container'));
  const command = q.getAll('command');
  if (!command.length) throw errors.badRequest('you must specify at least 1 command');
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const worker = kubelet.worker(pod.metadata.uid!);
  const id = worker?.isRunning(name) ? worker.containerId(name, false) : undefined;
  if (!id) throw errors.badRequest(`unable to upgrade connection: container not found ("${name}")`);
  const tty = flag('tty');
  const session = await runtime.exec(id, command, { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty, tty });

  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    let finished = false;
    ws.on('message', (data: Buffer) => {
      if (!data.length) return;
      const ch = data[0],
        payload = data.subarray(1);
      if (ch === STDIN) session.stdin?.write(payload);
      else if (ch === CLOSE && payload[0] === STDIN) session.stdin?.end();
      else if (ch === RESIZE) {
        try {
          const size = JSON.parse(payload.toString());
          session.resize(size.Width, size.Height);
        } catch {
          // a malformed resize is ignored, as the kubelet does
        }
      }
    });
    ws.on('close', () => {
      if (finished) return;
      session.stdin?.end();
      session.kill();
    });
    if (flag('stdout') || tty) session.stdout.on('data', (b: Buffer) => sendChannel(ws, STDOUT, b));
    else session.stdout.resume();
    if (session.stderr && flag('stderr')) session.stderr.on('data', (b: Buffer) => sendChannel(ws, STDERR, b));
    else session.stderr?.resume();
    void session.exitCode.then((code) => {
      finished = true;
      sendChannel(ws, ERROR, Buffer.from(JSON.stringify(exitStatus(command, code))));
      ws.close(1000);
    });
  });
}

/** what the kubelet puts on the error channel when the command ends */
export function exitStatus(command: string[], code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

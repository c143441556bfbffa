// Readiness and liveness probes, run inside the container through exec (the container has no network):
// exec runs the command; httpGet and tcpSocket run a node one-liner, or busybox wget / nc without node.
import type { Json } from '../api/types.js';
import type { PodRuntime } from '../runtime/types.js';

export function probeCommand(probe: Json, ports: Json[]): string[] | undefined {
  if (probe.exec?.command) return probe.exec.command;
  const portOf = (p: Json) => (typeof p === 'number' ? p : Number(ports.find((x) => x.name === p)?.containerPort ?? p));
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port);
    const path = probe.httpGet.path ?? '/';
    const js = `require('http').get({host:'127.0.0.1',port:${port},path:${JSON.stringify(path)}},r=>process.exit(r.statusCode>=200&&r.statusCode<400?0:1)).on('error',()=>process.exit(1))`;
    return ['sh', '-c', `if command -v node >/dev/null 2>&1; then exec node -e "$0"; else exec wget -q -O /dev/null "http://127.0.0.1:${port}${path}"; fi`, js];
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port);
    const js = `require('net').connect(${port},'127.0.0.1',()=>process.exit(0)).on('error',()=>process.exit(1))`;
    return ['sh', '-c', `if command -v node >/dev/null 2>&1; then exec node -e "$0"; else exec nc -z 127.0.0.1 ${port}; fi`, js];
  }
  return undefined;
}

/** runs one probe; true when it passed within its timeout */
export async function runProbe(runtime: PodRuntime, containerId: string, command: string[], timeoutSeconds: number): Promise<boolean> {
  try {
    const s = await runtime.exec(containerId, command, { stdin: false, stdout: true, stderr: true, tty: false });
    s.stdout.resume();
    s.stderr?.resume();
    const timeout = new Promise<number>((r) => setTimeout(() => r(-1), Math.max(1, timeoutSeconds) * 1000 + 500).unref());
    const code = await Promise.race([s.exitCode, timeout]);
    if (code === -1) s.kill();
    return code === 0;
  } catch {
    return false;
  }
}

/** probe periods are capped so a test waits at most a couple of seconds for readiness */
export const MAX_PROBE_PERIOD_SECONDS = 2;

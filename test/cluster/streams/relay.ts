// A TCP connection to 127.0.0.1:PORT made from inside the container (it has no network of its own): a node
// one-liner run through exec pipes the exec's stdin and stdout to the socket; without node, busybox nc.
import type { ExecSession, PodRuntime } from '../runtime/types.js';

const RELAY_JS = [
  "const s=require('net').connect(+process.argv[1],'127.0.0.1');",
  'process.stdin.pipe(s);s.pipe(process.stdout);',
  "s.on('error',e=>{process.stderr.write(e.message);process.exit(1)});",
  "s.on('close',()=>process.exit(0));",
].join('');

const SCRIPT = 'if command -v node >/dev/null 2>&1; then exec node -e "$0" "$1"; else exec nc 127.0.0.1 "$1"; fi';

export interface Relay {
  session: ExecSession;
  /** resolves when the relay exits: the error text when the connection failed */
  done: Promise<string | undefined>;
}

export async function openRelay(runtime: PodRuntime, containerId: string, port: number): Promise<Relay> {
  const session = await runtime.exec(containerId, ['sh', '-c', SCRIPT, RELAY_JS, String(port)], { stdin: true, stdout: true, stderr: true, tty: false });
  const errors: Buffer[] = [];
  session.stderr?.on('data', (b: Buffer) => errors.push(b));
  const done = session.exitCode.then((code) => (code === 0 ? undefined : Buffer.concat(errors).toString().trim() || `relay exited with code ${code}`));
  return { session, done };
}

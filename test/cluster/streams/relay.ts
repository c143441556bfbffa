// TCP connections to 127.0.0.1:PORT made from inside a container (it has no network of its own).
//
// Fast path: ONE long-lived relay per container, a node script exec'd on first use, multiplexing every
// forwarded connection over its stdin/stdout. Frames both ways: [connId u32][type u8][len u32][payload].
//   server → relay: OPEN (payload: port u16), DATA, END (the client half-closed), CLOSE (the client went away)
//   relay → server: HELLO (connId 0, once, when it is ready), DATA, CLOSE (payload: the socket's error, if any)
// So a new connection costs one frame, not one exec. The relay lives as long as its container (a stopped or
// removed container takes it along, which ends every connection it carried); it also exits when its stdin
// ends (this server went away). A relay that dies fails its open connections; the next one starts another.
// One relay per container rather than per pod: containers of a pod share its loopback, so this reaches the
// same sockets, only with a relay for each container forwarded to (usually one).
//
// Fallback, for images without node: one exec per connection of busybox `nc` (the relay of the past, which
// also runs node when it exists), remembered per container.
import type { ExecSession, PodRuntime } from '../runtime/types.js';

/** one forwarded connection, whichever relay carries it */
export interface RelayConnection {
  /** bytes from the container's socket; those arriving before a callback is set are kept for it */
  onData(cb: (b: Buffer) => void): void;
  write(b: Buffer): void;
  /** half-close: the socket in the container sees EOF, its answer keeps flowing back */
  end(): void;
  /** the client went away: drop the socket */
  close(): void;
  /** resolves when the connection is over: the error text when it failed (refused, reset, relay died) */
  done: Promise<string | undefined>;
}

export const RELAY_MARKER = 'devloop-portforward-relay';
const NO_NODE = 86;
const HEADER = 9;
const T = { OPEN: 1, DATA: 2, END: 3, CLOSE: 4, HELLO: 5 } as const;
type T = (typeof T)[keyof typeof T];

// plain ES2019 for old node images; its title (what ps shows) is RELAY_MARKER
const MUX_JS = `
process.title='${RELAY_MARKER}';
const net=require('net'),conns=new Map(),out=process.stdout;let buf=Buffer.alloc(0),blocked=false;
function send(id,t,p){const h=Buffer.alloc(${HEADER});h.writeUInt32BE(id,0);h[4]=t;h.writeUInt32BE(p.length,5);
if(!out.write(p.length?Buffer.concat([h,p]):h)&&!blocked){blocked=true;for(const s of conns.values())s.pause();
out.once('drain',()=>{blocked=false;for(const s of conns.values())s.resume()})}}
function frame(id,t,p){
if(t===${T.OPEN}){const s=net.connect(p.readUInt16BE(0),'127.0.0.1');let err='';conns.set(id,s);s.setNoDelay(true);
if(blocked)s.pause();s.on('data',d=>send(id,${T.DATA},d));s.on('error',e=>{err=e.message});
s.on('close',()=>{conns.delete(id);send(id,${T.CLOSE},Buffer.from(err))});return}
const s=conns.get(id);if(!s)return;
if(t===${T.DATA})s.write(p);else if(t===${T.END})s.end();else if(t===${T.CLOSE})s.destroy()}
process.stdin.on('data',c=>{buf=buf.length?Buffer.concat([buf,c]):c;
while(buf.length>=${HEADER}){const n=buf.readUInt32BE(5);if(buf.length<${HEADER}+n)break;
const id=buf.readUInt32BE(0),t=buf[4],p=buf.subarray(${HEADER},${HEADER}+n);buf=buf.subarray(${HEADER}+n);frame(id,t,p)}});
process.stdin.on('end',()=>process.exit(0));
send(0,${T.HELLO},Buffer.from('${RELAY_MARKER} 1'));
`.trim();

const MUX_SCRIPT = `command -v node >/dev/null 2>&1 || exit ${NO_NODE}; exec node -e "$0"`;

function frame(id: number, type: T, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32BE(id, 0);
  h[4] = type;
  h.writeUInt32BE(payload.length, 5);
  return payload.length ? Buffer.concat([h, payload]) : h;
}

class Conn implements RelayConnection {
  private early: Buffer[] = [];
  private sink?: (b: Buffer) => void;
  private finished = false;
  private resolve!: (why: string | undefined) => void;
  readonly done = new Promise<string | undefined>((r) => (this.resolve = r));

  constructor(private send: (type: T, payload?: Buffer) => void) {}

  onData(cb: (b: Buffer) => void): void {
    this.sink = cb;
    for (const b of this.early.splice(0)) cb(b);
  }
  write(b: Buffer): void {
    if (!this.finished && b.length) this.send(T.DATA, b);
  }
  end(): void {
    if (!this.finished) this.send(T.END);
  }
  close(): void {
    if (!this.finished) this.send(T.CLOSE);
  }
  data(b: Buffer): void {
    if (this.sink) this.sink(b);
    else this.early.push(Buffer.from(b));
  }
  finish(why: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.resolve(why);
  }
}

/** one exec'd relay and the connections it carries */
class MuxRelay {
  private conns = new Map<number, Conn>();
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private stderr = '';
  private dead?: string;
  private hello!: (ok: boolean) => void;
  /** true once the relay said hello; false when it ended before that */
  readonly ready = new Promise<boolean>((r) => (this.hello = r));

  constructor(
    readonly session: ExecSession,
    private onGone: () => void,
  ) {
    session.stderr?.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-2000)));
    session.stdout.on('data', (b: Buffer) => this.receive(b));
    session.stdout.on('end', () => this.gone());
    session.stdout.on('close', () => this.gone());
    session.stdin?.on('error', () => this.gone());
  }

  open(port: number): RelayConnection {
    const id = this.nextId++;
    const conn = new Conn((type, payload) => this.session.stdin?.write(frame(id, type, payload)));
    if (this.dead) {
      conn.finish(this.dead);
      return conn;
    }
    this.conns.set(id, conn);
    const p = Buffer.alloc(2);
    p.writeUInt16BE(port, 0);
    this.session.stdin?.write(frame(id, T.OPEN, p));
    return conn;
  }

  private receive(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= HEADER) {
      const n = this.buf.readUInt32BE(5);
      if (this.buf.length < HEADER + n) break;
      const id = this.buf.readUInt32BE(0),
        type = this.buf[4],
        payload = this.buf.subarray(HEADER, HEADER + n);
      this.buf = this.buf.subarray(HEADER + n);
      if (type === T.HELLO) this.hello(true);
      const conn = this.conns.get(id);
      if (!conn) continue;
      if (type === T.DATA) conn.data(payload);
      else if (type === T.CLOSE) {
        this.conns.delete(id);
        conn.finish(payload.length ? payload.toString() : undefined);
      }
    }
  }

  private gone(): void {
    if (this.dead) return;
    const why = this.stderr.trim();
    this.dead = `the port-forward relay in the container exited${why ? `: ${why}` : ''}`;
    this.hello(false);
    this.onGone();
    for (const c of this.conns.values()) c.finish(this.dead);
    this.conns.clear();
    this.session.kill();
  }
}

/** the relays of one server, by container id */
export class RelayPool {
  private relays = new Map<string, Promise<MuxRelay | undefined>>();
  /** containers whose image has no node: per-connection relays */
  private noNode = new Set<string>();

  constructor(private runtime: PodRuntime) {}

  async connect(containerId: string, port: number): Promise<RelayConnection> {
    if (!this.noNode.has(containerId)) {
      const relay = await this.relay(containerId);
      if (relay) return relay.open(port);
    }
    return connectOnce(this.runtime, containerId, port);
  }

  /** the container's relay, started when there is none; undefined when the image has no node */
  private relay(containerId: string): Promise<MuxRelay | undefined> {
    let p = this.relays.get(containerId);
    if (p) return p;
    p = (async () => {
      const session = await this.runtime.exec(containerId, ['sh', '-c', MUX_SCRIPT, MUX_JS], { stdin: true, stdout: true, stderr: true, tty: false });
      const relay = new MuxRelay(session, () => {
        if (this.relays.get(containerId) === p) this.relays.delete(containerId);
      });
      if (await relay.ready) return relay;
      if ((await session.exitCode) === NO_NODE) {
        this.noNode.add(containerId);
        return undefined;
      }
      // died before saying hello: its open() reports why; the next connection tries again
      return relay;
    })();
    this.relays.set(containerId, p);
    p.catch(() => this.relays.get(containerId) === p && this.relays.delete(containerId));
    return p;
  }
}

// the fallback: a node one-liner or busybox nc per connection, piping the exec's stdin and stdout to the socket
const RELAY_JS = [
  "const s=require('net').connect(+process.argv[1],'127.0.0.1');",
  'process.stdin.pipe(s);s.pipe(process.stdout);',
  "s.on('error',e=>{process.stderr.write(e.message);process.exit(1)});",
  "s.on('close',()=>process.exit(0));",
].join('');

const SCRIPT = 'if command -v node >/dev/null 2>&1; then exec node -e "$0" "$1"; else exec nc 127.0.0.1 "$1"; fi';

async function connectOnce(runtime: PodRuntime, containerId: string, port: number): Promise<RelayConnection> {
  const session = await runtime.exec(containerId, ['sh', '-c', SCRIPT, RELAY_JS, String(port)], { stdin: true, stdout: true, stderr: true, tty: false });
  const errors: Buffer[] = [];
  session.stderr?.on('data', (b: Buffer) => errors.push(b));
  const done = session.exitCode.then((code) => (code === 0 ? undefined : Buffer.concat(errors).toString().trim() || `relay exited with code ${code}`));
  let early: Buffer[] | undefined = [];
  session.stdout.on('data', (b: Buffer) => early?.push(b));
  return {
    onData(cb) {
      for (const b of early ?? []) cb(b);
      early = undefined;
      session.stdout.removeAllListeners('data');
      session.stdout.on('data', cb);
    },
    write: (b) => void session.stdin?.write(b),
    end: () => void session.stdin?.end(),
    close() {
      session.stdin?.end();
      session.kill();
    },
    done,
  };
}

/**
 * A serve_cmd's readiness probe (local_resource readiness_probe): exec, HTTP GET or TCP connect, every period, until
 * success_threshold passes in a row. Resolves true when ready, false when stopped first.
 */
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeSpec } from '../config/spec.js';
import type { ProcessRunner } from '../ports/process.js';

export async function probeOnce(p: ProbeSpec, processes: ProcessRunner, cwd: string): Promise<boolean> {
  const ms = p.timeoutSecs * 1000;
  if (p.exec) {
    const child = await processes.start(p.exec.command, { cwd, timeoutMs: ms });
    return !(await child.done).failed;
  }
  if (p.tcpSocket) {
    const { host, port } = p.tcpSocket;
    return new Promise((done) => {
      const s = connect({ host, port });
      const end = (ok: boolean) => {
        s.destroy();
        done(ok);
      };
      s.setTimeout(ms, () => end(false));
      s.once('connect', () => end(true));
      s.once('error', () => end(false));
    });
  }
  const h = p.httpGet!;
  return new Promise((done) => {
    const req = (h.scheme === 'https' ? httpsRequest : httpRequest)(
      { host: h.host, port: h.port, path: h.path, method: 'GET', timeout: ms, rejectUnauthorized: false },
      (res) => {
        res.resume();
        done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      },
    );
    req.once('timeout', () => {
      req.destroy();
      done(false);
    });
    req.once('error', () => done(false));
    req.end();
  });
}

/** Probes until ready (true) or until `stopped()` says the serve process is gone or replaced (false). */
export async function waitReady(p: ProbeSpec, processes: ProcessRunner, cwd: string, stopped: () => boolean, periodMs = p.periodSecs * 1000): Promise<boolean> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  if (p.initialDelaySecs) await sleep(p.initialDelaySecs * 1000);
  let ok = 0;
  for (;;) {
    if (stopped()) return false;
    ok = (await probeOnce(p, processes, cwd)) ? ok + 1 : 0;
    if (ok >= p.successThreshold) return !stopped();
    await sleep(periodMs);
  }
}

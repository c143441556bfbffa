/**
 * Pure: what to tell about a port forward that does not work: a forwarded port nothing listens on (named with the
 * ports the pod's containers declare), and how long to wait before trying a busy local port again.
 */
import type { PodView } from '../ports/cluster.js';

/** Seconds between tries to listen on a local port that was in use. */
export const BUSY_PORT_RETRY_MS = 2000;

/** A connection the pod refused (nothing listens on the container port). */
export function isRefused(e: unknown): boolean {
  const m = (e as { message?: string } | null)?.message ?? '';
  return (e as { code?: string } | null)?.code === 'port-forward-failed' && /ECONNREFUSED|connection refused/i.test(m);
}

export function refusedMessage(local: string, containerPort: number, pod: PodView | undefined): string {
  const where = pod ? `pod ${pod.name}` : 'the pod';
  const declared = pod?.declaredPorts ?? [];
  const ports = declared.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''} in container ${p.container}`);
  const decl = !pod
    ? ''
    : declared.length
      ? `; its containers declare port${declared.length === 1 ? '' : 's'} ${ports.join(', ')}`
      : '; its containers declare no ports';
  const hint =
    declared.length && !declared.some((p) => p.port === containerPort)
      ? ` — forward to ${declared[0].port} instead (port_forwards: '${local.split(':').pop()}:${declared[0].port}'), or make the server listen on ${containerPort}`
      : ' — is the server listening on that port, and on 0.0.0.0 or 127.0.0.1 rather than another address?';
  return `port forward ${local}: nothing listens on port ${containerPort} in ${where}${decl}${hint}`;
}

/**
 * Following a container's log as lines. Uses the streaming GET of rest.ts rather than client-node's `Log`,
 * which loses the API's message on 4xx answers ("container is waiting to start") and pipes a body whose
 * errors nobody listens to. stop() aborts the request; a pod that goes away just ends the stream.
 */
import type { Stoppable } from '../../ports/cluster.js';
import type { K8s } from './context.js';
import { mapError, POD_GONE } from './errors.js';
import { splitLines } from './lines.js';

export interface LogOptions {
  previous?: boolean;
  sinceTime?: string;
  tailLines?: number;
  onEnd?: (error?: Error) => void;
}

export function streamLogs(k: K8s, namespace: string, pod: string, container: string, onLine: (line: string) => void, opts: LogOptions = {}): Stoppable {
  const ac = new AbortController();
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  const run = async () => {
    const res = await k.rest.stream(path, {
      query: { container, follow: true, previous: opts.previous || undefined, sinceTime: opts.sinceTime, tailLines: opts.tailLines },
      accept: '*/*',
      signal: ac.signal,
    });
    await splitLines(res, (line) => {
      if (!ac.signal.aborted) onLine(line);
    });
  };
  run().then(
    () => {
      if (!ac.signal.aborted) opts.onEnd?.();
    },
    (e) => {
      if (!ac.signal.aborted) opts.onEnd?.(mapError(k.info, e, `Pod/${pod}`, `logs of container ${container} failed`, POD_GONE) as Error);
    },
  );
  return { stop: () => ac.abort() };
}

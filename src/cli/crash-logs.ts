/**
 * The output of a crashed container, for `ci` to print with a crash-loop failure: the previous run's log
 * (`previous=true` on the log API, as `kubectl logs --previous`), read once per container that crashed.
 * The resource's own log ring may not hold it: the crash can end before devloop's stream caught it, or
 * other containers' lines pushed it out.
 */
import type { Cluster, PodView } from '../ports/cluster.js';

export interface CrashLog {
  heading: string;
  lines: string[];
  error?: string;
}

/** Containers that crashed and restarted (a crash loop), with the last lines of their previous run. */
export async function crashLogs(cluster: Pick<Cluster, 'streamLogs'>, pods: PodView[], tailLines = 25, timeoutMs = 5000): Promise<CrashLog[]> {
  const wanted = pods
    .filter((p) => !p.deleting)
    .flatMap((p) => p.containers.filter((c) => c.restartCount > 0 && c.lastTerminated && c.lastTerminated.exitCode !== 0).map((c) => ({ p, c })));
  return Promise.all(
    wanted.map(async ({ p, c }) => {
      const heading = `Last lines of container ${c.name} of pod ${p.name} before it crashed (its previous run, exit code ${c.lastTerminated!.exitCode}):`;
      const r = await readLog(cluster, p.namespace, p.name, c.name, tailLines, timeoutMs);
      return { heading, ...r };
    }),
  );
}

function readLog(
  cluster: Pick<Cluster, 'streamLogs'>,
  ns: string,
  pod: string,
  container: string,
  tailLines: number,
  timeoutMs: number,
): Promise<{ lines: string[]; error?: string }> {
  return new Promise((done) => {
    const lines: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const s = cluster.streamLogs(
      ns,
      pod,
      container,
      (l) => {
        lines.push(l);
      },
      {
        previous: true,
        tailLines,
        onEnd: (e) => {
          clearTimeout(timer);
          done({ lines: lines.slice(-tailLines), error: e?.message });
        },
      },
    );
    timer = setTimeout(() => {
      s.stop();
      done({ lines: lines.slice(-tailLines) });
    }, timeoutMs);
  });
}

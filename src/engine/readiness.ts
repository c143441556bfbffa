/** Pure: a resource's runtime state from its pods, in words a user reads (and that ci decides on). */
import type { PodView } from '../ports/cluster.js';
import type { PodReadiness } from '../resolve/resources.js';

export type RuntimeState =
  | { kind: 'waiting'; reason: string; recheckInMs?: number }
  | { kind: 'ready'; reason: string }
  | { kind: 'failed'; reason: string; restarts?: number; recheckInMs?: number };

/** A container that restarted after a failure is not taken as up until it has run this long. */
export const CRASH_SETTLE_MS = 30_000;

const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** The pod that represents the resource now: the newest one not being deleted. */
export function currentPod(pods: PodView[]): PodView | undefined {
  return [...pods].filter((p) => !p.deleting).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.name < b.name ? 1 : -1))[0];
}

export function podSummary(p: PodView): string {
  const bad = [...p.initContainers, ...p.containers].find(
    (c) => c.state === 'waiting' && c.reason && c.reason !== 'ContainerCreating' && c.reason !== 'PodInitializing',
  );
  if (bad) return `${bad.reason}${bad.message ? `: ${bad.message}` : ''}${bad.lastTerminated ? ` (last exit code ${bad.lastTerminated.exitCode})` : ''}`;
  if (p.phase === 'Succeeded') return 'Completed';
  if (p.phase === 'Failed') {
    const t = p.containers.find((c) => c.state === 'terminated' && c.exitCode !== 0);
    return `Failed${t ? `: container ${t.name} exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}` : p.reason ? `: ${p.reason}` : ''}`;
  }
  if (p.phase === 'Running') return p.ready ? 'Running, Ready' : 'Running, not ready';
  return p.reason ? `${p.phase}: ${p.reason}` : p.phase;
}

export function runtimeState(readiness: PodReadiness, pods: PodView[], now = Date.now()): RuntimeState {
  if (readiness === 'ignore') return { kind: 'ready', reason: 'applied (pods not waited for)' };
  const p = currentPod(pods);
  if (!p) return { kind: 'waiting', reason: 'waiting for a pod' };
  const name = `pod ${p.name}`;
  // A crash loop is one state with its restart count: between two crashes the container runs (maybe Ready) for a
  // moment, which must not read as "ready" then "failed" again on every restart.
  for (const c of p.containers) {
    const crashed = c.lastTerminated && c.lastTerminated.exitCode !== 0;
    if (!crashed || c.restartCount < 1) continue;
    const backOff = c.state === 'waiting' && c.reason === 'CrashLoopBackOff';
    const runFor = c.state === 'running' && c.startedAt ? now - Date.parse(c.startedAt) : undefined;
    const settling = runFor !== undefined && runFor < CRASH_SETTLE_MS;
    if (!backOff && !settling) continue;
    const what = `${name}: container ${c.name}: CrashLoopBackOff (${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}, last exit code ${c.lastTerminated!.exitCode})`;
    const recheckInMs = settling ? CRASH_SETTLE_MS - runFor! + 50 : undefined;
    if (backOff || c.restartCount >= 2) return { kind: 'failed', reason: what, restarts: c.restartCount, recheckInMs };
    return {
      kind: 'waiting',
      reason: `${name}: container ${c.name} restarted after exit code ${c.lastTerminated!.exitCode}; waiting to see it stay up`,
      recheckInMs,
    };
  }
  for (const c of [...p.initContainers, ...p.containers]) {
    if (c.state === 'waiting' && c.reason && FATAL_WAITING.has(c.reason)) {
      return { kind: 'failed', reason: `${name}: container ${c.name}: ${c.reason}${c.message ? ` (${c.message})` : ''}` };
    }
  }
  if (p.phase === 'Failed') return { kind: 'failed', reason: `${name}: ${podSummary(p)}` };
  if (readiness === 'succeeded') {
    return p.phase === 'Succeeded'
      ? { kind: 'ready', reason: `${name} completed` }
      : { kind: 'waiting', reason: `${name} ${podSummary(p)}, waiting for it to complete` };
  }
  if (p.phase === 'Succeeded') return { kind: 'ready', reason: `${name} completed` };
  if (p.phase === 'Running' && p.ready) return { kind: 'ready', reason: `${name} is Running and Ready` };
  return { kind: 'waiting', reason: `${name} ${podSummary(p)}` };
}

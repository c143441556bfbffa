/**
 * Pure: what a batch of changed files means for an image with live_update: a full rebuild (naming the file
 * and why), or the copies, deletions and run steps of one update.
 */
import type { LiveUpdateStep, RestartProcessStep, RunStep, SyncStep } from '../../config/spec.js';

export interface Change {
  path: string;
  deleted: boolean;
}

export interface SyncPlan {
  kind: 'sync';
  /** Local absolute path -> remote absolute path. */
  copies: { local: string; remote: string }[];
  deletes: string[];
  runs: { step: RunStep; trigger?: string }[];
  /** restart_process(): restart the supervised process after the runs (absent: no restart this time). */
  restart?: { step: RestartProcessStep; trigger?: string };
}

export interface FallbackPlan {
  kind: 'rebuild';
  reason: string;
}

const under = (p: string, root: string) => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

export function remotePath(sync: SyncStep, local: string): string {
  const rest = local === sync.local ? '' : local.slice(sync.local.length).replace(/^\/+/, '');
  if (!rest) return sync.remote;
  return `${sync.remote.replace(/\/+$/, '')}/${rest}`;
}

export function planLiveUpdate(steps: LiveUpdateStep[], changes: Change[], rel: (p: string) => string = (p) => p): SyncPlan | FallbackPlan {
  const syncs = steps.filter((s): s is SyncStep => s.type === 'sync');
  const fallbacks = steps.flatMap((s) => (s.type === 'fall_back_on' ? s.paths : []));
  const copies: SyncPlan['copies'] = [];
  const deletes: string[] = [];
  for (const c of changes) {
    const fb = fallbacks.find((f) => under(c.path, f));
    if (fb) return { kind: 'rebuild', reason: `${rel(c.path)} matches fall_back_on(${rel(fb)})` };
    // The most specific sync wins when sync paths nest.
    const sync = syncs.filter((s) => under(c.path, s.local)).sort((a, b) => b.local.length - a.local.length)[0];
    if (!sync) return { kind: 'rebuild', reason: `${rel(c.path)} is not under any sync() path` };
    const remote = remotePath(sync, c.path);
    if (c.deleted) deletes.push(remote);
    else copies.push({ local: c.path, remote });
  }
  const paths = changes.map((c) => c.path);
  const restart = restartFor(steps, paths, rel);
  return { kind: 'sync', copies, deletes, runs: runsFor(steps, paths, rel), ...(restart && { restart }) };
}

/** The run steps these changed (or re-seeded) local paths set off, in order: those without triggers, and those with a trigger hit. */
export function runsFor(steps: LiveUpdateStep[], paths: string[], rel: (p: string) => string = (p) => p): SyncPlan['runs'] {
  const runs: SyncPlan['runs'] = [];
  for (const s of steps) {
    if (s.type !== 'run') continue;
    if (s.triggers.length === 0) {
      runs.push({ step: s });
      continue;
    }
    const hit = paths.find((p) => s.triggers.some((t) => under(p, t)));
    if (hit) runs.push({ step: s, trigger: rel(hit) });
  }
  return runs;
}

/** restart_process(): restart after these changed (or re-seeded) local paths, unless its triggers miss them all. */
export function restartFor(steps: LiveUpdateStep[], paths: string[], rel: (p: string) => string = (p) => p): SyncPlan['restart'] {
  const step = steps.find((s): s is RestartProcessStep => s.type === 'restart_process');
  if (!step) return undefined;
  if (step.triggers.length === 0) return { step };
  const hit = paths.find((p) => step.triggers.some((t) => under(p, t)));
  return hit ? { step, trigger: rel(hit) } : undefined;
}

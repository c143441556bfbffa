/**
 * The engine's decisions as pure functions of facts: what a batch of file changes does to a resource, which queued
 * update runs next, and whether a running build is superseded. The engine gathers the facts (statuses, tags, what
 * live update can sync), calls these, and carries out the result through its ports; tests/unit/decide.test.ts
 * holds the tables.
 */

/** What the engine knows of one resource when a batch of changes (and maybe a new config) arrives. */
export interface ChangeFacts {
  type: 'k8s' | 'local';
  /** The config before this batch did not have it. */
  isNew: boolean;
  autoInit: boolean;
  triggerMode: 'auto' | 'manual';
  /** Never updated yet (its first update is still to come). */
  neverRun: boolean;
  disabled: boolean;
  /** Files of the batch under a local_resource's deps. */
  localDepsTouched: number;
  /** Images (with their base images) whose inputs differ from what its containers run. */
  changedImages: string[];
  /** Its objects changed, tags aside. */
  objectsChanged: boolean;
  /** Files of the batch under its images' contexts or deps (changed or not). */
  relatedFiles: number;
  /** Whether live update can carry the changed images ('sync'), or why not; absent when it was not considered. */
  live?: 'sync' | { reason?: string };
  /** `1 File Changed: [server.js]`. */
  filesText: string;
}

export type ChangeDecision =
  | { kind: 'start'; reason: string }
  | { kind: 'live' }
  | { kind: 'update'; reason: string }
  /** Manual: waits for `devloop trigger`; `firstRun`: it never ran (auto_init off), so only its files are listed. */
  | { kind: 'pending'; reason: string; firstRun: boolean }
  | { kind: 'unchanged'; note?: string };

export function decideChange(f: ChangeFacts): ChangeDecision {
  // A resource the new config added (or whose auto_init was turned on) starts now.
  if (f.isNew || (f.autoInit && f.disabled && f.neverRun)) {
    return f.autoInit ? { kind: 'start', reason: 'Initial Build' } : { kind: 'unchanged' };
  }
  let why: string | undefined;
  if (f.type === 'local') {
    if (f.localDepsTouched) why = f.filesText;
  } else if (f.changedImages.length) {
    if (f.live === 'sync' && !f.objectsChanged) return { kind: 'live' };
    const reason = f.live && f.live !== 'sync' && f.live.reason ? ` (no live update: ${f.live.reason})` : '';
    why = `${f.filesText} → rebuilding ${f.changedImages.join(', ')}${reason}`;
  } else if (f.objectsChanged) {
    why = `${f.filesText} → its manifests changed`;
  } else if (f.relatedFiles) {
    return {
      kind: 'unchanged',
      note: `${f.relatedFiles} file${f.relatedFiles === 1 ? '' : 's'} changed but the image inputs did not (same content or ignored): nothing to rebuild`,
    };
  }
  if (!why) return { kind: 'unchanged' };
  // Manual resources wait for `devloop trigger`; an auto_init:false auto resource starts on its first change, as in Tilt.
  if (f.triggerMode === 'manual') {
    if (f.neverRun && f.disabled) return { kind: 'pending', reason: why, firstRun: true };
    if (!f.neverRun) return { kind: 'pending', reason: why, firstRun: false };
  }
  return { kind: 'update', reason: why };
}

/** What the queue needs to know of a resource to order updates. */
export interface QueueFacts {
  exists: boolean;
  /** Updated at least once: resource_deps only hold back the first update. */
  updated: boolean;
  resourceDeps: string[];
  /** Only Kubernetes resources wait for uncategorized objects (namespaces, CRDs, config) to be applied first. */
  waitsForUncategorized: boolean;
}

export interface DepFacts {
  everReady: boolean;
  disabled: boolean;
}

/** Why a queued resource cannot start yet (the names it waits for), or undefined: it can. */
export function blockedOn(q: QueueFacts, dep: (name: string) => DepFacts | undefined, name: string): string | undefined {
  if (!q.exists || q.updated) return undefined;
  const waiting = q.resourceDeps.filter((d) => !dep(d)?.everReady);
  const unc = dep('uncategorized');
  if (name !== 'uncategorized' && q.waitsForUncategorized && unc && !unc.everReady && !unc.disabled) waiting.push('uncategorized');
  return waiting.length ? waiting.join(', ') : undefined;
}

/** The first queued resource that may start (queue order), and what the others wait for. */
export function pickNext(
  queue: readonly string[],
  blocked: (name: string) => string | undefined,
): { next?: number; waiting: { resource: string; on: string }[] } {
  const waiting: { resource: string; on: string }[] = [];
  let next: number | undefined;
  queue.forEach((name, i) => {
    const on = blocked(name);
    if (on) waiting.push({ resource: name, on });
    else if (next === undefined) next = i;
  });
  return { next, waiting };
}

/** Whether a build of images with `built` inputs is superseded by the plan now (`now`): an image's inputs changed. */
export function superseded(built: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): boolean {
  for (const [id, inputs] of built) if (now.get(id) !== inputs) return true;
  return false;
}

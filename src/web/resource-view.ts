/**
 * What GET /api/resources says of each resource: its status and, where the engine knows them, the facts the web
 * UI and `devloop get` show (labels, links, port forwards, pods with restart counts) and the config error with
 * its location. Read from the engine at request time; nothing here keeps state.
 */
import type { Engine } from '../engine/engine.js';

/** What the view reads of the engine (`resource` and `podsOf` are optional: fakes and tests may leave them out). */
export type ViewEngine = Pick<Engine, 'status' | 'configError'> & Partial<Pick<Engine, 'resource' | 'podsOf'>>;

export interface ResourceView {
  name: string;
  type: string;
  phase: string;
  reason: string;
  triggerMode: string;
  pendingFiles: string[];
  updates: number;
  readySince?: number;
  labels: string[];
  links: string[];
  /** Local URLs of the port forwards (http://localhost:PORT). */
  endpoints: string[];
  pods: { name: string; phase: string; ready: boolean; restarts: number }[];
  restarts: number;
  error?: { message: string; where?: string; hint?: string };
}

export function resourceViews(engine: ViewEngine): ResourceView[] {
  return [...engine.status.values()].map((s) => {
    const r = engine.resource?.(s.name);
    let pods: ResourceView['pods'] = [];
    try {
      pods = (r?.type === 'k8s' ? engine.podsOf?.(s.name) ?? [] : []).filter((p) => !p.deleting).map((p) => ({
        name: p.name, phase: p.phase, ready: p.ready, restarts: p.containers.reduce((n, c) => n + c.restartCount, 0),
      }));
    } catch {
      // No pods known yet.
    }
    return {
      name: s.name, type: s.type, phase: s.phase, reason: s.reason, triggerMode: s.triggerMode, pendingFiles: s.pendingFiles,
      updates: s.updates, readySince: s.readySince, labels: r?.labels ?? [], links: r?.links ?? [],
      endpoints: (r?.portForwards ?? []).map((f) => `http://localhost:${f.localPort}`),
      pods, restarts: pods.reduce((n, p) => n + p.restarts, 0),
      error: s.error && { message: s.error.message, where: s.error.where, hint: s.error.hint },
    };
  });
}

export function configErrorView(engine: ViewEngine): ResourceView['error'] {
  const e = engine.configError;
  return e && { message: e.message, where: e.where, hint: e.hint };
}

/**
 * What the CLI views (`devloop get`, `describe`, `logs`, `wait`, `enable`, `disable`) ask of a running `up`,
 * behind the control API's token, Host and Origin checks (control-server.ts):
 *   GET  /api/resources          one row per resource (phase, pod, endpoints, labels, last change)
 *   GET  /api/history            the kept events as JSON (what `logs` without -f prints), then it ends
 *   GET  /api/describe/NAME      objects, images with refs, pods, endpoints, recent updates with step timings
 *   POST /api/disable?name=A&label=L, POST /api/enable?...
 */
import { isDevloopError } from '../model/errors.js';
import { objectName } from '../resolve/manifests.js';
import type { Resource } from '../resolve/resources.js';
import type { PodView } from '../ports/cluster.js';
import type { Engine } from './engine.js';
import type { EventHub, Stamped } from './event-hub.js';
import { currentPod, podSummary } from './readiness.js';
import type { ResourceStatus } from './status-board.js';

export type ViewEngine = Pick<Engine, 'status' | 'configError' | 'resolved' | 'resource' | 'podsOf' | 'enablement'>;

type Send = (code: number, body: unknown) => void;

function restarts(p: PodView): number {
  return p.containers.reduce((n, c) => n + c.restartCount, 0);
}

function forwards(r: Resource | undefined): string[] {
  return (r?.portForwards ?? []).map((p) => `http://${!p.host || p.host === '0.0.0.0' ? 'localhost' : p.host}:${p.localPort}`);
}

export function resourceRow(engine: ViewEngine, s: ResourceStatus) {
  const r = engine.resource(s.name);
  const pods = r?.type === 'k8s' ? engine.podsOf(s.name).filter((p) => !p.deleting) : [];
  const pod = currentPod(pods);
  return {
    name: s.name,
    type: s.type,
    phase: s.phase,
    reason: s.reason,
    triggerMode: s.triggerMode,
    pendingFiles: s.pendingFiles,
    updates: s.updates,
    labels: r?.labels ?? [],
    changedAt: s.changedAt,
    disabled: engine.enablement.isDisabled(s.name),
    pod: pod && { name: pod.name, status: podSummary(pod), restarts: restarts(pod) },
    // Port forwards as local URLs; `links` apart (the web UI shows both, `devloop get` joins them).
    endpoints: forwards(r),
    links: r?.links ?? [],
    readySince: s.readySince,
    pods: pods.map((p) => ({ name: p.name, phase: p.phase, ready: p.ready, restarts: restarts(p) })),
    restarts: pods.reduce((n, p) => n + restarts(p), 0),
    error: s.error && { message: s.error.message, where: s.error.where, hint: s.error.hint },
  };
}

export type ResourceRow = ReturnType<typeof resourceRow>;
export type ResourcesBody = ReturnType<typeof resourcesBody>;
export type DescribeBody = NonNullable<ReturnType<typeof describeBody>>;

export function resourcesBody(engine: ViewEngine, configFile: string) {
  const e = engine.configError;
  return {
    configFile,
    configError: e?.message,
    configErrorDetail: e && { message: e.message, where: e.where, hint: e.hint },
    resources: [...engine.status.values()].map((s) => resourceRow(engine, s)),
  };
}

function flat(s: Stamped) {
  return { seq: s.seq, at: s.at, ...s.event };
}

export interface UpdateRecord {
  startedAt: number;
  why: string;
  endedAt?: number;
  result?: string;
  steps: { kind: string; image: string; startedAt: number; ms?: number }[];
  images: { image: string; status: string; reason?: string }[];
  applied?: { name: string; applied: boolean }[];
  liveUpdates: { image: string; files: number; runs: string[]; ms: number; ok: boolean }[];
}

/** The resource's updates as its events tell them, the newest last (at most `keep`). */
export function updateHistory(events: Stamped[], name: string, keep = 5): UpdateRecord[] {
  const out: UpdateRecord[] = [];
  let cur: UpdateRecord | undefined;
  for (const { at, event: e } of events) {
    if (e.type === 'update-start' && e.resource === name) {
      cur = { startedAt: at, why: e.reason, steps: [], images: [], liveUpdates: [] };
      out.push(cur);
      continue;
    }
    if (e.type === 'live-update' && e.resource === name) {
      const rec =
        cur && !cur.endedAt
          ? cur
          : { startedAt: at - e.ms, endedAt: at, why: 'live update', result: e.ok ? 'synced' : 'failed', steps: [], images: [], liveUpdates: [] };
      if (rec !== cur) out.push(rec);
      rec.liveUpdates.push({ image: e.image, files: e.files + e.deleted, runs: e.runs, ms: e.ms, ok: e.ok });
      continue;
    }
    if (!cur || cur.endedAt) continue;
    if (e.type === 'step-start' && e.source === name) cur.steps.push({ kind: e.kind, image: e.image, startedAt: at });
    else if (e.type === 'step-end' && e.source === name) {
      const st = [...cur.steps].reverse().find((x) => x.image === e.image && x.kind === e.kind && x.ms === undefined);
      if (st) st.ms = e.ms;
    } else if (e.type === 'image-done' && e.source === name) cur.images.push({ image: e.image, status: e.status, reason: e.reason });
    else if (e.type === 'applied' && e.resource === name) cur.applied = e.objects;
    else if (e.type === 'status' && e.resource === name && ['runtime', 'ready', 'failed', 'disabled'].includes(e.phase)) {
      cur.endedAt = at;
      cur.result = e.phase === 'failed' ? `failed: ${e.reason}` : e.phase === 'disabled' ? 'disabled' : 'deployed';
    }
  }
  return out.slice(-keep);
}

export function describeBody(engine: ViewEngine, hub: EventHub | undefined, name: string) {
  const r = engine.resource(name);
  const s = engine.status.get(name);
  if (!r || !s) return undefined;
  const res = engine.resolved;
  const need = new Set<string>();
  const add = (id: string) => {
    const img = res.images.find((i) => i.id === id);
    if (!img || need.has(id)) return;
    need.add(id);
    img.deps.forEach(add);
  };
  r.images.forEach(add);
  const history = hub ? hub.subscribe(() => {}, 0) : undefined;
  const events = history?.drain() ?? [];
  history?.close();
  return {
    ...resourceRow(engine, s),
    resourceDeps: r.resourceDeps,
    objects: r.objects.map((i) => {
      const o = res.objects[i];
      return {
        name: objectName(o.object),
        namespace: o.object.metadata.namespace,
        from: o.loc ? `${o.loc.file}${o.loc.line ? `:${o.loc.line}` : ''}` : o.source,
      };
    }),
    images: res.images
      .filter((i) => need.has(i.id))
      .map((i) => ({ id: i.id, ref: i.clusterRef, pushedAs: i.localRef !== i.clusterRef ? i.localRef : undefined, builder: i.spec.type })),
    pods:
      r.type === 'k8s'
        ? engine.podsOf(name).map((p) => ({
            name: p.name,
            namespace: p.namespace,
            phase: p.phase,
            ready: p.ready,
            status: p.deleting ? 'Terminating' : podSummary(p),
            restarts: restarts(p),
            createdAt: p.createdAt,
            containers: p.containers.map((c) => ({ name: c.name, image: c.image, state: c.state, ready: c.ready, restarts: c.restartCount })),
          }))
        : [],
    local: r.local ? { cmd: r.local.cmd, serveCmd: r.local.serveCmd } : undefined,
    updates: updateHistory(events, name),
  };
}

/** Handles the views' endpoints; false when the path is not one of them. */
export function viewRoute(engine: ViewEngine, hub: EventHub | undefined, method: string, url: URL, send: Send): boolean {
  const only = (m: string) => {
    if (method === m) return true;
    send(405, { error: `${method} not allowed on ${url.pathname}; use ${m}` });
    return false;
  };
  if (url.pathname === '/api/history' && hub) {
    if (!only('GET')) return true;
    const sub = hub.subscribe(() => {}, Number(url.searchParams.get('since') ?? 0) || 0);
    const events = sub.drain().map(flat);
    sub.close();
    send(200, { last: hub.last, events });
    return true;
  }
  const d = /^\/api\/describe\/(.+)$/.exec(url.pathname);
  if (d) {
    if (!only('GET')) return true;
    const name = decodeURIComponent(d[1]);
    const body = describeBody(engine, hub, name);
    if (body) send(200, body);
    else send(404, { error: `no resource named '${name}'`, hint: `resources: ${[...engine.status.keys()].join(', ')}` });
    return true;
  }
  const en = /^\/api\/(enable|disable)$/.exec(url.pathname);
  if (en) {
    if (!only('POST')) return true;
    let names: string[];
    try {
      names = engine.enablement.select(url.searchParams.getAll('name'), url.searchParams.getAll('label'));
    } catch (e) {
      send(404, { error: isDevloopError(e) ? e.message : String(e), hint: isDevloopError(e) ? e.hint : undefined });
      return true;
    }
    engine.enablement.set(names, en[1] === 'enable').then(
      (changed) => send(200, { ok: true, selected: names, changed }),
      (e) => send(500, { error: isDevloopError(e) ? e.message : String(e) }),
    );
    return true;
  }
  return false;
}

// The REST verbs on resources: get, list (and watch), create, update, patch, delete, deletecollection,
// and the status and scale subresources. Streaming subresources (log, exec, portforward) live in ../streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, type ResourceType } from '../api/resources.js';
import { ApiError, errors } from '../api/status.js';
import type { DeleteOptions, Objects } from '../api/objects.js';
import type { Json, KubeObject } from '../api/types.js';
import { readBody, sendJson } from './respond.js';
import type { ResourcePath } from './router.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

export interface RestContext {
  objects: Objects;
  openWatches: Set<ServerResponse>;
}

export async function serveRest(
  ctx: RestContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  p: ResourcePath,
  q: URLSearchParams,
): Promise<void> {
  const { objects } = ctx;
  const ns = t.namespaced ? p.namespace : undefined;
  const method = req.method ?? 'GET';
  const table = wantsTable(req.headers.accept);
  const manager = q.get('fieldManager') ?? managerFromAgent(req.headers['user-agent']);
  const dryRun = q.getAll('dryRun').includes('All');
  const sub = p.subresource;
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
  // client-go switches to JSON when a server refuses protobuf with 415; this server speaks JSON only
  if (contentType === 'application/vnd.kubernetes.protobuf')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'this test cluster reads JSON and YAML bodies only, not protobuf (which kubectl create/expose send): use kubectl apply',
    );
  if (sub && !['status', 'scale'].includes(sub)) throw errors.notFound(t.group, `${t.plural}/${sub}`, p.name ?? '');

  if (!p.name) {
    if (method === 'GET') {
      const opts = { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        const timeoutSeconds = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : undefined;
        serveWatch(
          req,
          res,
          objects,
          t,
          { namespace: ns, ...opts, resourceVersion: q.get('resourceVersion') ?? undefined, timeoutSeconds, table },
          ctx.openWatches,
        );
        return;
      }
      const rv = objects.store.resourceVersion;
      const items = objects.list(t, ns, opts);
      if (table) return sendJson(res, 200, toTable(t.kind, items, rv));
      return sendJson(res, 200, { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: rv }, items });
    }
    if (method === 'POST') {
      const body = parseBody(await readBody(req));
      return sendJson(res, 201, objects.create(t, ns, body, { manager, dryRun }));
    }
    if (method === 'DELETE') {
      const opts = await deleteOptions(req, q);
      const items = objects.list(t, ns, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
      const deleted = items.map((o) => objects.delete(t, o.metadata.namespace, o.metadata.name!, opts));
      return sendJson(res, 200, {
        kind: `${t.kind}List`,
        apiVersion: apiVersionOf(t),
        metadata: { resourceVersion: objects.store.resourceVersion },
        items: deleted,
      });
    }
    throw errors.methodNotAllowed(`${method} is not supported on a list`);
  }

  const name = p.name;
  if (sub === 'scale') return serveScale(ctx, req, res, t, ns, name, manager);
  switch (method) {
    case 'GET': {
      const o = objects.get(t, ns, name);
      return sendJson(res, 200, table ? toTable(t.kind, [o], o.metadata.resourceVersion!) : o);
    }
    case 'PUT': {
      const body = parseBody(await readBody(req));
      return sendJson(res, 200, objects.update(t, ns, name, body, { manager, dryRun, subresource: sub }));
    }
    case 'PATCH': {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const raw = await readBody(req);
      const existed = !!objects.find(t, ns, name);
      const force = q.get('force') === 'true';
      const out = objects.patch(t, ns, name, type, raw, {
        manager: q.get('fieldManager') ?? (type.includes('apply') ? undefined : manager),
        force,
        dryRun,
        subresource: sub,
      });
      return sendJson(res, existed ? 200 : 201, out);
    }
    case 'DELETE': {
      const o = objects.delete(t, ns, name, await deleteOptions(req, q));
      return sendJson(res, objects.find(t, ns, name) ? 202 : 200, o);
    }
  }
  throw errors.methodNotAllowed(`${method} is not supported`);
}

async function serveScale(
  ctx: RestContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  manager: string,
): Promise<void> {
  const scaleOf = (o: KubeObject) => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace: ns, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorString(o.spec?.selector) },
  });
  const o = ctx.objects.get(t, ns, name);
  if (req.method === 'GET') return sendJson(res, 200, scaleOf(o));
  const raw = await readBody(req);
  let replicas: number | undefined;
  if (req.method === 'PUT') replicas = parseBody(raw)?.spec?.replicas;
  else if (req.method === 'PATCH') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const patched = type.includes('json-patch') ? undefined : parseBody(raw.startsWith('{') ? raw : '{}');
    replicas = patched?.spec?.replicas;
  }
  if (typeof replicas !== 'number') throw errors.badRequest('spec.replicas must be a number');
  const updated = ctx.objects.patch(t, ns, name, 'application/merge-patch+json', JSON.stringify({ spec: { replicas } }), { manager });
  return sendJson(res, 200, scaleOf(updated));
}

function selectorString(sel: Json): string {
  return Object.entries((sel?.matchLabels ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  const body = raw.trim() ? parseBody(raw) : {};
  const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  return {
    propagationPolicy: q.get('propagationPolicy') ?? body.propagationPolicy ?? (body.orphanDependents === true ? 'Orphan' : undefined),
    gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
    preconditions: body.preconditions,
    dryRun: q.getAll('dryRun').includes('All') || (body.dryRun ?? []).includes('All'),
  };
}

function parseBody(raw: string): Json {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

/** like the real server: the user agent's program name ("kubectl", "node-fetch") when no fieldManager is given */
function managerFromAgent(agent: string | undefined): string {
  return (agent ?? 'unknown').split('/')[0] || 'unknown';
}

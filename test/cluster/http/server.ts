// The HTTP front door: discovery and OpenAPI, REST on resources, pod logs, and the WebSocket upgrades of
// exec, attach and portforward. Listens on 127.0.0.1 only.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Objects } from '../api/objects.js';
import type { ResourceRegistry, ResourceType } from '../api/resources.js';
import { ApiError, asApiError, errors } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { openapiV3GroupVersion, openapiV3Root } from './openapi.js';
import { sendError, sendJson } from './respond.js';
import { serveRest } from './rest.js';
import { parseResourcePath } from './router.js';

/** the pod subresources that stream: implemented by ../streams over the pod runtime */
export interface PodStreams {
  logs(req: IncomingMessage, res: ServerResponse, pod: KubeObject, q: URLSearchParams): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, subresource: string, q: URLSearchParams): void;
}

export interface ApiServerOptions {
  objects: Objects;
  registry: ResourceRegistry;
  streams: PodStreams;
  log?: (line: string) => void;
}

export class ApiServer {
  readonly http: http.Server;
  private openWatches = new Set<ServerResponse>();
  private sockets = new Set<Duplex>();
  private address = '127.0.0.1:0';

  constructor(private opts: ApiServerOptions) {
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => sendError(res, e));
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => resolve());
    });
    const p = (this.http.address() as { port: number }).port;
    this.address = `127.0.0.1:${p}`;
    return p;
  }

  async close(): Promise<void> {
    for (const w of this.openWatches) w.end();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    this.opts.log?.(`${req.method} ${req.url}`);
    const { registry, objects } = this.opts;
    if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
    if (['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    }
    if (path === '/api') return sendJson(res, 200, apiVersions(this.address));
    if (path === '/apis') return sendJson(res, 200, apiGroupList(registry));
    if (path === '/openapi/v3') return sendJson(res, 200, openapiV3Root(registry));
    const oa = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (oa) {
      const doc = openapiV3GroupVersion(registry, oa[2] ?? '', oa[1] ?? oa[3]);
      if (doc) return sendJson(res, 200, doc);
    }
    const gv = /^\/api\/(v1)$|^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv) {
      const list = apiResourceList(registry, gv[2] ?? '', gv[1] ?? gv[3]);
      if (list) return sendJson(res, 200, list);
    }
    const g = /^\/apis\/([^/]+)$/.exec(path);
    if (g) {
      const group = apiGroup(registry, g[1]);
      if (group) return sendJson(res, 200, group);
    }
    const p = parseResourcePath(path);
    const t = p && registry.byPath(p.group, p.version, p.plural);
    if (!p || !t) throw notFoundPath();
    if (t.kind === 'Pod' && p.name && p.subresource === 'log') {
      return this.opts.streams.logs(req, res, objects.get(t, p.namespace, p.name), url.searchParams);
    }
    if (t.kind === 'Pod' && p.name && ['exec', 'attach', 'portforward'].includes(p.subresource ?? '')) throw errors.badRequest('Upgrade request required');
    return serveRest({ objects, openWatches: this.openWatches }, req, res, t, p, url.searchParams);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.opts.log?.(`UPGRADE ${req.method} ${req.url} ${req.headers['sec-websocket-protocol'] ?? req.headers['upgrade']}`);
    const p = parseResourcePath(url.pathname);
    const t: ResourceType | undefined = p && this.opts.registry.byPath(p.group, p.version, p.plural);
    try {
      if (!p || !t || t.kind !== 'Pod' || !p.name || !['exec', 'attach', 'portforward'].includes(p.subresource ?? ''))
        throw errors.notFound('', 'pods', p?.name ?? '');
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
        throw errors.badRequest(`upgrade to ${req.headers.upgrade} is not supported: use WebSockets`);
      this.opts.streams.upgrade(req, socket, head, this.opts.objects.get(t, p.namespace, p.name), p.subresource!, url.searchParams);
    } catch (e) {
      rejectUpgrade(socket, e);
    }
  }
}

const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** answers an upgrade request with a Status instead of switching protocols */
export function rejectUpgrade(socket: Duplex, e: unknown): void {
  const status = asApiError(e).toStatus();
  const body = JSON.stringify(status);
  const code = (status as { code?: number }).code ?? 500;
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The local HTTP API of a running `devloop up` on 127.0.0.1 (a free port), recorded with its token in the
 * project's private control file (control-file.ts), so `devloop trigger` and `devloop get` find it.
 *
 * Every request must carry the session's random token (`Authorization: Bearer <token>`; never a cookie, so a web
 * page cannot make a browser send it), a Host of 127.0.0.1:<port> or localhost:<port> (no DNS rebinding), and no
 * Origin but devloop's own. GET only reads; only POST changes anything.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isDevloopError } from '../model/errors.js';
import { lockProject, type ProjectLock } from './control-file.js';
import type { Engine } from './engine.js';
import type { EventHub } from './event-hub.js';
import { resourcesBody, viewRoute, type ViewEngine } from './control-views.js';
import { serveUi } from '../web/assets.js';

export { controlFile, type ControlInfo } from './control-file.js';

/** What the control API needs of the engine. */
export type ControlEngine = Pick<Engine, 'trigger'> & Partial<Pick<Engine, 'setTriggerMode'>> & ViewEngine;

/** Where the server listens (the web UI is served from it): host 127.0.0.1 unless given; a busy port falls back to a free one. */
export interface ListenOptions {
  host?: string;
  onPortBusy?: (port: number) => void;
  title?: string;
}

/** How often a quiet event stream sends a comment line, so proxies and clients see it is alive. */
const KEEPALIVE_MS = 15_000;

/**
 * GET /api/events: the engine's events as server-sent events (`id: <seq>`, `data: <json>`), the kept history first
 * (after `?since=N` or the Last-Event-ID header), then live. Delivery never waits for a slow reader: its queue drops
 * the oldest events and it gets a `dropped` event with the count.
 */
function streamEvents(hub: EventHub, req: IncomingMessage, res: ServerResponse, since: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    let chunk = '';
    for (const s of sub.drain()) chunk += `id: ${s.seq}\ndata: ${JSON.stringify({ at: s.at, ...s.event })}\n\n`;
    if (chunk) res.write(chunk);
  };
  const sub = hub.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }, since);
  flush();
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const end = () => {
    clearInterval(keepalive);
    sub.close();
  };
  req.on('close', end);
  res.on('error', end);
}

export const TOKEN_HEADER = 'authorization';

/** A new session token: 256 random bits. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * For a dashboard that devloop itself serves (same origin as this API): the tag to put in the page it serves, from
 * which the page's script reads the token and sends it as `Authorization: Bearer <token>` with each request.
 * Only a page this server sends can read it; other origins cannot read our responses.
 */
export function tokenMetaTag(token: string): string {
  return `<meta name="devloop-token" content="${token}">`;
}

/** Why a request is refused (status and message), or undefined when it may proceed. */
export function refusal(req: IncomingMessage, port: number, token: string, bound = '127.0.0.1', page = false): { status: number; error: string } | undefined {
  const host = req.headers.host ?? '';
  const ours = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${bound}:${port}`]);
  if (!ours.has(host)) return { status: 421, error: `Host '${host}' is not this API (127.0.0.1:${port})` };
  const origin = req.headers.origin;
  if (origin !== undefined && !ours.has(origin.replace(/^http:\/\//, ''))) {
    return { status: 403, error: `requests from ${origin} are not allowed` };
  }
  // The web UI's files carry no secret; its page carries the token, so it is sent only to a URL that has it
  // (the one `devloop up` prints): another user of this machine cannot fetch it from the port.
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (page && url.pathname.startsWith('/ui/')) return undefined;
  const presented = page ? (url.searchParams.get('token') ?? '') : /^Bearer (\S+)$/.exec(req.headers[TOKEN_HEADER] ?? '')?.[1];
  if (page && !presented) return { status: 401, error: 'open the web UI at the URL devloop up printed: it carries the session token' };
  const given = Buffer.from(presented ?? '');
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    return {
      status: 401,
      error: page
        ? 'wrong token: open the web UI at the URL devloop up printed'
        : 'missing or wrong token: devloop get/trigger read it from the control file of the running devloop up',
    };
  }
  return undefined;
}

export async function startControlServer(
  engine: ControlEngine,
  configFile: string,
  port = 0,
  lock?: ProjectLock,
  hub?: EventHub,
  listen: ListenOptions = {},
): Promise<{ port: number; token: string; close(): Promise<void> }> {
  const bound = listen.host ?? '127.0.0.1';
  const token = newToken();
  let actual = 0;
  const server: Server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html' || url.pathname.startsWith('/ui/'));
    const refused = refusal(req, actual, token, bound, page);
    if (refused) {
      send(refused.status, { error: refused.error });
      return;
    }
    if (page && serveUi(url.pathname, res, tokenMetaTag(token), listen.title ?? configFile)) return;
    if (url.pathname === '/api/resources') {
      if (req.method !== 'GET') {
        send(405, { error: `${req.method} not allowed on ${url.pathname}; use GET` });
        return;
      }
      send(200, { ...resourcesBody(engine, configFile), lastSeq: hub?.last ?? 0 });
      return;
    }
    if (url.pathname === '/api/events' && hub) {
      if (req.method !== 'GET') {
        send(405, { error: `${req.method} not allowed on ${url.pathname}; use GET` });
        return;
      }
      const since = Number(url.searchParams.get('since') ?? req.headers['last-event-id'] ?? 0);
      streamEvents(hub, req, res, Number.isFinite(since) ? since : 0);
      return;
    }
    if (viewRoute(engine, hub, req.method ?? 'GET', url, send)) return;
    const mode = /^\/api\/mode\/(.+)$/.exec(url.pathname);
    if (mode && engine.setTriggerMode) {
      if (req.method !== 'POST') {
        send(405, { error: `${req.method} not allowed on ${url.pathname}; use POST` });
        return;
      }
      try {
        engine.setTriggerMode(decodeURIComponent(mode[1]), url.searchParams.get('mode') ?? '');
        send(200, { ok: true });
      } catch (e) {
        send(isDevloopError(e) && e.code === 'unknown-resource' ? 404 : 400, {
          error: isDevloopError(e) ? e.message : String(e),
          hint: isDevloopError(e) ? e.hint : undefined,
        });
      }
      return;
    }
    const m = /^\/api\/trigger\/(.+)$/.exec(url.pathname);
    if (m) {
      if (req.method !== 'POST') {
        send(405, { error: `${req.method} not allowed on ${url.pathname}; use POST` });
        return;
      }
      try {
        engine.trigger(decodeURIComponent(m[1]));
        send(200, { ok: true });
      } catch (e) {
        send(404, { error: isDevloopError(e) ? e.message : String(e), hint: isDevloopError(e) ? e.hint : undefined });
      }
      return;
    }
    send(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
  });
  const listenOn = (p: number) =>
    new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(p, bound, () => {
        server.off('error', fail);
        ok();
      });
    });
  try {
    await listenOn(port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !listen.onPortBusy || port === 0) throw e;
    listen.onPortBusy(port);
    await listenOn(0);
  }
  actual = (server.address() as { port: number }).port;
  const owned = lock ?? lockProject(configFile);
  try {
    owned.publish(actual, token);
  } catch (e) {
    server.close();
    if (!lock) owned.release();
    throw e;
  }
  return {
    port: actual,
    token,
    close: () =>
      new Promise<void>((ok) => {
        owned.release();
        server.close(() => ok());
        server.closeAllConnections?.();
      }),
  };
}

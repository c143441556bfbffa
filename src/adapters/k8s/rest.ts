/**
 * The one HTTP client for the API server: JSON requests and streaming GETs (watch, logs) over node:http(s),
 * with the kubeconfig's TLS and credentials (client-node's applyToHTTPSOptions, so exec/OIDC auth plugins
 * work) and one keep-alive agent. Answers are plain JSON (no typed models, no Date objects); an error
 * answer becomes an ApiError carrying the Status message.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringifyJson } from '../../model/exact-json.js';

/** The API server answered with an error (a metav1.Status, or at least a status code). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    readonly details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(e: unknown, ...statuses: number[]): e is ApiError {
  return e instanceof ApiError && (statuses.length === 0 || statuses.includes(e.status));
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class Rest {
  private agent: http.Agent | undefined;
  readonly server: URL;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** One request; resolves to the parsed JSON answer (or undefined for an empty body). */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = (await readAll(res)).toString('utf8');
    if (res.statusCode! >= 300) throw toApiError(res.statusCode!, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /**
   * A streaming GET (watch, follow logs). Resolves with the response once the headers say 2xx; an error
   * status rejects with its ApiError. `abort` ends it; the response then ends or errors quietly.
   */
  async stream(path: string, opts: RequestOptions & { signal: AbortSignal }): Promise<IncomingMessage> {
    const res = await this.send('GET', path, { ...opts, timeoutMs: 0 });
    if (res.statusCode! >= 300) throw toApiError(res.statusCode!, (await readAll(res)).toString('utf8'));
    return res;
  }

  /** Builds the URL path with query for `path`. */
  url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(this.server.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  close(): void {
    this.agent?.destroy();
  }

  private async send(method: string, path: string, opts: RequestOptions & { signal?: AbortSignal }): Promise<IncomingMessage> {
    const auth: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(auth);
    const agent = this.agentFrom(auth);
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    for (const [k, v] of Object.entries(auth.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === 'string' ? opts.body : stringifyJson(opts.body)); // integers beyond 2^53 exact
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = url.protocol === 'https:' ? https : http;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent, auth: auth.auth, signal: opts.signal }, resolve);
      req.on('error', reject);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
        });
      }
      req.end(payload);
    });
  }

  /** A keep-alive agent with the kubeconfig's TLS material, made once (client-node makes one per call). */
  private agentFrom(auth: https.RequestOptions): http.Agent {
    if (this.agent) return this.agent;
    const cluster = this.kc.getCurrentCluster();
    if (cluster?.proxyUrl && auth.agent) return auth.agent as http.Agent; // proxy agents: use client-node's
    if (this.server.protocol === 'http:') {
      this.agent = new http.Agent({ keepAlive: true });
    } else {
      this.agent = new https.Agent({
        keepAlive: true,
        ca: auth.ca,
        cert: auth.cert,
        key: auth.key,
        pfx: auth.pfx,
        passphrase: auth.passphrase,
        servername: auth.servername,
        ...(auth.rejectUnauthorized !== undefined ? { rejectUnauthorized: auth.rejectUnauthorized } : {}),
      });
    }
    return this.agent;
  }
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/** A non-2xx answer as ApiError, with the Status message when the body is a Status. */
export function toApiError(status: number, body: string): ApiError {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string; reason?: string; details?: ApiError['details'] };
    if (s && typeof s === 'object' && typeof s.message === 'string') return new ApiError(status, s.message, s.reason, s.details);
  } catch {
    // not JSON: fall through
  }
  const text = body.trim().slice(0, 300);
  return new ApiError(status, text || `HTTP ${status} ${http.STATUS_CODES[status] ?? ''}`.trim());
}

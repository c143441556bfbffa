/**
 * The small objects Tilt's functions take: port_forward(), link(), and a serve_cmd's readiness probe (probe() with
 * exec_action(), http_get_action() or tcp_socket_action()). Each is plain data, checked where it is made.
 */
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { checkArg, checkOptions, typeName } from './options.js';
import { current } from './recorder.js';
import type { Loc, ProbeSpec } from './spec.js';

const KIND = Symbol.for('devloop.object');

function begin(fn: string): Loc {
  return callerLocation(current(fn).plan.configFile);
}

function fail(message: string, loc: Loc, hint?: string): never {
  throw new DevloopError('config-bad-value', message, { location: loc, hint });
}

function port(fn: string, name: string, v: unknown, loc: Loc): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) fail(`${fn}: ${name} must be a port number 0-65535, got ${typeName(v)}`, loc);
  return v;
}

function tagged<T extends object>(kind: string, o: T): T {
  Object.defineProperty(o, KIND, { value: kind, enumerable: false });
  return o;
}

export function kindOf(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<symbol, string>)[KIND] : undefined;
}

export interface Link {
  url: string;
  name?: string;
}

/** A link shown with a resource. */
export function link(url: string, name?: string): Link {
  const loc = begin('link');
  checkArg('link', 'url', 'string', url, loc, `link('http://localhost:8000', 'web')`);
  if (name !== undefined) checkArg('link', 'name', 'string', name, loc);
  return tagged('link', { url, name });
}

export interface PortForwardOptions {
  /** Name shown for the link. */
  name?: string;
  /** Path appended to the link's URL. */
  link_path?: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface PortForward {
  local_port: number;
  container_port: number;
  name?: string;
  link_path?: string;
  host?: string;
}

/** Forward local_port on this machine to container_port of the resource's pod (container_port defaults to local_port). */
export function port_forward(local_port: number, container_port?: number, options?: PortForwardOptions): PortForward {
  const fn = 'port_forward';
  const loc = begin(fn);
  if (typeof container_port === 'object' && container_port !== null && options === undefined) {
    options = container_port as PortForwardOptions;
    container_port = undefined;
  }
  const o = checkOptions<PortForwardOptions & Record<string, unknown>>(fn, options, { name: 'string', link_path: 'string', host: 'string' }, loc);
  const lp = port(fn, 'local_port', local_port, loc);
  const cp = container_port === undefined ? lp : port(fn, 'container_port', container_port, loc);
  return tagged('port_forward', { local_port: lp, container_port: cp, name: o.name, link_path: o.link_path, host: o.host });
}

/** URL text of a links option entry (a string or link()). */
export function linkText(v: unknown, fn: string, loc: Loc): string {
  if (typeof v === 'string') return v;
  if (kindOf(v) === 'link') {
    const l = v as Link;
    return l.name ? `${l.name}: ${l.url}` : l.url;
  }
  return fail(`${fn}: a link must be a URL string or link(url, name), got ${typeName(v)}`, loc);
}

export interface ExecAction {
  command: string[];
}
export interface HttpGetAction {
  port: number;
  host?: string;
  scheme?: 'http' | 'https';
  path?: string;
}
export interface TcpSocketAction {
  port: number;
  host?: string;
}

/** Ready when this command exits 0. */
export function exec_action(command: string[]): ExecAction {
  const loc = begin('exec_action');
  if (!Array.isArray(command) || command.length === 0 || !command.every((x) => typeof x === 'string'))
    fail(`exec_action: command must be a non-empty list of strings, got ${typeName(command)}`, loc, `exec_action(['curl', '-f', 'localhost:8000'])`);
  return tagged('exec_action', { command: [...command] });
}

/** Ready when a GET answers with a status 200-399. */
export function http_get_action(portNum: number, options?: { host?: string; scheme?: string; path?: string }): HttpGetAction {
  const fn = 'http_get_action';
  const loc = begin(fn);
  const o = checkOptions<{ host?: string; scheme?: string; path?: string }>(fn, options, { host: 'string', scheme: 'string', path: 'string' }, loc);
  if (o.scheme !== undefined && o.scheme !== 'http' && o.scheme !== 'https') fail(`${fn}: scheme must be 'http' or 'https', got '${o.scheme}'`, loc);
  return tagged('http_get_action', { port: port(fn, 'port', portNum, loc), host: o.host, scheme: o.scheme as 'http' | 'https' | undefined, path: o.path });
}

/** Ready when a TCP connection opens. */
export function tcp_socket_action(portNum: number, options?: { host?: string }): TcpSocketAction {
  const fn = 'tcp_socket_action';
  const loc = begin(fn);
  const o = checkOptions<{ host?: string }>(fn, options, { host: 'string' }, loc);
  return tagged('tcp_socket_action', { port: port(fn, 'port', portNum, loc), host: o.host });
}

export interface ProbeOptions {
  initial_delay_secs?: number;
  timeout_secs?: number;
  period_secs?: number;
  success_threshold?: number;
  failure_threshold?: number;
  exec?: ExecAction;
  http_get?: HttpGetAction;
  tcp_socket?: TcpSocketAction;
}

export interface Probe {
  spec: ProbeSpec;
}

/** A readiness probe for local_resource's readiness_probe: exactly one of exec, http_get, tcp_socket. */
export function probe(options: ProbeOptions): Probe {
  const fn = 'probe';
  const loc = begin(fn);
  const o = checkOptions<ProbeOptions & Record<string, unknown>>(
    fn,
    options,
    {
      initial_delay_secs: 'number',
      timeout_secs: 'number',
      period_secs: 'number',
      success_threshold: 'number',
      failure_threshold: 'number',
      exec: 'object',
      http_get: 'object',
      tcp_socket: 'object',
    },
    loc,
  );
  const actions = [o.exec, o.http_get, o.tcp_socket].filter((a) => a !== undefined);
  if (actions.length !== 1)
    fail(`${fn}: give exactly one of exec, http_get or tcp_socket, got ${actions.length}`, loc, `probe({ http_get: http_get_action(8000) })`);
  const want = (v: unknown, k: string, made: string) => {
    if (v !== undefined && kindOf(v) !== k) fail(`${fn}: ${made.split('(')[0].replace('_action', '')} must be made by ${made}`, loc);
  };
  want(o.exec, 'exec_action', 'exec_action(...)');
  want(o.http_get, 'http_get_action', 'http_get_action(...)');
  want(o.tcp_socket, 'tcp_socket_action', 'tcp_socket_action(...)');
  const n = (k: keyof ProbeOptions, d: number, min = 0): number => {
    const v = o[k] as number | undefined;
    if (v === undefined) return d;
    if (!Number.isInteger(v) || v < min) fail(`${fn}: ${k} must be a whole number >= ${min}, got ${v}`, loc);
    return v;
  };
  const spec: ProbeSpec = {
    initialDelaySecs: n('initial_delay_secs', 0),
    timeoutSecs: n('timeout_secs', 1, 1),
    periodSecs: n('period_secs', 10, 1),
    successThreshold: n('success_threshold', 1, 1),
    failureThreshold: n('failure_threshold', 3, 1),
  };
  if (o.exec) spec.exec = { command: o.exec.command };
  if (o.http_get)
    spec.httpGet = { host: o.http_get.host ?? '127.0.0.1', port: o.http_get.port, scheme: o.http_get.scheme ?? 'http', path: o.http_get.path ?? '/' };
  if (o.tcp_socket) spec.tcpSocket = { host: o.tcp_socket.host ?? '127.0.0.1', port: o.tcp_socket.port };
  return tagged('probe', { spec });
}

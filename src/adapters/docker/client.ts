/**
 * The dockerode client, from DOCKER_HOST (unix:// or tcp://) or the default socket, and the translation of
 * "nothing answers there" into DevloopError `docker-unreachable`.
 */
import Docker from 'dockerode';
import { DevloopError, isDevloopError } from '../../model/errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerClient {
  docker: Docker;
  /** The DOCKER_HOST value in use (the default socket when unset), for messages. */
  host: string;
}

/** A client for `dockerHost` (default: $DOCKER_HOST, else the default socket). Does not connect. */
export function createDockerClient(dockerHost: string | undefined = process.env.DOCKER_HOST): DockerClient {
  const host = dockerHost && dockerHost.trim() !== '' ? dockerHost.trim() : DEFAULT_DOCKER_HOST;
  return { docker: new Docker(modemOptions(host)), host };
}

function modemOptions(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const m = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(host);
  if (m) {
    const tls = m[1] === 'https' || (process.env.DOCKER_TLS_VERIFY ?? '') !== '';
    return { protocol: tls ? 'https' : 'http', host: m[2], port: Number(m[3] ?? (tls ? 2376 : 2375)) };
  }
  throw new DevloopError('docker-host-invalid', `DOCKER_HOST=${host} is not a unix:// or tcp:// address`, {
    hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock or tcp://127.0.0.1:2375, or unset it to use /var/run/docker.sock.',
  });
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The engine could not be reached (as opposed to an engine that answered with an error). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export function unreachableError(host: string, cause: unknown): DevloopError {
  const code = (cause as { code?: string }).code;
  const why =
    code === 'ENOENT'
      ? 'the socket does not exist'
      : code === 'EACCES'
        ? 'permission denied on the socket'
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : (code ?? 'no answer');
  const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${host}` : `${host} (DOCKER_HOST is not set)`;
  return new DevloopError('docker-unreachable', `cannot reach the Docker engine at ${where}: ${why}`, {
    hint:
      code === 'EACCES'
        ? 'Add your user to the docker group, or point DOCKER_HOST at a socket you can use.'
        : 'Start Docker, or for a local test engine run: eval "$(scripts/dev-env.sh up)"',
    cause,
  });
}

/** Run an engine call, turning connection failures into `docker-unreachable`. */
export async function engineCall<T>(client: DockerClient, fn: (docker: Docker) => Promise<T>): Promise<T> {
  try {
    return await fn(client.docker);
  } catch (err) {
    if (isDevloopError(err)) throw err;
    if (isUnreachable(err)) throw unreachableError(client.host, err);
    throw err;
  }
}

/** Check that the engine answers. Throws `docker-unreachable`. */
export async function ping(client: DockerClient): Promise<void> {
  await engineCall(client, (d) => d.ping());
}

/** HTTP status of a dockerode error, if it carries one. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

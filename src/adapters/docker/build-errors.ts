/** Turning the engine's build error text into a DevloopError `build-failed` the user can read. */
import { join } from 'node:path';
import { engineParseError } from '../../model/dockerfile-check.js';
import { DevloopError } from '../../model/errors.js';

/** Wrapper prefixes BuildKit and gRPC put before the real reason (as Tilt strips them). */
const NOISE_PREFIXES = [
  'failed to solve with frontend dockerfile.v0: ',
  'failed to solve with frontend gateway.v0: ',
  'failed to solve: ',
  'rpc error: code = Unknown desc = ',
  'failed to build LLB: ',
];

export function cleanBuildError(message: string): string {
  let s = message.trim().replace(/^\(HTTP code \d+\) [a-z ]+ - /, '');
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of NOISE_PREFIXES) {
      if (s.startsWith(p)) {
        s = s.slice(p.length);
        changed = true;
      }
    }
  }
  return s;
}

export interface BuildFailure {
  ref: string;
  /** The step that failed, e.g. "[3/3] RUN false", when known. */
  step?: string;
  error: string;
  /** The failing step's last output lines. */
  tail?: string[];
  /** Where the Dockerfile is: the context and its path inside it (when it lies there). */
  contextDir?: string;
  dockerfilePath?: string;
}

export function buildFailed(f: BuildFailure): DevloopError {
  const reason = cleanBuildError(f.error);
  const parse = engineParseError(reason);
  if (parse) {
    // The engine could not even read the Dockerfile: no step ran, so say where in the Dockerfile, once.
    const file = f.contextDir && f.dockerfilePath ? join(f.contextDir, f.dockerfilePath) : undefined;
    return new DevloopError('dockerfile-parse', `the Dockerfile of ${f.ref} does not parse: ${parse.message}`, {
      location: file ? { file, line: parse.line } : undefined,
      hint: `fix line ${parse.line} of ${f.dockerfilePath ?? 'the Dockerfile'}`,
    });
  }
  const where = f.step ? ` at ${f.step}` : '';
  return new DevloopError('build-failed', `building ${f.ref} failed${where}: ${reason}`, {
    details: f.tail && f.tail.length > 0 ? f.tail : undefined,
    hint: hintFor(reason),
  });
}

function hintFor(reason: string): string {
  if (/network bridge not found/.test(reason)) {
    return 'The engine has no bridge network: set network to "none" (or "host") for this image.';
  }
  if (/pull access denied|failed to resolve|failed to do request|dial tcp|no such host|i\/o timeout/.test(reason)) {
    return 'A base image could not be fetched: check the FROM lines and that the image exists locally or the registry is reachable.';
  }
  if (/not found/.test(reason) && /(checksum|cache key|stat)/.test(reason)) {
    return 'A file the Dockerfile copies is not in the build context: check the path and the ignore rules (.dockerignore, ignore=, only=).';
  }
  return 'Fix the step above (its output is shown), then save a file to rebuild.';
}

/** Errors of the connection itself (the engine stopped, restarted or crashed), not of the build. */
export function isConnectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOENT', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'].includes(code)) return true;
  const msg = err instanceof Error ? err.message : String(err);
  return /^(aborted|socket hang up|premature close)$/i.test(msg.trim());
}

/** The engine went away during a build: say so, and where the build was, instead of blaming a step. */
export function engineWentAway(ref: string, host: string, step: string | undefined, cause?: unknown): DevloopError {
  const why = cause instanceof Error ? ` (${(cause as { code?: string }).code ?? cause.message})` : '';
  return new DevloopError('docker-engine-gone', `the Docker engine at ${host} went away while building ${ref}${step ? `, during ${step}` : ''}${why}`, {
    hint: 'the engine stopped, restarted or crashed (out of memory or disk?): check `docker info` and its logs, start it again, then build again',
    cause,
  });
}

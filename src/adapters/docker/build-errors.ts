/** Turning the engine's build error text into a DevloopError `build-failed` the user can read. */
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
}

export function buildFailed(f: BuildFailure): DevloopError {
  const reason = cleanBuildError(f.error);
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

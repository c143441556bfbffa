/**
 * Asking a registry directly (Docker Registry HTTP API v2) whether it holds a tag: the cheap "already built
 * and pushed" check, done without the engine. Anonymous access only.
 */
import { DevloopError } from '../../model/errors.js';
import { parseRef } from '../../model/ref.js';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const TIMEOUT_MS = 5000;

/** Base URL of a registry host: plain HTTP for loopback hosts (as Docker allows), HTTPS otherwise. */
export function registryBaseUrl(domain: string): string {
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const name = host.replace(/:\d+$/, '');
  const loopback = name === 'localhost' || /^127\./.test(name) || name === '[::1]';
  return `${loopback ? 'http' : 'https'}://${host}`;
}

/** true when the registry answers 200 for the manifest of `ref`'s tag, false on 404. */
export async function registryHasTag(ref: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const parsed = parseRef(ref);
  const tag = parsed.tag ?? 'latest';
  const url = `${registryBaseUrl(parsed.domain)}/v2/${parsed.path}/manifests/${encodeURIComponent(tag)}`;
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new DevloopError('registry-unreachable', `cannot reach the registry ${parsed.domain} (${url}): ${cause?.code ?? (err as Error).message}`, {
      hint: `Start the registry (for local tests: eval "$(scripts/dev-env.sh up)"), or check default_registry.`,
      cause: err,
    });
  }
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new DevloopError('registry-check-failed', `the registry ${parsed.domain} answered ${res.status} for ${parsed.familiarName}:${tag}`, {
    hint: res.status === 401 || res.status === 403 ? `The registry needs credentials; devloop checks anonymously, so it will push instead.` : undefined,
  });
}

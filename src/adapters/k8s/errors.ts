/**
 * Turning what the API server (or the network in front of it) said into DevloopErrors:
 * cluster-unreachable (nothing answered) and cluster-refused (the API answered with an error).
 */
import { DevloopError, isDevloopError } from '../../model/errors.js';
import type { ClusterInfo } from '../../ports/cluster.js';
import { ApiError } from './rest.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

export function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export function unreachable(info: ClusterInfo, cause: unknown): DevloopError {
  const code = (cause as { code?: string }).code;
  const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ETIMEDOUT' ? 'no answer in time' : (cause as Error).message;
  const tls = code !== undefined && /CERT|TLS|EPROTO/.test(code);
  return new DevloopError('cluster-unreachable', `cannot reach the Kubernetes API server of context "${info.context}" at ${info.server}: ${why}`, {
    hint: tls
      ? 'The server certificate does not match the kubeconfig; re-export the kubeconfig for this cluster (kind export kubeconfig, k3d kubeconfig merge…).'
      : 'Is the cluster running? Start it (kind/k3d/minikube/Docker Desktop), or choose another context with --context.',
    cause,
  });
}

/** `object` is "Kind/name", as elsewhere in devloop. */
export function refused(e: ApiError, object: string | undefined, doing: string, hint?: string): DevloopError {
  return new DevloopError('cluster-refused', `${doing}: ${e.message}`, {
    object,
    hint: hint ?? hintFor(e),
    details: (e.details?.causes ?? [])
      .filter((c) => c.message && !e.message.includes(c.message))
      .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message!)),
    cause: e,
  });
}

function hintFor(e: ApiError): string {
  switch (e.status) {
    case 401:
      return 'The credentials in the kubeconfig were rejected; log in again or refresh the kubeconfig.';
    case 403:
      if (/being terminated/.test(e.message)) return 'The namespace is being deleted; wait until it is gone (devloop down waits for it), then try again.';
      return 'The kubeconfig user lacks permission for this; use a context with more rights or ask for an RBAC role.';
    case 404:
      return /namespaces? "[^"]*" not found/.test(e.message)
        ? 'Create the namespace first (add a Namespace object to the manifests, or kubectl create namespace).'
        : 'The object or its kind does not exist on this cluster.';
    case 409:
      return 'Another writer changed this object or owns these fields; retry, or remove the conflicting field from the manifest.';
    case 422:
    case 400:
      return 'Fix the manifest: the API server rejected the field(s) named above.';
    default:
      return 'See the message from the API server above.';
  }
}

/**
 * Maps any failure of a call to a DevloopError (DevloopErrors pass through; unknown errors stay bugs).
 * `notFoundHint` replaces the generic hint of a 404.
 */
export function mapError(info: ClusterInfo, e: unknown, object: string | undefined, doing: string, notFoundHint?: string): unknown {
  if (isDevloopError(e)) return e;
  if (e instanceof ApiError) return refused(e, object, doing, e.status === 404 ? notFoundHint : undefined);
  if (isNetworkError(e)) return unreachable(info, e);
  return e;
}

export function objectName(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export const POD_GONE = 'The pod is gone (deleted or replaced); devloop uses the current pod next time.';

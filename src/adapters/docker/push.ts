/**
 * Pushing a ref through the engine (`docker push`), with progress at a bounded rate and refusals turned into
 * DevloopError `push-failed` that name the registry and say what to do.
 */
import { DevloopError, isDevloopError } from '../../model/errors.js';
import { parseRef } from '../../model/ref.js';
import type { BuildOutput, PushResult } from '../../ports/image-builder.js';
import { engineCall, type DockerClient } from './client.js';
import { jsonMessages, messageError, type JsonMessage } from './json-stream.js';

/** At most one `Pushing` line per layer in this many ms (as Tilt). */
const LAYER_LINE_INTERVAL_MS = 2000;

export async function pushImage(client: DockerClient, ref: string, out: BuildOutput, now: () => number = Date.now): Promise<PushResult> {
  const parsed = parseRef(ref);
  const registry = parsed.domain;
  const tag = parsed.tag ?? 'latest';
  const progress = new PushProgress(out, now);
  let errorText: string | undefined;
  let digest: string | undefined;
  try {
    const stream = await engineCall(client, (d) => d.getImage(parsed.familiarName).push({ tag, authconfig: {} }));
    for await (const m of jsonMessages(stream as AsyncIterable<Buffer>)) {
      errorText ??= messageError(m);
      digest = digestOf(m) ?? digest;
      progress.message(m);
    }
  } catch (err) {
    if (isDevloopError(err)) throw err;
    errorText ??= err instanceof Error ? err.message : String(err);
  }
  if (errorText !== undefined) throw pushFailed(`${parsed.familiarName}:${tag}`, registry, errorText);
  return digest ? { digest } : {};
}

function digestOf(m: JsonMessage): string | undefined {
  const aux = m.aux as { Digest?: unknown } | undefined;
  if (typeof aux?.Digest === 'string') return aux.Digest;
  return /digest: (sha256:[0-9a-f]{64})/.exec(m.status ?? '')?.[1];
}

class PushProgress {
  private readonly lastLayerLine = new Map<string, number>();
  private lastStatus = new Map<string, string>();

  constructor(
    private readonly out: BuildOutput,
    private readonly now: () => number,
  ) {}

  message(m: JsonMessage): void {
    const status = m.status;
    if (!status || m.error || m.errorDetail) return;
    if (!m.id) {
      this.out.line(status);
      return;
    }
    if (status === 'Preparing' || status === 'Waiting') return;
    if (status === 'Pushing') {
      const t = this.now();
      const last = this.lastLayerLine.get(m.id);
      if (last !== undefined && t - last < LAYER_LINE_INTERVAL_MS) return;
      this.lastLayerLine.set(m.id, t);
      // A renderer that shows progress in place takes it as data; otherwise it is a line like any other.
      if (this.out.progress) this.out.progress({ kind: 'layer', id: m.id, state: 'pushing', progress: m.progress?.trim() });
      else this.out.line(`${m.id}: Pushing ${m.progress ?? ''}`.trimEnd());
      return;
    }
    if (this.lastStatus.get(m.id) === status) return;
    this.lastStatus.set(m.id, status);
    this.out.progress?.({ kind: 'layer', id: m.id, state: 'done' });
    this.out.line(`${m.id}: ${status}`);
  }
}

export function pushFailed(ref: string, registry: string, error: string): DevloopError {
  const reason = error.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
  return new DevloopError('push-failed', `pushing ${ref} to registry ${registry} failed: ${reason}`, { hint: pushHint(registry, reason) });
}

function pushHint(registry: string, reason: string): string {
  if (/connection refused|no such host|i\/o timeout|dial tcp|EOF/.test(reason)) {
    return `Nothing answers at ${registry}. Start the registry (for local tests: eval "$(scripts/dev-env.sh up)"), or point default_registry at one that runs.`;
  }
  if (/server gave HTTP response to HTTPS client/.test(reason)) {
    return `The registry ${registry} speaks plain HTTP: add it to "insecure-registries" in the Docker engine's daemon.json, or use localhost/127.0.0.1.`;
  }
  if (/unauthorized|authentication required|denied/i.test(reason)) {
    return `Log in first: docker login ${registry}. Check that the repository exists and that you may push to it.`;
  }
  if (/does not exist locally/.test(reason)) {
    return 'The image was not built under this ref; build it first.';
  }
  return `Check that the registry ${registry} is running and accepts pushes.`;
}

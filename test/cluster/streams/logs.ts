// GET pods/NAME/log: follow, container, previous, tailLines, timestamps, sinceSeconds/sinceTime (to the second).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { Kubelet } from '../kubelet/kubelet.js';
import type { PodRuntime } from '../runtime/types.js';
import { containerName } from './pick.js';

export async function serveLogs(
  kubelet: Kubelet,
  runtime: PodRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  pod: KubeObject,
  q: URLSearchParams,
): Promise<void> {
  const name = containerName(pod, q.get('container'));
  const previous = q.get('previous') === 'true';
  const worker = kubelet.worker(pod.metadata.uid!);
  const id = worker?.containerId(name, previous);
  if (!id) {
    if (previous) throw errors.badRequest(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`);
    const state = worker?.containerState(name);
    const reason = state && 'waiting' in state ? state.waiting.reason : 'ContainerCreating';
    throw errors.badRequest(`container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }
  const tail = q.get('tailLines');
  const sinceTime = q.get('sinceTime');
  const since = sinceTime ? String(Math.max(0, Math.ceil((Date.now() - Date.parse(sinceTime)) / 1000))) : q.get('sinceSeconds');
  const stream = await runtime.logs(id, {
    follow: q.get('follow') === 'true',
    timestamps: q.get('timestamps') === 'true',
    ...(tail !== null ? { tailLines: Number(tail) } : {}),
    ...(since !== null ? { sinceSeconds: Number(since) } : {}),
  });
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  stream.pipe(res);
  stream.on('error', () => res.end());
  req.on('close', () => stream.destroy());
  res.on('close', () => stream.destroy());
}

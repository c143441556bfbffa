/** A pod as the engine sees it: phase, readiness, owners, and each container's state, from the API object. */
import type { ContainerStatusView, PodView } from '../../ports/cluster.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function toPodView(pod: Json): PodView {
  const meta = pod.metadata ?? {};
  const status = pod.status ?? {};
  const conditions: Json[] = status.conditions ?? [];
  const unscheduled = conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const view: PodView = {
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    phase: status.phase ?? 'Pending',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    deleting: !!meta.deletionTimestamp,
    labels: meta.labels ?? {},
    ownerUids: (meta.ownerReferences ?? []).map((o: Json) => o.uid).filter(Boolean),
    createdAt: meta.creationTimestamp ?? '',
    containers: containerViews(pod.spec?.containers, status.containerStatuses),
    initContainers: containerViews(pod.spec?.initContainers, status.initContainerStatuses),
  };
  view.declaredPorts = ((pod.spec?.containers ?? []) as Json[]).flatMap((c) =>
    ((c.ports ?? []) as Json[])
      .filter((p) => typeof p.containerPort === 'number')
      .map((p) => ({
        container: c.name as string,
        port: p.containerPort as number,
        ...(p.name ? { name: p.name as string } : {}),
        ...(p.protocol ? { protocol: p.protocol as string } : {}),
      })),
  );
  const reason = status.reason ?? unscheduled?.reason;
  const message = status.message ?? unscheduled?.message;
  if (reason) view.reason = reason;
  if (message) view.message = message;
  return view;
}

function containerViews(specs: Json[] | undefined, statuses: Json[] | undefined): ContainerStatusView[] {
  const byName = new Map<string, Json>((statuses ?? []).map((s) => [s.name, s]));
  const names = (specs ?? []).map((c) => c.name as string);
  for (const s of statuses ?? []) if (!names.includes(s.name)) names.push(s.name);
  return names.map((name) => {
    const spec = (specs ?? []).find((c) => c.name === name);
    return containerView(name, spec?.image ?? byName.get(name)?.image ?? '', byName.get(name));
  });
}

function containerView(name: string, image: string, s: Json | undefined): ContainerStatusView {
  const v: ContainerStatusView = { name, image, ready: !!s?.ready, restartCount: s?.restartCount ?? 0, state: 'unknown' };
  if (!s) return v;
  if (s.containerID) v.containerID = s.containerID;
  const st = s.state ?? {};
  if (st.running) {
    v.state = 'running';
    if (st.running.startedAt) v.startedAt = st.running.startedAt;
  } else if (st.terminated) {
    v.state = 'terminated';
    v.exitCode = st.terminated.exitCode;
    if (st.terminated.reason) v.reason = st.terminated.reason;
    if (st.terminated.message) v.message = st.terminated.message;
    if (st.terminated.startedAt) v.startedAt = st.terminated.startedAt;
  } else if (st.waiting) {
    v.state = 'waiting';
    if (st.waiting.reason) v.reason = st.waiting.reason;
    if (st.waiting.message) v.message = st.waiting.message;
  }
  const last = s.lastState?.terminated;
  if (last)
    v.lastTerminated = {
      exitCode: last.exitCode,
      ...(last.reason ? { reason: last.reason } : {}),
      ...(last.finishedAt ? { finishedAt: last.finishedAt } : {}),
    };
  return v;
}

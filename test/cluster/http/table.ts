// Server-side printing (`kubectl get` asks for meta.k8s.io Table): the usual columns for pods and workloads.
import type { Json, KubeObject } from '../api/types.js';

type Column = { name: string; type: string; format?: string; description?: string; priority?: number; cell: (o: KubeObject) => unknown };

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', cell: (o) => ageOf(o.metadata.creationTimestamp) };

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: Json) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
    },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: Json) => n + (c.restartCount ?? 0), 0)) },
    age,
  ],
  Deployment: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => o.status?.availableReplicas ?? 0 },
    age,
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => o.status?.readyReplicas ?? 0 },
    age,
  ],
  StatefulSet: [name, { name: 'Ready', type: 'string', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` }, age],
  Job: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (o) => (o.status?.conditions ?? []).find((c: Json) => ['Complete', 'Failed'].includes(c.type) && c.status === 'True')?.type ?? 'Running',
    },
    { name: 'Completions', type: 'string', cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
    age,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? '' }, age],
  Event: [
    { name: 'Last Seen', type: 'string', cell: (o) => ageOf(o.lastTimestamp ?? o.metadata.creationTimestamp) },
    { name: 'Type', type: 'string', cell: (o) => o.type },
    { name: 'Reason', type: 'string', cell: (o) => o.reason },
    { name: 'Object', type: 'string', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name}` },
    { name: 'Message', type: 'string', cell: (o) => o.message },
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

export function toTable(kind: string, objects: KubeObject[], resourceVersion: string, withHeader = true): object {
  const cols = COLUMNS[kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: withHeader ? cols.map(({ cell: _, ...c }) => ({ description: '', priority: 0, format: '', ...c })) : [],
    rows: objects.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  for (const c of o.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'ContainerCreating') return c.state.waiting.reason;
    if (c.state?.terminated?.reason && o.status?.phase === 'Running') return c.state.terminated.reason;
  }
  if (o.status?.phase === 'Pending' && (o.status?.containerStatuses ?? []).some((c: Json) => c.state?.waiting)) return 'ContainerCreating';
  if (o.status?.phase === 'Succeeded') return 'Completed';
  if (o.status?.phase === 'Failed') return (o.status?.containerStatuses ?? [])[0]?.state?.terminated?.reason ?? 'Error';
  return o.status?.phase ?? 'Unknown';
}

function ageOf(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

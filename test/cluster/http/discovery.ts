// /version, /api, /apis and the per-group-version resource lists kubectl and client-node discover kinds with.
import { apiVersionOf, type ResourceRegistry, type ResourceType } from '../api/resources.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(address: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }] };
}

export function apiGroupList(reg: ResourceRegistry): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: reg.groupVersions().map(({ group, versions }) => groupOf(group, versions)) };
}

export function apiGroup(reg: ResourceRegistry, group: string): object | undefined {
  const gv = reg.groupVersions().find((g) => g.group === group);
  return gv && { kind: 'APIGroup', apiVersion: 'v1', ...groupOf(gv.group, gv.versions) };
}

function groupOf(group: string, versions: string[]) {
  const vs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiResourceList(reg: ResourceRegistry, group: string, version: string): object | undefined {
  const types = reg.all().filter((t) => t.group === group && t.version === version);
  if (!types.length) return undefined;
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    });
    for (const sub of t.subresources) resources.push(subresource(t, sub));
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ ...types[0] } as ResourceType), resources };
}

function subresource(t: ResourceType, sub: string): object {
  const verbs: Record<string, string[]> = {
    status: ['get', 'patch', 'update'],
    scale: ['get', 'patch', 'update'],
    log: ['get'],
    exec: ['create', 'get'],
    portforward: ['create', 'get'],
    attach: ['create', 'get'],
    proxy: ['create', 'delete', 'get', 'patch', 'update'],
    eviction: ['create'],
    binding: ['create'],
    finalize: ['update'],
  };
  const kind =
    (
      {
        log: 'Pod',
        exec: 'PodExecOptions',
        portforward: 'PodPortForwardOptions',
        attach: 'PodAttachOptions',
        scale: 'Scale',
        eviction: 'Eviction',
        binding: 'Binding',
        proxy: 'PodProxyOptions',
      } as Record<string, string>
    )[sub] ?? t.kind;
  return {
    name: `${t.plural}/${sub}`,
    singularName: '',
    namespaced: t.namespaced,
    kind,
    verbs: verbs[sub] ?? ['get'],
    ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
  };
}

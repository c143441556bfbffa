// The kinds this server serves: built-ins from a table, plus the kinds of CustomResourceDefinitions created at run time.
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** subresources served under NAME/SUB: status, scale, log, exec, portforward, attach */
  subresources: string[];
  /** true for kinds whose spec changes bump metadata.generation */
  hasGeneration: boolean;
  /** CRDs: the versions served (all stored under the one key, apiVersion rewritten on the way out) */
  crd?: boolean;
}

const core = (kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  subresources: [],
  hasGeneration: false,
  ...extra,
});

const group = (g: string, v: string, kind: string, plural: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  group: g,
  version: v,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: true,
  subresources: ['status'],
  hasGeneration: true,
  ...extra,
});

const ALL = ['all'];

export const BUILTIN_TYPES: ResourceType[] = [
  core('Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  core('Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  core('Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'log', 'exec', 'portforward', 'attach', 'eviction', 'binding'],
  }),
  core('Service', 'services', true, { shortNames: ['svc'], categories: ALL, subresources: ['status', 'proxy'] }),
  core('Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('Secret', 'secrets', true),
  core('ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  group('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'], categories: ALL, subresources: ['status', 'scale'] }),
  group('apps', 'v1', 'ReplicaSet', 'replicasets', { shortNames: ['rs'], categories: ALL, subresources: ['status', 'scale'] }),
  group('apps', 'v1', 'StatefulSet', 'statefulsets', { shortNames: ['sts'], categories: ALL, subresources: ['status', 'scale'] }),
  group('apps', 'v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ALL }),
  group('apps', 'v1', 'ControllerRevision', 'controllerrevisions', { subresources: [], hasGeneration: false }),
  group('batch', 'v1', 'Job', 'jobs', { categories: ALL }),
  group('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ALL }),
  group('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
  }),
];

export class ResourceRegistry {
  private types: ResourceType[] = [...BUILTIN_TYPES];

  all(): ResourceType[] {
    return this.types;
  }

  /** by group, version and plural (what a URL names) */
  byPath(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.types.find((t) => t.group === g && t.version === v && t.kind === kind);
  }

  /** the first registered version of a group's plural: the one controllers and stores use */
  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural);
  }

  groupVersions(): Array<{ group: string; versions: string[] }> {
    const out = new Map<string, string[]>();
    for (const t of this.types) {
      if (t.group === '') continue;
      const vs = out.get(t.group) ?? [];
      if (!vs.includes(t.version)) vs.push(t.version);
      out.set(t.group, vs);
    }
    return [...out].map(([group, versions]) => ({ group, versions }));
  }

  /** replace every version of one CRD's kind with the versions it now serves */
  registerCrd(group: string, plural: string, types: ResourceType[]): void {
    this.unregisterCrd(group, plural);
    this.types.push(...types);
  }

  unregisterCrd(group: string, plural: string): void {
    this.types = this.types.filter((t) => !(t.crd && t.group === group && t.plural === plural));
  }
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** the key one kind's objects are stored under, whatever version names them */
export function storeKey(t: { group: string; plural: string }): string {
  return `${t.group}/${t.plural}`;
}

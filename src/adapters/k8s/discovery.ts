/**
 * API discovery: which resource (plural, scope) serves a kind in an apiVersion, and every listable type in
 * its preferred version. Answers are cached per group-version until invalidated (after a CRD is applied,
 * or when a kind is not found yet).
 */
import { isApiError, type Rest } from './rest.js';

export interface ResourceType {
  apiVersion: string;
  group: string;
  kind: string;
  /** the URL segment, e.g. `deployments` */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/**
 * Kinds never worth listing for "what did devloop deploy": high-churn, or not objects one applies. (Read-only
 * types such as metrics.k8s.io PodMetrics, which copy pod labels, drop out by lacking the delete verb.)
 */
const NOT_LISTED = new Set(['events', 'events.k8s.io/events', 'componentstatuses']);

export class Discovery {
  private byGroupVersion = new Map<string, Promise<ResourceType[] | undefined>>();
  private preferred: Promise<ResourceType[]> | undefined;

  constructor(private readonly rest: Rest) {}

  /** The type serving `kind` in `apiVersion`, or undefined when the server does not know it. */
  async find(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    const types = await this.groupVersion(apiVersion);
    return types?.find((t) => t.kind === kind);
  }

  /** Forget one group-version (or everything), so the next lookup asks the server again. */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.byGroupVersion.clear();
    else this.byGroupVersion.delete(apiVersion);
    this.preferred = undefined;
  }

  /** Every type that can be listed and deleted, core and groups, in each group's preferred version. */
  listable(): Promise<ResourceType[]> {
    if (!this.preferred) {
      const p = this.loadPreferred();
      this.preferred = p;
      p.catch(() => {
        if (this.preferred === p) this.preferred = undefined;
      });
    }
    return this.preferred;
  }

  private async loadPreferred(): Promise<ResourceType[]> {
    const groups = await this.rest.request<{ groups?: { name: string; preferredVersion?: { groupVersion: string }; versions?: { groupVersion: string }[] }[] }>(
      'GET',
      '/apis',
    );
    const versions = ['v1'];
    for (const g of groups.groups ?? []) {
      const gv = g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion;
      if (gv) versions.push(gv);
    }
    const lists = await Promise.all(versions.map((gv) => this.groupVersion(gv)));
    return lists
      .flatMap((l) => l ?? [])
      .filter((t) => t.verbs.includes('list') && t.verbs.includes('delete') && !NOT_LISTED.has(t.group ? `${t.group}/${t.plural}` : t.plural));
  }

  private groupVersion(apiVersion: string): Promise<ResourceType[] | undefined> {
    let p = this.byGroupVersion.get(apiVersion);
    if (!p) {
      p = this.fetchGroupVersion(apiVersion);
      this.byGroupVersion.set(apiVersion, p);
      const mine = p;
      p.catch(() => {
        if (this.byGroupVersion.get(apiVersion) === mine) this.byGroupVersion.delete(apiVersion);
      });
    }
    return p;
  }

  private async fetchGroupVersion(apiVersion: string): Promise<ResourceType[] | undefined> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list: { resources?: APIResource[] };
    try {
      list = await this.rest.request('GET', path);
    } catch (e) {
      // 404: no such group-version (yet); 503: an aggregated API whose backend is down
      if (isApiError(e, 404, 503)) return undefined;
      throw e;
    }
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    return (list.resources ?? [])
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({ apiVersion, group, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] }));
  }
}

/** The URL of a type's collection, in one namespace or (namespace undefined) across all of them. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  const base = t.group ? `/apis/${t.apiVersion}` : `/api/${t.apiVersion}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${t.plural}`;
}

export function objectPath(t: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`;
}

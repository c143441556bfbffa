// CustomResourceDefinitions: serving a CRD's kinds starts the moment it is stored (so a manifest holding the CRD
// and its objects applies in one go), then its status says Established; deleting it deletes its objects.
import type { ResourceType } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import type { Json, KubeObject } from '../api/types.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { condition } from './util.js';

export class CrdController implements Controller {
  name = 'crd';
  constructor(private ctx: ControllerContext) {}

  /** called synchronously on every store event, before any watcher or controller sees the CRD */
  onEvent(e: StoreEvent): void {
    if (e.object.kind !== 'CustomResourceDefinition') return;
    const spec = e.object.spec as Json;
    if (e.type === 'DELETED') this.ctx.registry.unregisterCrd(spec.group, spec.names.plural);
    else this.ctx.registry.registerCrd(spec.group, spec.names.plural, typesOf(e.object));
  }

  keysFor(e: StoreEvent): string[] {
    return e.object.kind === 'CustomResourceDefinition'
      ? [`${e.type === 'DELETED' ? '-' : '+'}${e.object.metadata.name}|${e.object.spec.group}/${e.object.spec.names.plural}`]
      : [];
  }

  reconcile(key: string): void {
    const { objects, kinds } = this.ctx;
    const [name, kind] = key.slice(1).split('|');
    if (key.startsWith('-')) {
      if (!objects.find(kinds.crds, undefined, name)) objects.store.dropKind(kind);
      return;
    }
    const crd = objects.find(kinds.crds, undefined, name);
    if (!crd) return;
    const spec = crd.spec as Json;
    const prev: Json[] = crd.status?.conditions ?? [];
    const status = {
      acceptedNames: {
        kind: spec.names.kind,
        listKind: spec.names.listKind ?? `${spec.names.kind}List`,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      },
      conditions: [
        condition('NamesAccepted', true, 'NoConflicts', 'no conflicts found', prev),
        condition('Established', true, 'InitialNamesAccepted', 'the initial names have been accepted', prev),
      ].map(({ lastUpdateTime: _, ...c }) => c),
      storedVersions: (spec.versions ?? []).filter((v: Json) => v.storage).map((v: Json) => v.name),
    };
    if (JSON.stringify(status.conditions.map((c) => c.status)) !== JSON.stringify(prev.map((c) => c.status)) || !crd.status?.acceptedNames)
      objects.updateStatus(kinds.crds, { ...crd, status }, CONTROLLER_MANAGER);
  }
}

function typesOf(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as Json;
  const versions: Json[] = [...(spec.versions ?? [])].filter((v) => v.served !== false).sort((a, b) => Number(!!b.storage) - Number(!!a.storage));
  return versions.map((v) => ({
    group: spec.group,
    version: v.name,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names.shortNames,
    categories: spec.names.categories,
    subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
    hasGeneration: true,
    crd: true,
  }));
}

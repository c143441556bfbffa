// Namespaces: a terminating namespace has its contents deleted and goes away once it is empty;
// every namespace gets its `default` ServiceAccount.
import { storeKey } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { CONTROLLER_MANAGER, type ControllerContext } from './context.js';
import type { Controller } from './manager.js';

export class NamespaceController implements Controller {
  name = 'namespace';
  constructor(private ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    const o = e.object;
    if (o.kind === 'Namespace') return e.type === 'DELETED' ? [] : [o.metadata.name!];
    const ns = o.metadata.namespace;
    if (!ns) return [];
    const n = this.ctx.objects.store.get(storeKey(this.ctx.kinds.namespaces), undefined, ns);
    return n?.metadata.deletionTimestamp || (o.kind === 'ServiceAccount' && e.type === 'DELETED') ? [ns] : [];
  }

  reconcile(name: string): void {
    const { objects, kinds, registry } = this.ctx;
    const ns = objects.find(kinds.namespaces, undefined, name);
    if (!ns) return;
    if (!ns.metadata.deletionTimestamp) {
      if (!objects.find(kinds.serviceaccounts, name, 'default'))
        objects.create(
          kinds.serviceaccounts,
          name,
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
          { manager: CONTROLLER_MANAGER },
        );
      return;
    }
    const left = objects.store.kindsIn(name);
    for (const kind of left) {
      const t = registry.all().find((x) => storeKey(x) === kind);
      if (!t) continue;
      for (const o of objects.store.list(kind, name)) {
        if (!o.metadata.deletionTimestamp) objects.delete(t, name, o.metadata.name!);
      }
    }
    if (objects.store.kindsIn(name).length === 0) objects.store.remove(storeKey(kinds.namespaces), undefined, name);
  }
}

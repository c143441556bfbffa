/**
 * `devloop down`: deletes every object devloop applied for this project, found by its labels (so it works
 * when devloop.ts no longer evaluates), never a namespace devloop did not create, and a created one only
 * with --delete-namespaces; waits until they are gone and lists them.
 */
import { basename } from 'node:path';
import { evaluateConfig, findConfig } from '../../config/evaluate.js';
import { checkContext, connectCluster, describeContext } from '../../app/cluster.js';
import { deleteOrder } from '../../engine/apply-order.js';
import { CREATED_NAMESPACE, PROJECT, legacyProjectIds, projectId } from '../../engine/labels.js';
import type { ObjectRef } from '../../ports/cluster.js';
import type { CommonOptions } from '../main.js';
import { printerLog } from '../log-printer.js';
import { color, duration, type Output } from '../output.js';
import { handMadeObjects, releaseNamespace } from './down-namespaces.js';

export interface DownOptions extends CommonOptions {
  deleteNamespaces?: boolean;
  force?: boolean;
}

export async function downCommand(opts: DownOptions, o: Output): Promise<number> {
  const t0 = performance.now();
  const log = printerLog(o);
  const configFile = findConfig(process.cwd(), opts.file);
  const project = projectId(configFile);
  // Only for allow_k8s_contexts: down deletes by labels and never waits long on a config that does not finish.
  const ev = await evaluateConfig(configFile, {
    timeoutMs: 5000,
    invocation: { args: [], subcommand: 'down', context: opts.context, namespace: opts.namespace },
  });
  if (!ev.ok) o.err(color.yellow(`warning: ${basename(configFile)} does not evaluate (${ev.error.message}); deleting by labels anyway`));
  const cluster = connectCluster({ context: opts.context, namespace: opts.namespace });
  try {
    checkContext(cluster, ev.ok ? ev.plan : ({ configFile, allowedContexts: [] } as never));
    describeContext(cluster, log);
    await cluster.ping();
    // Objects labelled by earlier versions (which keyed the project on the config file's path) are found too.
    const found: ObjectRef[] = [];
    const seen = new Set<string>();
    for (const id of [project, ...legacyProjectIds(configFile)]) {
      for (const ref of await cluster.listByLabels({ [PROJECT]: id })) {
        const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
        if (!seen.has(key)) {
          seen.add(key);
          found.push(ref);
        }
      }
    }
    const keep: ObjectRef[] = [];
    const del: ObjectRef[] = [];
    for (const ref of found) {
      const live = await cluster.get(ref);
      if (!live) continue;
      // Pods and ReplicaSets copy the labels of their templates; their owners' deletion removes them.
      if (Array.isArray(live.metadata.ownerReferences) && live.metadata.ownerReferences.length > 0) continue;
      if (ref.kind !== 'Namespace') {
        del.push(ref);
        continue;
      }
      const created = (live?.metadata.annotations as Record<string, string> | undefined)?.[CREATED_NAMESPACE] === 'true';
      if (created && opts.deleteNamespaces) del.push(ref);
      else keep.push(ref);
    }
    // A namespace devloop created may hold objects made by hand since: deleting it would delete them too.
    if (!opts.force) {
      const found: string[] = [];
      for (const ref of del.filter((r) => r.kind === 'Namespace')) {
        for (const x of (await handMadeObjects(cluster, ref.name, [project, ...legacyProjectIds(configFile)])) ?? [])
          found.push(`  ${x.kind}/${x.name} (namespace ${ref.name})`);
      }
      if (found.length) {
        o.err(
          color.red(
            `error: not deleting anything: ${found.length === 1 ? 'an object' : `${found.length} objects`} that devloop did not make would be deleted with ${del.filter((r) => r.kind === 'Namespace').length === 1 ? 'the namespace' : 'the namespaces'}:`,
          ),
        );
        for (const f of found) o.err(f);
        o.err(
          color.yellow('hint: move or delete them yourself, run `devloop down` without --delete-namespaces, or add --force to delete them with the namespace'),
        );
        return 1;
      }
    }
    if (del.length === 0) {
      o.err(`Nothing to delete: no object in the cluster carries ${PROJECT}=${project}.`);
    } else {
      o.err('Deleting kubernetes objects:');
      for (const ref of deleteOrder(del, (r) => r)) {
        o.err(`  → ${ref.kind}/${ref.name}${ref.namespace ? ` (namespace ${ref.namespace})` : ''}`);
        await cluster.delete(ref);
      }
      await cluster.waitGone(del, 120_000);
      o.err(color.green(`Deleted ${del.length} object${del.length === 1 ? '' : 's'} (${duration(performance.now() - t0)}).`));
    }
    // A namespace that existed before devloop applied it gets back to how it was: devloop's labels and annotations go.
    for (const ref of keep) {
      const live = await cluster.get(ref);
      if (!live || (live.metadata.annotations as Record<string, string> | undefined)?.[CREATED_NAMESPACE] === 'true') continue;
      await releaseNamespace(cluster, ref.name);
      o.err(`Namespace/${ref.name} existed before devloop: removed the labels and annotations devloop added (the namespace stays)`);
    }
    if (keep.length) {
      o.err(`Not deleting namespace${keep.length === 1 ? '' : 's'}: ${keep.map((k) => k.name).join(', ')}`);
      o.err(opts.deleteNamespaces ? '  (devloop did not create them)' : '  Run with --delete-namespaces to delete namespaces devloop created.');
    }
    return 0;
  } finally {
    cluster.close();
  }
}

/**
 * workload_to_resource_function(fn): the config names the resource of each workload. The function runs in the
 * config's thread once the config has run (the Plan carries only data): it is called with each object of the YAML
 * ({ name, kind, namespace, group }) and returns the resource name; resolve uses it for the workloads.
 */
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { typeName } from './options.js';
import { current, type Recorder } from './recorder.js';
import { parseYamlStream } from './yaml-codec.js';
import type { Loc } from './spec.js';

export interface K8sObjectId {
  name: string;
  kind: string;
  namespace: string;
  group: string;
}
type Namer = (id: K8sObjectId) => string;

const KEY = Symbol.for('devloop.workloadNamer');
type WithNamer = Recorder & { [KEY]?: { fn: Namer; loc: Loc } };

/** The key resolve looks names up by. */
export function workloadKey(o: { kind: string; apiVersion?: string; metadata: { name: string; namespace?: string } }): string {
  const i = (o.apiVersion ?? '').indexOf('/');
  const group = i < 0 ? '' : (o.apiVersion ?? '').slice(0, i);
  return `${group}/${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`.toLowerCase();
}

/** Name each workload's resource with fn({ name, kind, namespace, group }). */
export function workload_to_resource_function(fn: Namer): void {
  const r = current('workload_to_resource_function') as WithNamer;
  const loc = callerLocation(r.plan.configFile);
  if (typeof fn !== 'function') {
    throw new DevloopError('config-bad-type', `workload_to_resource_function: argument 'fn' must be a function, got ${typeName(fn)}`, {
      location: loc,
      hint: 'for example: workload_to_resource_function((id) => `${id.name}-${id.kind.toLowerCase()}`)',
    });
  }
  r[KEY] = { fn, loc };
}

/** Runs the function given to workload_to_resource_function (if any) on every object of the config's YAML. */
export function applyWorkloadNamer(rec: Recorder): void {
  const namer = (rec as WithNamer)[KEY];
  if (!namer) return;
  const names: Record<string, string> = {};
  for (const src of rec.plan.yaml) {
    let docs: unknown[];
    try {
      docs = parseYamlStream(src.text);
    } catch {
      continue; // resolve reports the YAML error with its file and line
    }
    for (const d of docs) {
      const o = d as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
      if (!o || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') continue;
      const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
      const i = apiVersion.indexOf('/');
      const id: K8sObjectId = {
        name: o.metadata.name,
        kind: o.kind,
        namespace: typeof o.metadata.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default',
        group: i < 0 ? '' : apiVersion.slice(0, i),
      };
      const name = namer.fn(id);
      if (typeof name !== 'string' || !name) {
        throw new DevloopError(
          'config-bad-value',
          `workload_to_resource_function: the function returned ${typeName(name)} for ${id.kind} ${id.name}; it must return a resource name`,
          { location: namer.loc },
        );
      }
      names[workloadKey({ kind: id.kind, apiVersion, metadata: { name: id.name, namespace: id.namespace } })] = name;
    }
  }
  rec.plan.workloadNames = names;
}

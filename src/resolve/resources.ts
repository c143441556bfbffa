/**
 * Groups objects into resources as Tilt does: one per workload (named by the shortest unique of
 * name, name:kind, name:kind:namespace, name:kind:namespace:group), Services attached to the workload whose
 * pod labels their selector matches, k8s_resource() settings applied in call order, the rest in `uncategorized`.
 */
import { DevloopError } from '../model/errors.js';
import type { K8sKindSpec, K8sResourceSpec, LocalResourceSpec, Plan, PortForwardSpec, TriggerMode } from '../config/spec.js';
import type { K8sObject, SourcedObject } from './manifests.js';
import { closest } from '../config/options.js';
import { workloadKey } from '../config/workload-names.js';

export type PodReadiness = 'wait' | 'ignore' | 'succeeded';

export interface Resource {
  name: string;
  type: 'k8s' | 'local';
  /** Indices into the object list, workload first. */
  objects: number[];
  /** Ids (refs as configured) of the images injected into this resource's objects. */
  images: string[];
  portForwards: PortForwardSpec[];
  resourceDeps: string[];
  triggerMode: TriggerMode;
  autoInit: boolean;
  labels: string[];
  links: string[];
  extraPodSelectors: Record<string, string>[];
  podReadiness: PodReadiness;
  local?: LocalResourceSpec;
}

export const UNCATEGORIZED = 'uncategorized';

const BUILTIN_KINDS: { kind: string; group: string; readiness: PodReadiness }[] = [
  { kind: 'Job', group: 'batch', readiness: 'succeeded' },
  { kind: 'CronJob', group: 'batch', readiness: 'ignore' },
];

export function groupOf(o: K8sObject): string {
  const i = o.apiVersion.indexOf('/');
  return i < 0 ? 'core' : o.apiVersion.slice(0, i);
}

/** Labels of the pods this object makes (for Service matching). */
export function podTemplateLabels(o: K8sObject): Record<string, string> | undefined {
  const spec = o.spec as Record<string, any> | undefined;
  if (o.kind === 'Pod') return o.metadata.labels ?? {};
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.metadata?.labels;
  if (spec?.template?.spec && typeof spec.template === 'object') return spec.template.metadata?.labels ?? {};
  return undefined;
}

function kindMatches(k: K8sKindSpec, o: K8sObject): boolean {
  if (k.kind !== o.kind) return false;
  return k.apiVersion === undefined || k.apiVersion === o.apiVersion;
}

/** Shortest unique names among workloads; lower-case parts, empty namespace 'default', empty group 'core'. */
export function uniqueNames(objs: K8sObject[]): string[] {
  const parts = objs.map((o) => [o.metadata.name, o.kind.toLowerCase(), (o.metadata.namespace ?? 'default').toLowerCase(), groupOf(o).toLowerCase()]);
  const names = objs.map(() => '');
  for (let depth = 1; depth <= 4; depth++) {
    const cand = parts.map((p) => p.slice(0, depth).join(':'));
    const counts = new Map<string, number>();
    for (const c of cand) counts.set(c, (counts.get(c) ?? 0) + 1);
    cand.forEach((c, i) => {
      if (!names[i] && (counts.get(c) === 1 || depth === 4)) names[i] = c;
    });
  }
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}:${k}`;
  });
}

/** workload_to_resource_function's names; two workloads given one name is an error naming both. */
function customNames(plan: Plan, names: string[], objs: K8sObject[]): string[] {
  const out = objs.map((o, i) => plan.workloadNames![workloadKey(o)] ?? names[i]);
  const first = new Map<string, number>();
  out.forEach((n, i) => {
    const j = first.get(n);
    if (j !== undefined) {
      throw new DevloopError(
        'config-duplicate',
        `workload_to_resource_function named two workloads '${n}': ${objs[j].kind}/${objs[j].metadata.name} and ${objs[i].kind}/${objs[i].metadata.name}`,
        {
          location: { file: plan.configFile },
          hint: 'return a different name for each workload (include the kind or namespace)',
        },
      );
    }
    first.set(n, i);
  });
  return out;
}

function subset(sel: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(sel);
  return keys.length > 0 && keys.every((k) => labels[k] === sel[k]);
}

export interface AssembleInput {
  plan: Plan;
  objects: SourcedObject[];
  /** For each object, ids of the images injected into it. */
  imagesByObject: string[][];
}

export function fragmentOf(o: K8sObject): string {
  return `${o.metadata.name}:${o.kind}:${o.metadata.namespace ?? 'default'}`;
}

function parseSelector(s: string, loc: K8sResourceSpec['loc']): string[] {
  const parts = s.split(/(?<!\\):/).map((p) => p.replace(/\\:/g, ':').toLowerCase());
  if (parts.length > 3)
    throw new DevloopError(
      'config-bad-value',
      `k8s_resource: object selector '${s}' has ${parts.length} parts; use 'name', 'name:kind' or 'name:kind:namespace'`,
      { location: loc },
    );
  return parts;
}

export function assembleResources({ plan, objects, imagesByObject }: AssembleInput): { resources: Resource[]; warnings: string[] } {
  const warnings: string[] = [];
  const kindSpecs = plan.k8sKinds;
  const readinessOf = (o: K8sObject): PodReadiness | undefined => {
    const k = kindSpecs.find((s) => kindMatches(s, o));
    if (k) return k.podReadiness ?? 'wait';
    return BUILTIN_KINDS.find((b) => b.kind === o.kind && groupOf(o) === b.group)?.readiness;
  };
  const isWorkload = (i: number): boolean => imagesByObject[i].length > 0 || hasContainers(objects[i].object) || readinessOf(objects[i].object) !== undefined;
  const workloadIdx = objects.map((_, i) => i).filter(isWorkload);
  let names = uniqueNames(workloadIdx.map((i) => objects[i].object));
  if (plan.workloadNames)
    names = customNames(
      plan,
      names,
      workloadIdx.map((i) => objects[i].object),
    );
  const taken = new Set<number>(workloadIdx);
  const defaults = { triggerMode: plan.triggerMode, autoInit: true };
  const resources: Resource[] = workloadIdx.map((i, n) => ({
    name: names[n],
    type: 'k8s',
    objects: [i],
    images: [...imagesByObject[i]],
    portForwards: [],
    resourceDeps: [],
    ...defaults,
    labels: [],
    links: [],
    extraPodSelectors: [],
    podReadiness: readinessOf(objects[i].object) ?? 'wait',
  }));
  // Services whose selector matches a workload's pod labels (same namespace, or no namespace given) join it.
  objects.forEach((so, i) => {
    const o = so.object;
    if (o.kind !== 'Service' || taken.has(i)) return;
    const sel = (o.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (!sel) return;
    const ns = o.metadata.namespace ?? 'default';
    for (const r of resources) {
      const w = objects[r.objects[0]].object;
      const labels = podTemplateLabels(w);
      if (labels && subset(sel, labels) && (ns === 'default' || ns === (w.metadata.namespace ?? 'default'))) {
        r.objects.push(i);
        taken.add(i);
        return;
      }
    }
  });
  for (const spec of plan.k8sResources) applyResourceSpec(spec, resources, objects, taken, imagesByObject);
  const rest = objects.map((_, i) => i).filter((i) => !taken.has(i));
  if (rest.length) {
    resources.unshift({
      name: UNCATEGORIZED,
      type: 'k8s',
      objects: rest,
      images: [...new Set(rest.flatMap((i) => imagesByObject[i]))],
      portForwards: [],
      resourceDeps: [],
      ...defaults,
      labels: [],
      links: [],
      extraPodSelectors: [],
      podReadiness: 'ignore',
    });
  }
  for (const l of plan.localResources) {
    if (resources.some((r) => r.name === l.name)) {
      throw new DevloopError('config-duplicate', `local_resource: a resource named '${l.name}' already exists (a Kubernetes workload)`, {
        location: l.loc,
        hint: 'give the local_resource another name',
      });
    }
    resources.push({
      name: l.name,
      type: 'local',
      objects: [],
      images: [],
      portForwards: [],
      resourceDeps: l.resourceDeps,
      triggerMode: l.triggerMode ?? plan.triggerMode,
      autoInit: l.autoInit,
      labels: l.labels,
      links: [],
      extraPodSelectors: [],
      podReadiness: l.serveCmd ? 'wait' : 'ignore',
      local: l,
    });
  }
  checkDeps(resources, plan, warnings);
  return { resources, warnings };
}

function hasContainers(o: K8sObject): boolean {
  const spec = o.spec as Record<string, any> | undefined;
  const pod = o.kind === 'Pod' ? spec : o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template?.spec : spec?.template?.spec;
  return Array.isArray(pod?.containers) && pod.containers.length > 0;
}

function applyResourceSpec(spec: K8sResourceSpec, resources: Resource[], objects: SourcedObject[], taken: Set<number>, imagesByObject: string[][]): void {
  let r: Resource | undefined;
  if (spec.workload) {
    r = resources.find((x) => x.name === spec.workload);
    if (!r) {
      const known = resources.filter((x) => x.type === 'k8s' && x.name !== UNCATEGORIZED).map((x) => x.name);
      const guess = closest(spec.workload, known);
      throw new DevloopError('config-unknown-resource', `k8s_resource: no workload named '${spec.workload}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
        location: spec.loc,
        hint: known.length
          ? `workloads in the YAML: ${known.join(', ')}`
          : 'the YAML given to k8s_yaml() has no workloads (objects with containers); use new_name and objects to group other objects',
      });
    }
  } else {
    r = {
      name: spec.newName!,
      type: 'k8s',
      objects: [],
      images: [],
      portForwards: [],
      resourceDeps: [],
      triggerMode: resources[0]?.triggerMode ?? 'auto',
      autoInit: true,
      labels: [],
      links: [],
      extraPodSelectors: [],
      podReadiness: 'ignore',
    };
    if (resources.some((x) => x.name === r!.name))
      throw new DevloopError('config-duplicate', `k8s_resource: a resource named '${r.name}' already exists`, { location: spec.loc });
    resources.push(r);
  }
  if (spec.newName && spec.workload) {
    if (resources.some((x) => x !== r && x.name === spec.newName)) {
      throw new DevloopError(
        'config-duplicate',
        `k8s_resource: can't rename '${r.name}' to '${spec.newName}': a resource named '${spec.newName}' already exists`,
        { location: spec.loc },
      );
    }
    r.name = spec.newName;
  }
  for (const s of spec.objects) {
    const want = parseSelector(s, spec.loc);
    const matches = (i: number): boolean => {
      const f = fragmentOf(objects[i].object).toLowerCase().split(':');
      return want.every((p, k) => p === f[k]);
    };
    const all = objects.map((_, i) => i).filter(matches);
    if (all.length === 0) {
      throw new DevloopError('config-unknown-object', `k8s_resource: no object matches '${s}'`, {
        location: spec.loc,
        hint: `objects are named name:kind:namespace; there are: ${objects.map((o) => fragmentOf(o.object)).join(', ')}`,
      });
    }
    if (all.length > 1) {
      throw new DevloopError(
        'config-ambiguous-object',
        `k8s_resource: '${s}' matches ${all.length} objects: ${all.map((i) => fragmentOf(objects[i].object)).join(', ')}`,
        {
          location: spec.loc,
          hint: 'add the kind (and namespace) to the selector, e.g. name:kind:namespace',
        },
      );
    }
    const i = all[0];
    if (taken.has(i) && !r.objects.includes(i)) {
      const owner = resources.find((x) => x.objects.includes(i));
      if (owner) {
        if (owner.objects[0] === i && owner.type === 'k8s' && owner.name !== r.name) {
          throw new DevloopError('config-bad-value', `k8s_resource: '${s}' is the workload of resource '${owner.name}' and can't be moved`, {
            location: spec.loc,
          });
        }
        owner.objects = owner.objects.filter((x) => x !== i);
      }
    }
    if (!r.objects.includes(i)) r.objects.push(i);
    for (const img of imagesByObject[i]) if (!r.images.includes(img)) r.images.push(img);
    taken.add(i);
  }
  r.portForwards.push(...spec.portForwards);
  r.resourceDeps.push(...spec.resourceDeps);
  r.labels.push(...spec.labels);
  r.links.push(...spec.links);
  r.extraPodSelectors.push(...spec.extraPodSelectors);
  if (spec.triggerMode) r.triggerMode = spec.triggerMode;
  if (spec.autoInit !== undefined) r.autoInit = spec.autoInit;
  if (spec.podReadiness) r.podReadiness = spec.podReadiness;
}

function checkDeps(resources: Resource[], plan: Plan, warnings: string[]): void {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const locOf = (name: string) =>
    plan.k8sResources.find((s) => (s.newName ?? s.workload) === name)?.loc ?? plan.localResources.find((l) => l.name === name)?.loc;
  for (const r of resources) {
    r.resourceDeps = [...new Set(r.resourceDeps)].filter((d) => {
      if (d === r.name) throw new DevloopError('config-bad-value', `resource '${r.name}' depends on itself`, { location: locOf(r.name) });
      if (!byName.has(d)) {
        warnings.push(`resource '${r.name}' depends on unknown resource '${d}'; the dependency is ignored (resources: ${[...byName.keys()].join(', ')})`);
        return false;
      }
      return true;
    });
  }
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      const cyc = [...path.slice(path.indexOf(n)), n].join(' -> ');
      throw new DevloopError('config-dependency-cycle', `resource_deps form a cycle: ${cyc}`, {
        location: locOf(n),
        hint: 'remove one of these resource_deps',
      });
    }
    state.set(n, 1);
    for (const d of byName.get(n)!.resourceDeps) visit(d, [...path, n]);
    state.set(n, 2);
  };
  for (const r of resources) visit(r.name, []);
}

/**
 * Manifest errors found before anything is applied: every object of a resource is checked (the checks that need no
 * server, then a server-side dry run of the apply, persisting nothing) and a resource with one refused object
 * applies none of them. `preflight` checks every resource of a plan before the first build, so a typo in YAML
 * costs no build; each object's result is kept by content, so a later plan re-checks only what changed.
 */
import type { Cluster, KObject } from '../ports/cluster.js';
import type { K8sObject, SourcedObject } from '../resolve/manifests.js';
import type { Resolved } from '../resolve/resolve.js';
import { DevloopError, isDevloopError } from '../model/errors.js';
import { checkObject } from './manifest-checks.js';
import { contentHash } from './labels.js';

export interface ObjectProblem {
  object: string;
  where?: string;
  problems: string[];
}

type DryRun = Pick<Cluster, 'dryRunApply'>;

/** What the project declares that a dry run cannot see yet: namespaces and CRD kinds created by its own objects. */
interface Declared {
  namespaces: Set<string>;
  kinds: Set<string>;
}

function declaredBy(objects: readonly K8sObject[]): Declared {
  const d: Declared = { namespaces: new Set(), kinds: new Set() };
  for (const o of objects) {
    if (o.kind === 'Namespace') d.namespaces.add(o.metadata.name);
    if (o.kind === 'CustomResourceDefinition') {
      const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
      if (spec?.names?.kind) d.kinds.add(`${spec.group ?? ''}/${spec.names.kind}`);
    }
  }
  return d;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '');

/** The problems of one object: the checks that need no server, then (when those pass) the server's dry run. */
async function problemsOf(cluster: DryRun, o: K8sObject, declared: Declared): Promise<string[]> {
  const local = checkObject(o).map((p) => `${p.field}: ${p.message}`);
  if (local.length || !cluster.dryRunApply) return local;
  try {
    await cluster.dryRunApply(o as KObject);
    return [];
  } catch (e) {
    if (!isDevloopError(e) || e.code !== 'cluster-refused') throw e;
    // Not wrong, only not there yet: the project's own Namespace or CRD is applied first.
    const ns = /namespaces "([^"]+)" not found/.exec(e.message)?.[1];
    if (ns && declared.namespaces.has(ns)) return [];
    if (/has no kind/.test(e.message) && declared.kinds.has(`${groupOf(o.apiVersion)}/${o.kind}`)) return [];
    return [e.message.replace(/^apply failed: /, ''), ...(e.details ?? [])];
  }
}

/** The refusal of a resource whose objects do not all pass: names each object and field. */
export function manifestError(resource: string, bad: ObjectProblem[], total: number, beforeBuild: boolean): DevloopError {
  const first = bad[0];
  const details = bad.flatMap((b) => [`${b.object}${b.where ? ` (${b.where})` : ''}:`, ...b.problems.map((p) => `  ${p}`)]);
  return new DevloopError(
    'manifest-invalid',
    `${bad.length} of ${total} object${total === 1 ? '' : 's'} of ${resource} would be refused (${bad.map((b) => b.object).join(', ')}); none of its objects was applied${beforeBuild ? ' and its images were not built' : ''}`,
    { object: first.object, details, hint: 'Fix the field(s) named above in the manifest; devloop checks again when the file is saved.' },
  );
}

/** Checks every object of one resource; throws manifest-invalid naming each refused object and field. */
export async function checkResource(cluster: DryRun, resource: string, objects: readonly K8sObject[]): Promise<void> {
  const declared = declaredBy(objects);
  const bad: ObjectProblem[] = [];
  for (const o of objects) {
    const problems = await problemsOf(cluster, o, declared);
    if (problems.length) bad.push({ object: `${o.kind}/${o.metadata?.name ?? '(no name)'}`, problems });
  }
  if (bad.length) throw manifestError(resource, bad, objects.length, false);
}

/**
 * Before the first build of a plan: every resource's objects (rendered with the refs the plan expects) checked
 * once; the errors by resource. A cluster that cannot be reached leaves the checking to the apply.
 */
export class Preflight {
  private readonly plans = new WeakMap<Resolved, { all: Promise<Map<string, DevloopError>>; reported: Set<string> }>();
  /** content hashes of objects that passed, across plans. */
  private readonly seen = new Set<string>();

  constructor(private readonly cluster: DryRun) {}

  /**
   * The manifest error of one resource of this plan, or undefined. The first call checks every resource; a resource
   * refused once is checked again on its next update (a trigger after a fix outside the files, e.g. a CRD installed).
   */
  async errorFor(res: Resolved, resource: string): Promise<DevloopError | undefined> {
    let p = this.plans.get(res);
    if (!p) {
      p = { all: this.check(res, res.resources).catch(() => new Map<string, DevloopError>()), reported: new Set() };
      this.plans.set(res, p);
    }
    if (p.reported.has(resource)) {
      const r = res.resources.find((x) => x.name === resource);
      if (!r) return undefined;
      return (await this.check(res, [r]).catch(() => new Map<string, DevloopError>())).get(resource);
    }
    const e = (await p.all).get(resource);
    if (e) p.reported.add(resource);
    return e;
  }

  private async check(res: Resolved, resources: Resolved['resources']): Promise<Map<string, DevloopError>> {
    const declared = declaredBy(res.rendered);
    const out = new Map<string, DevloopError>();
    await Promise.all(
      resources
        .filter((r) => r.type === 'k8s')
        .map(async (r) => {
          const bad: ObjectProblem[] = [];
          for (const i of r.objects) {
            const o = res.rendered[i];
            const key = contentHash(o);
            if (this.seen.has(key)) continue;
            const problems = await problemsOf(this.cluster, o, declared);
            // A refusal may depend on the cluster (a CRD installed meanwhile): only what passed is not asked again.
            if (problems.length === 0) this.seen.add(key);
            else bad.push({ object: `${o.kind}/${o.metadata?.name ?? '(no name)'}`, where: where(res.objects[i]), problems });
          }
          if (bad.length) out.set(r.name, manifestError(r.name, bad, r.objects.length, true));
        }),
    );
    return out;
  }
}

function where(so: SourcedObject | undefined): string | undefined {
  if (!so?.loc) return undefined;
  return so.loc.line === undefined ? so.loc.file : `${so.loc.file}:${so.loc.line}`;
}

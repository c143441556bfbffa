/**
 * `ci` and `up` with nothing to deploy stop at once with an error, as Tilt does ("No resources found"), instead of
 * waiting for resources that do not exist until the timeout.
 */
import { basename } from 'node:path';
import { DevloopError } from '../model/errors.js';
import type { Plan } from '../config/spec.js';
import type { Resolved } from './resolve.js';

function nothing(plan: Plan, why: string): DevloopError {
  return new DevloopError('nothing-to-deploy', `nothing to deploy: ${why}`, {
    location: { file: plan.configFile },
    hint: `declare something in ${basename(plan.configFile)}: k8s_yaml('app.yaml') with Kubernetes objects, or local_resource('name', 'command'); see the README's config API`,
  });
}

/** Before connecting to anything: a config that declares no YAML and no local resource. */
export function checkPlanDeploysSomething(plan: Plan): void {
  if (plan.yaml.length === 0 && plan.localResources.length === 0) {
    throw nothing(plan, `${basename(plan.configFile)} declares no Kubernetes YAML (k8s_yaml) and no local_resource`);
  }
}

/** After resolving: YAML that holds no objects (empty files, only `---`). */
export function checkResolvedDeploysSomething(r: Resolved): void {
  if (r.resources.length === 0) {
    const sources = r.plan.yaml.map((y) => (y.path ? basename(y.path) : y.source));
    throw nothing(r.plan, `the YAML given to k8s_yaml (${sources.join(', ')}) holds no Kubernetes objects`);
  }
}

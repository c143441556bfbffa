/**
 * Which resources run: those named on the command line (when the config does not parse its args) or by
 * config.set_enabled_resources(), with their resource_deps; every resource when none are named, as in Tilt.
 * The others are left out of the resolved project: not built, not deployed, not printed by `ci --dry-run`.
 */
import { DevloopError } from '../model/errors.js';
import { closest } from '../config/options.js';
import type { Plan } from '../config/spec.js';
import { UNCATEGORIZED, type Resource } from './resources.js';

/** The names asked for, or undefined for all (as in Tilt: set_enabled_resources wins, then unparsed args; an empty list is all). */
export function requestedResources(plan: Plan): { names: string[]; from: 'args' | 'config' } | undefined {
  if (plan.disableAll) return { names: [], from: 'config' };
  if (plan.enabledResources) return plan.enabledResources.length ? { names: plan.enabledResources, from: 'config' } : undefined;
  if (!plan.argsParsed && plan.args?.length) return { names: plan.args, from: 'args' };
  return undefined;
}

/** The resources to keep (named ones and their resource_deps, transitively), in their original order. */
export function selectResources(plan: Plan, resources: Resource[]): Resource[] {
  const req = requestedResources(plan);
  if (!req) return resources;
  const byName = new Map(resources.map((r) => [r.name, r]));
  const keep = new Set<string>([UNCATEGORIZED]); // objects in no resource are always deployed, as in Tilt
  const visit = (n: string): void => {
    if (keep.has(n)) return;
    keep.add(n);
    for (const d of byName.get(n)?.resourceDeps ?? []) visit(d);
  };
  const unknown = req.names.filter((n) => !byName.has(n));
  if (unknown.length) {
    const flag = unknown.find((n) => n.startsWith('-'));
    if (flag && req.from === 'args') {
      throw new DevloopError('unknown-resource', `'${flag}' looks like a flag, but the config does not call config.parse()`, {
        location: { file: plan.configFile },
        hint: `without config.parse() the words after the command name resources; define the flag with config.define_string('${flag.replace(/^-+/, '').split('=')[0]}') and call config.parse()`,
      });
    }
    const guess = unknown.length === 1 ? closest(unknown[0], [...byName.keys()]) : undefined;
    throw new DevloopError(
      'unknown-resource',
      `no resource named ${unknown.map((u) => `'${u}'`).join(', ')}${req.from === 'config' ? ' (given to config.set_enabled_resources)' : ''}${guess ? `; did you mean '${guess}'?` : ''}`,
      {
        location: req.from === 'config' && plan.enabledResourcesLoc ? plan.enabledResourcesLoc : { file: plan.configFile },
        hint: `resources: ${[...byName.keys()].join(', ')}`,
      },
    );
  }
  for (const n of req.names) visit(n);
  return resources.filter((r) => keep.has(r.name));
}

/**
 * Which resources run: those named on the command line (when the config does not parse its args) or by
 * config.set_enabled_resources(), with their resource_deps; every resource when none are named, as in Tilt.
 * The others are left out of the resolved project: not built, not deployed, not printed by `ci --dry-run`.
 */
import { DevloopError } from '../model/errors.js';
import { closest } from '../config/options.js';
import type { Plan } from '../config/spec.js';
import type { Resource } from './resources.js';

/** The names asked for, or undefined for all. */
export function requestedResources(plan: Plan): { names: string[]; from: 'args' | 'config' } | undefined {
  if (plan.enabledResources) return { names: plan.enabledResources, from: 'config' };
  if (!plan.argsParsed && plan.args?.length) return { names: plan.args, from: 'args' };
  return undefined;
}

/** The resources to keep (named ones and their resource_deps, transitively), in their original order. */
export function selectResources(plan: Plan, resources: Resource[]): Resource[] {
  const req = requestedResources(plan);
  if (!req) return resources;
  const byName = new Map(resources.map((r) => [r.name, r]));
  const keep = new Set<string>();
  const visit = (n: string): void => {
    if (keep.has(n)) return;
    keep.add(n);
    for (const d of byName.get(n)?.resourceDeps ?? []) visit(d);
  };
  for (const n of req.names) {
    if (!byName.has(n)) {
      if (n.startsWith('-')) {
        throw new DevloopError('unknown-resource', `'${n}' looks like a flag, but the config does not call config.parse()`, {
          location: { file: plan.configFile },
          hint: `without config.parse() the words after the command name resources; define the flag with config.define_string('${n.replace(/^-+/, '').split('=')[0]}') and call config.parse()`,
        });
      }
      const guess = closest(n, [...byName.keys()]);
      throw new DevloopError('unknown-resource', `no resource named '${n}'${req.from === 'config' ? ' (given to config.set_enabled_resources)' : ''}${guess ? `; did you mean '${guess}'?` : ''}`, {
        location: { file: plan.configFile }, hint: `resources: ${[...byName.keys()].join(', ')}`,
      });
    }
    visit(n);
  }
  return resources.filter((r) => keep.has(r.name));
}

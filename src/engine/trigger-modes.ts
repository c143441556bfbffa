/**
 * Trigger modes switched at run time (the web UI's auto/manual switch, POST /api/mode/NAME): they hold over the
 * config's trigger_mode until devloop stops, across config reloads, by being applied to each new plan's resources.
 */
import { DevloopError } from '../model/errors.js';
import type { Resource } from '../resolve/resources.js';
import type { TriggerMode } from '../config/spec.js';

export class TriggerModes {
  private readonly set = new Map<string, TriggerMode>();

  /** Sets the switched modes on these resources (in place: the plan in effect is what the engine decides with). */
  apply(resources: Resource[]): void {
    for (const r of resources) {
      const m = this.set.get(r.name);
      if (m) r.triggerMode = m;
    }
  }

  switch(resources: Resource[], name: string, mode: string): void {
    if (mode !== 'auto' && mode !== 'manual')
      throw new DevloopError('bad-mode', `trigger mode '${mode}' is not auto or manual`, { hint: 'use ?mode=auto or ?mode=manual' });
    if (!resources.some((r) => r.name === name)) {
      throw new DevloopError('unknown-resource', `no resource named '${name}'`, { hint: `resources: ${resources.map((x) => x.name).join(', ')}` });
    }
    this.set.set(name, mode);
    this.apply(resources);
  }
}

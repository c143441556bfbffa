/**
 * The control API and web UI start before the engine (so `devloop up` prints the UI's URL first): until the
 * session has its engine, they see no resources and a trigger says devloop is still starting.
 */
import type { Engine } from '../engine/engine.js';
import type { ControlEngine } from '../engine/control-server.js';
import { DevloopError } from '../model/errors.js';

/** Before the engine exists nothing is disabled, and nothing can be enabled or disabled yet. */
const starting = {
  isDisabled: () => false,
  select: () => {
    throw new DevloopError('starting', 'devloop is still starting: nothing can be enabled or disabled yet', { hint: 'try again once the config is loaded' });
  },
  set: () => Promise.reject(new DevloopError('starting', 'devloop is still starting', { hint: 'try again once the config is loaded' })),
} as unknown as Engine['enablement'];

export function lateEngine(): { engine: ControlEngine; set(e: Engine): void } {
  let real: Engine | undefined;
  const empty = new Map();
  return {
    set: (e) => {
      real = e;
    },
    engine: {
      get status() {
        return real?.status ?? empty;
      },
      get configError() {
        return real?.configError;
      },
      trigger: (name) => {
        if (!real)
          throw new DevloopError('starting', `devloop is still starting: '${name}' cannot be triggered yet`, { hint: 'try again once the config is loaded' });
        real.trigger(name);
      },
      setTriggerMode: (name, mode) => {
        if (!real)
          throw new DevloopError('starting', `devloop is still starting: '${name}' cannot be switched yet`, { hint: 'try again once the config is loaded' });
        real.setTriggerMode(name, mode);
      },
      resource: (name) => real?.resource(name),
      podsOf: (name) => real?.podsOf(name) ?? [],
      get resolved() {
        return (real?.resolved ?? { resources: [], images: [], objects: [], rendered: [] }) as Engine['resolved'];
      },
      get enablement() {
        return real?.enablement ?? starting;
      },
    },
  };
}

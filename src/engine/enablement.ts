/**
 * `devloop disable` and `devloop enable` on a running `up`. A disabled resource stops what runs for it locally (its
 * port forwards; a local_resource's serve_cmd), leaves the queue, and is not updated on file changes or config
 * reloads; what it deployed stays in the cluster. Enabling it queues an update, as a trigger would.
 */
import { DevloopError } from '../model/errors.js';
import type { Resource } from '../resolve/resources.js';
import type { Log } from './log.js';
import type { StatusBoard } from './status-board.js';
import type { UpdateItem } from './targets/target.js';

export interface EnablementHost {
  board: StatusBoard;
  log: Log;
  resources(): Resource[];
  /** Removes the resource's queued update, if any. */
  dequeue(name: string): void;
  enqueue(item: UpdateItem): void;
  /** Stops what runs for it locally (forwards, serve_cmd); deployed objects stay. */
  pause(r: Resource): Promise<void>;
}

export const DISABLED_REASON = 'disabled by devloop disable: devloop enable to resume';

export class Enablement {
  private readonly off = new Set<string>();

  constructor(private readonly h: EnablementHost) {}

  isDisabled(name: string): boolean {
    return this.off.has(name);
  }

  /** Names of the resources that `names` and `labels` select; unknown names are an error that lists the known. */
  select(names: string[], labels: string[] = []): string[] {
    const all = this.h.resources();
    const unknown = names.filter((n) => !all.some((r) => r.name === n));
    if (unknown.length) {
      throw new DevloopError('unknown-resource', `no resource named ${unknown.map((n) => `'${n}'`).join(', ')}`, {
        hint: `resources: ${all.map((x) => x.name).join(', ')}`,
      });
    }
    const byLabel = all.filter((r) => labels.some((l) => r.labels.includes(l))).map((r) => r.name);
    if (labels.length && !byLabel.length) {
      const known = [...new Set(all.flatMap((r) => r.labels))];
      throw new DevloopError('unknown-label', `no resource has label ${labels.map((l) => `'${l}'`).join(', ')}`, {
        hint: known.length ? `labels: ${known.join(', ')}` : 'no resource has labels: set labels in k8s_resource or local_resource',
      });
    }
    return [...new Set([...names, ...byLabel])];
  }

  /** Disables or enables the named resources; returns those whose state changed. */
  async set(names: string[], on: boolean): Promise<string[]> {
    const changed: string[] = [];
    for (const name of names) {
      const r = this.h.resources().find((x) => x.name === name);
      if (!r || this.off.has(name) === !on) continue;
      changed.push(name);
      if (!on) {
        this.off.add(name);
        this.h.dequeue(name);
        const s = this.h.board.get(name);
        if (s) s.pendingFiles = [];
        this.h.log.line(name, 'Disabled (devloop disable): not updated on changes; its port forwards stop; deployed objects stay');
        this.h.board.set(name, 'disabled', DISABLED_REASON);
        await this.h.pause(r);
      } else {
        this.off.delete(name);
        this.h.log.line(name, 'Enabled (devloop enable): updating it');
        this.h.enqueue({ resource: name, reason: 'Enabled by devloop enable', force: true });
      }
    }
    return changed;
  }

  /** After an update that was running when the resource was disabled: stop again what it started. */
  async settle(r: Resource): Promise<void> {
    if (!this.off.has(r.name)) return;
    this.h.board.set(r.name, 'disabled', DISABLED_REASON);
    await this.h.pause(r);
  }
}

/**
 * A deploy target: what carries one kind of resource into the world (Kubernetes objects, a local command; later a
 * custom deploy command or docker compose). The engine queues and orders updates and hands each to the target of the
 * resource's kind; the target builds what it needs, deploys, reports status on the board, and removes what a
 * resource leaves behind.
 */
import type { Resolved } from '../../resolve/resolve.js';
import type { Resource } from '../../resolve/resources.js';

export interface UpdateItem {
  resource: string;
  /** Why it runs, shown first ("Initial Build", "1 File Changed: [server.js] → rebuilding app"). */
  reason: string;
  /** A trigger: do the work even when nothing changed. */
  force?: boolean;
}

export interface DeployTarget {
  /** The config's resources of this kind (after a reload too). */
  setResources(resources: Resource[]): void;
  /** One update of the resource, from the plan `res`; returns false when newer changes superseded it (not counted). */
  update(r: Resource, item: UpdateItem, res: Resolved): Promise<boolean>;
  /** The resource left the config: stop what runs for it and delete what was deployed for it. */
  remove(r: Resource): Promise<void>;
  /** `devloop disable`: stop what runs for it locally (forwards, serve_cmd); deployed objects stay. */
  pause(r: Resource): Promise<void>;
  stop(): Promise<void>;
}

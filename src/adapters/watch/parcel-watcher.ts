/**
 * FileWatcher over @parcel/watcher 2.6 (native; on Linux one inotify watch per directory): the handles.
 * All handles of the process share one Hub (hub.ts), which holds the native subscriptions; each handle
 * has its roots and its own ChangeBatcher (batcher.ts), so its debounce is its own.
 */
import parcelWatcher from '@parcel/watcher';
import type { DevloopError } from '../../model/errors.js';
import type { ChangeBatch, FileWatcher, WatchHandle, WatchOptions, WatchRoot, WatchStats } from '../../ports/file-watcher.js';
import { ChangeBatcher, DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_WAIT_MS } from './batcher.js';
import { Hub, type HubClient, type NativeWatcher } from './hub.js';
import type { Route } from './plan.js';

export { setWatchTrace, type NativeWatcher } from './hub.js';

export interface ParcelWatcherOptions extends WatchOptions {
  /** Defaults to @parcel/watcher; a private hub is made for any other. */
  native?: NativeWatcher;
  /** Delay before the first retry of a failed subscription (doubles each time, at most 5 min). Default 1 s. */
  retryMs?: number;
}

export function createParcelFileWatcher(opts: ParcelWatcherOptions = {}): FileWatcher {
  const hub = opts.native ? new Hub(opts.native, opts.retryMs) : sharedHub(opts.retryMs);
  return {
    async watch(roots, onBatch, onError, watchOpts) {
      const client = new Client(hub, onError, onBatch, {
        debounceMs: watchOpts?.debounceMs ?? opts.debounceMs ?? DEFAULT_DEBOUNCE_MS,
        maxWaitMs: watchOpts?.maxWaitMs ?? opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      });
      await client.start(roots);
      return client;
    },
  };
}

let shared: Hub | undefined;
function sharedHub(retryMs?: number): Hub {
  return (shared ??= new Hub(parcelWatcher, retryMs));
}

class Client implements WatchHandle, HubClient {
  roots: readonly WatchRoot[] = [];
  routes: Route<HubClient>[] = [];
  closed = false;
  readonly batcher: ChangeBatcher;

  constructor(
    private readonly hub: Hub,
    readonly onError: (err: DevloopError) => void,
    onBatch: (batch: ChangeBatch) => void,
    batchOpts: { debounceMs: number; maxWaitMs: number },
  ) {
    this.batcher = new ChangeBatcher(batchOpts, onBatch);
  }

  async start(roots: readonly WatchRoot[]): Promise<void> {
    this.roots = [...roots];
    this.hub.clients.add(this);
    const err = this.firstError(await this.hub.reconcile({ full: true }));
    if (err) {
      await this.close();
      throw err;
    }
  }

  async update(roots: readonly WatchRoot[]): Promise<void> {
    if (this.closed) return;
    this.roots = [...roots];
    const err = this.firstError(await this.hub.reconcile({ full: true }));
    if (err) throw err;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.close();
    this.hub.clients.delete(this);
    await this.hub.reconcile({ full: true });
  }

  stats(): WatchStats {
    return { roots: this.roots.length, ...this.hub.stats() };
  }

  /** The first error of a subscription that serves one of this handle's roots. */
  private firstError(errors: Map<string, DevloopError>): DevloopError | undefined {
    for (const [dir, err] of errors) {
      if (this.hub.groups.get(dir)?.plan.routes.some((r) => r.owner === this) ?? true) return err;
    }
    return undefined;
  }
}


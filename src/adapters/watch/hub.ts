/**
 * The Hub: every native subscription of the process, shared by all watch handles, because @parcel/watcher
 * shares its state per directory (one crawled tree per directory path, one inotify instance, one debounce
 * thread): two subscriptions to the same directory with different ignores would see each other's crawl.
 * The Hub keeps exactly one subscription per directory of the plan (plan.ts), routes each native event to
 * the roots that accept it, and feeds each handle's ChangeBatcher (batcher.ts).
 *
 * Things @parcel/watcher does not do, done here:
 * - A directory created with content (`mkdir -p a/b`, `mv dir here`, parcel-bundler/watcher#243): only the
 *   new directory gets a watch, not its subdirectories, and files written before that watch are never
 *   reported. So every new directory is walked: its files are reported as created, and if it holds
 *   subdirectories the subscription is renewed (re-crawled) and the gap re-scanned.
 * - A new directory no route needs (a dockerignored `dist/`): renewed within a second so it is unwatched.
 * - A directory moved out of the tree: @parcel/watcher keeps its inotify watches, and reports changes in
 *   its subdirectories under the old path; those are dropped, and a deleted directory renews the
 *   subscription within a second.
 * - Renewals (update(), the cases above, restarts after an error) unsubscribe first, because the crawl is
 *   cached per directory, then diff a walk taken before with one taken after, so nothing in the gap is lost
 *   (except a file created and deleted in it).
 * - A failed subscribe leaves the watches it added in place until the inotify instance is closed, so after
 *   a failure every subscription is dropped and made again.
 * - Errors become DevloopErrors (errors.ts); a failed or broken subscription is retried with backoff.
 */
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { isDevloopError, type DevloopError } from '../../model/errors.js';
import type { ChangeType, WatchRoot, WatchStats } from '../../ports/file-watcher.js';
import { NATIVE_HOLD_MS, NATIVE_IDLE_MS, nowMs, type Arrival, type ChangeBatcher } from './batcher.js';
import { watchError } from './errors.js';
import { countInotifyWatches } from './inotify.js';
import {
  accepts, diffListings, isWithin, nativeOptions, needsDir, optionsKey, planGroups, resolveRoute, walkGroup,
  type GroupPlan, type Listing, type NativeOptions, type Route, type SyntheticChange,
} from './plan.js';

/** The part of @parcel/watcher used here (a fake can stand in for it in tests). */
export interface NativeWatcher {
  subscribe(
    dir: string,
    fn: (err: Error | null, events: { path: string; type: ChangeType }[]) => unknown,
    opts?: { ignore?: (string | RegExp)[] },
  ): Promise<{ unsubscribe(): Promise<void> }>;
}

/** What the Hub needs of a watch handle. */
export interface HubClient {
  roots: readonly WatchRoot[];
  routes: Route<HubClient>[];
  closed: boolean;
  batcher: ChangeBatcher;
  onError(err: DevloopError): void;
}

/** One line per native delivery and subscription, for `--debug`; set by DEVLOOP_WATCH_TRACE=1 or setWatchTrace(). */
let trace: ((line: string) => void) | undefined = process.env.DEVLOOP_WATCH_TRACE ? (l) => process.stderr.write(`watch: ${l}\n`) : undefined;
export function setWatchTrace(fn: ((line: string) => void) | undefined): void {
  trace = fn;
}

/** A subscription of the plan, live or waiting for a retry. */
interface Group {
  plan: GroupPlan<HubClient>;
  key: string;
  options: NativeOptions;
  dirs: number;
  /** Directories watched (the group dir not included): a delete of one of them may be a move away. */
  dirSet: Set<string>;
  sub?: { unsubscribe(): Promise<void> };
  failures: number;
  /** Listing taken when the subscription broke: the base of the re-scan once it is back. */
  brokenListing?: Listing;
  retryTimer?: NodeJS.Timeout;
  pruneTimer?: NodeJS.Timeout;
}

interface ReconcileRequest {
  /** Plan again from every handle's roots (watch, update, close, a root appeared or vanished). */
  full?: boolean;
  /** Subscribe these group directories again even if their options did not change. */
  renew?: Set<string>;
  /**
   * New directories, with what was in them when they were seen (already reported as created). Their group
   * is subscribed again and anything in them beyond that listing is reported once it is.
   */
  created?: Map<string, Listing>;
}

const MAX_RETRY_MS = 5 * 60_000;
/** Deliveries closer than this are taken as one native notification. */
const SAME_NOTIFY_MS = 5;
const PRUNE_DELAY_MS = 1000;
const VANISHED_RETRY_MS = 50;

export class Hub {
  readonly clients = new Set<HubClient>();
  readonly groups = new Map<string, Group>();
  private queue: Promise<unknown> = Promise.resolve();
  /** When the last native notification (one or more deliveries in a row) reached JavaScript, and its kind. */
  private lastNotify = -Infinity;
  private lastArrival = -Infinity;
  private lastKind: Arrival = 'immediate';

  constructor(
    private readonly native: NativeWatcher,
    private readonly retryMs = 1000,
  ) {}

  stats(): Omit<WatchStats, 'roots'> {
    let subscriptions = 0;
    let directories = 0;
    for (const g of this.groups.values()) {
      if (!g.sub) continue;
      subscriptions++;
      directories += g.dirs + 1;
    }
    return { subscriptions, directories, inotifyWatches: countInotifyWatches() };
  }

  /** Serialised: one reconcile at a time. Resolves with the errors of subscriptions that failed, by dir. */
  reconcile(req: ReconcileRequest): Promise<Map<string, DevloopError>> {
    const run = this.queue.then(() => this.run(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(req: ReconcileRequest): Promise<Map<string, DevloopError>> {
    const errors = new Map<string, DevloopError>();
    const created = [...(req.created?.keys() ?? [])];
    let plans: GroupPlan<HubClient>[];
    if (req.full) {
      for (const c of this.clients) c.routes = this.resolve(c, errors);
      plans = planGroups([...this.clients].flatMap((c) => c.routes));
    } else {
      const dirs = new Set(req.renew);
      for (const g of this.groups.values()) if (created.some((d) => isWithin(g.plan.dir, d))) dirs.add(g.plan.dir);
      plans = [...dirs].flatMap((d) => this.groups.get(d)?.plan ?? []);
    }
    const wanted = new Set(plans.map((p) => p.dir));
    const renewals: { g: Group; before?: Listing; scope?: string[] }[] = [];
    let vanished = false;
    for (const plan of plans) {
      const cur = this.groups.get(plan.dir);
      let walk;
      try {
        walk = walkGroup(plan);
      } catch (e) {
        // The directory went away since the roots were resolved: plan again from what exists.
        if (isDevloopError(e) && e.code === 'context-missing') vanished = true;
        else errors.set(plan.dir, watchError(e, plan.dir));
        continue;
      }
      const options = nativeOptions(plan, walk.skipped);
      const key = optionsKey(plan, options);
      const inside = created.filter((d) => isWithin(plan.dir, d));
      const dirSet = new Set(walk.entered);
      if (cur?.sub && cur.key === key && !req.renew?.has(plan.dir) && inside.length === 0) {
        Object.assign(cur, { plan, dirs: walk.dirs, dirSet });
        continue;
      }
      const g: Group = cur ?? { plan, key, options, dirs: walk.dirs, dirSet, failures: 0 };
      Object.assign(g, { plan, key, options, dirs: walk.dirs, dirSet });
      this.groups.set(plan.dir, g);
      // What was there before, to report what changes while the group is not subscribed.
      const before = g.brokenListing ?? (cur ? safeWalk(plan) : undefined);
      if (inside.length) {
        // Inside new directories, compare with what was seen (and reported) when they appeared.
        const seen = [...before ?? []].filter(([p]) => !inside.some((d) => p !== d && isWithin(d, p)));
        for (const d of inside) seen.push(...req.created!.get(d)!);
        renewals.push({ g, before: new Map(seen), scope: before ? undefined : inside });
      } else {
        renewals.push({ g, before });
      }
    }
    const dropped = req.full ? [...this.groups.values()].filter((g) => !wanted.has(g.plan.dir)) : [];
    for (const g of dropped) {
      this.groups.delete(g.plan.dir);
      clearTimeout(g.retryTimer);
      clearTimeout(g.pruneTimer);
    }
    // Unsubscribe before subscribing again: @parcel/watcher caches the crawled tree per directory.
    await Promise.all([...dropped, ...renewals.map((r) => r.g)].map((g) => this.unsubscribe(g)));
    this.forgetNotifications();

    let failed = false;
    for (const r of renewals) {
      const err = await this.subscribe(r.g);
      if (err) {
        errors.set(r.g.plan.dir, err);
        failed = true;
      }
    }
    if (failed && [...this.groups.values()].some((g) => g.sub)) await this.resubscribeAll();
    for (const r of renewals) {
      if (r.g.sub && r.before) this.rescan(r.g, r.before, r.scope);
    }
    if (vanished) setTimeout(() => this.background({ full: true }), VANISHED_RETRY_MS).unref();
    return errors;
  }

  private resolve(c: HubClient, errors: Map<string, DevloopError>): Route<HubClient>[] {
    return c.roots.flatMap((root) => {
      try {
        return [resolveRoute(root, c)];
      } catch (e) {
        errors.set(root.path, watchError(e, root.path));
        return [];
      }
    });
  }

  /** A reconcile nobody awaits: its errors go to the handles concerned. */
  private background(req: ReconcileRequest): void {
    void this.reconcile(req).then((errors) => {
      for (const [dir, err] of errors) {
        const g = this.groups.get(dir);
        if (g) this.report(g, err);
        else for (const c of this.clients) c.onError(err);
      }
    }, (e: unknown) => {
      for (const c of this.clients) c.onError(watchError(e, 'files'));
    });
  }

  /** Subscribe a group; on failure schedule a retry and return the error. */
  private async subscribe(g: Group): Promise<DevloopError | undefined> {
    clearTimeout(g.retryTimer);
    g.retryTimer = undefined;
    try {
      trace?.(`subscribe ${g.plan.dir} (${g.plan.mode}, ${g.dirs + 1} dirs, ignore ${g.options.ignore.length})`);
      g.sub = await this.native.subscribe(g.plan.dir, (err, events) => this.onNative(g, err, events), g.options);
      g.failures = 0;
      g.brokenListing = undefined;
      return undefined;
    } catch (e) {
      g.sub = undefined;
      this.scheduleRetry(g);
      return watchError(e, g.plan.dir, g.dirs + 1);
    }
  }

  private async unsubscribe(g: Group): Promise<void> {
    const sub = g.sub;
    g.sub = undefined;
    try {
      await sub?.unsubscribe();
    } catch {
      // Its directory was deleted (inotify already dropped the watches): nothing left to release.
    }
  }

  /**
   * A failed subscribe keeps the inotify watches it added until @parcel/watcher closes its inotify
   * instance, which it does when its last subscription goes: drop every subscription and make them again.
   */
  private async resubscribeAll(): Promise<void> {
    const live = [...this.groups.values()].filter((g) => g.sub);
    const before = new Map(live.map((g) => [g, safeWalk(g.plan)]));
    await Promise.all(live.map((g) => this.unsubscribe(g)));
    this.forgetNotifications();
    for (const g of live) {
      const err = await this.subscribe(g);
      if (err) this.report(g, err);
      else this.rescan(g, before.get(g)!);
    }
  }

  private scheduleRetry(g: Group): void {
    g.failures++;
    const delay = Math.min(this.retryMs * 2 ** (g.failures - 1), MAX_RETRY_MS);
    clearTimeout(g.retryTimer);
    g.retryTimer = setTimeout(() => {
      g.retryTimer = undefined;
      if (this.groups.get(g.plan.dir) === g) this.background({ renew: new Set([g.plan.dir]) });
    }, delay);
    g.retryTimer.unref();
  }

  /** Tell every handle served by this group, once each. */
  private report(g: Group, err: DevloopError): void {
    for (const c of new Set(g.plan.routes.map((r) => r.owner))) if (!c.closed) c.onError(err);
  }

  private onNative(g: Group, err: Error | null, events: { path: string; type: ChangeType }[]): void {
    const at = nowMs();
    const kind = this.classify(at);
    trace?.(`${kind} ${events.length} event(s) in ${g.plan.dir}${err ? ` error: ${err.message}` : ''}`);
    if (this.groups.get(g.plan.dir) !== g) return; // dropped meanwhile
    if (err) return this.broken(g, err);
    const touched = new Set<HubClient>();
    const newDirs: string[] = [];
    let replan = false;
    for (const ev of events) {
      const st = ev.type === 'delete' ? undefined : lstatSync(ev.path, { throwIfNoEntry: false });
      if (ev.type !== 'delete' && !st && !existsSync(path.dirname(ev.path))) {
        // A directory moved out of the tree keeps the watches of its subdirectories, which @parcel/watcher
        // still reports under the old path: drop such changes, and renew the subscription to drop the watches.
        this.schedulePrune(g);
        continue;
      }
      this.route(g, ev.path, ev.type, at, touched);
      if (ev.type === 'delete' && ev.path === g.plan.dir) replan = true;
      // A directory moved away looks like one deleted, but its inotify watches stay: renew to drop them.
      if (ev.type === 'delete' && g.dirSet.delete(ev.path)) this.schedulePrune(g);
      if (ev.type !== 'create' || !st?.isDirectory()) continue;
      newDirs.push(ev.path);
      // A directory on the way to a root that did not exist, or the root itself: anchor it deeper, or
      // watch it as a tree with its filter.
      if (g.plan.mode === 'files' && g.plan.routes.some((r) => isWithin(ev.path, r.real))) replan = true;
    }
    const { seen, renew } = this.newDirectories(g, newDirs, at, touched);
    for (const c of touched) c.batcher.settle(kind, at);
    if (replan) this.background({ full: true, created: seen });
    else if (renew) this.background({ created: seen });
  }

  /**
   * Was this delivery held natively until 50 ms of quiet? Yes if the previous native notification came
   * less than NATIVE_IDLE_MS before (with a margin for JavaScript being late). Deliveries that arrive
   * together belong to one notification (one per subscription) and share its kind.
   */
  private classify(at: number): Arrival {
    if (at - this.lastArrival > SAME_NOTIFY_MS) {
      this.lastKind = at - this.lastNotify < NATIVE_IDLE_MS - NATIVE_HOLD_MS ? 'held' : 'immediate';
      this.lastNotify = at;
    }
    this.lastArrival = at;
    return this.lastKind;
  }

  /** @parcel/watcher's debounce state goes with its last subscription: the next change is delivered at once. */
  private forgetNotifications(): void {
    if ([...this.groups.values()].some((g) => g.sub)) return;
    this.lastNotify = this.lastArrival = -Infinity;
  }

  /** parcel-bundler/watcher#243 and pruning: what to do about directories that just appeared. */
  private newDirectories(g: Group, dirs: string[], at: number, touched: Set<HubClient>): { seen: Map<string, Listing>; renew: boolean } {
    const top = dirs.filter((d) => !dirs.some((o) => o !== d && isWithin(o, d)));
    const seen = new Map<string, Listing>();
    let renew = false;
    for (const d of top) {
      if (!needsDir(g.plan, d)) {
        this.schedulePrune(g);
        continue;
      }
      let walk;
      try {
        walk = walkGroup(g.plan, { start: d, listing: true });
      } catch {
        continue; // gone again
      }
      for (const p of walk.listing.keys()) this.route(g, p, 'create', at, touched);
      g.dirSet.add(d);
      for (const e of walk.entered) g.dirSet.add(e);
      seen.set(d, walk.listing);
      if (walk.dirs > 0) renew = true; // subdirectories @parcel/watcher may not watch: subscribe again
    }
    return { seen, renew };
  }

  private schedulePrune(g: Group): void {
    if (g.pruneTimer) return;
    g.pruneTimer = setTimeout(() => {
      g.pruneTimer = undefined;
      if (this.groups.get(g.plan.dir) === g) this.background({ renew: new Set([g.plan.dir]) });
    }, PRUNE_DELAY_MS);
    g.pruneTimer.unref();
  }

  private broken(g: Group, err: Error): void {
    g.brokenListing = safeWalk(g.plan);
    void this.unsubscribe(g);
    this.report(g, watchError(err, g.plan.dir, g.dirs + 1));
    this.scheduleRetry(g);
  }

  private route(g: Group, realPath: string, type: ChangeType, at: number, touched: Set<HubClient>): void {
    for (const r of g.plan.routes) {
      if (r.owner.closed) continue;
      const logical = accepts(r, realPath);
      if (logical === undefined) continue;
      r.owner.batcher.add(logical, type, r.root.label, at);
      touched.add(r.owner);
    }
  }

  /** Report what changed while the group was not subscribed. */
  private rescan(g: Group, before: Listing, scope?: string[]): void {
    const after = safeWalk(g.plan);
    const changes: SyntheticChange[] = diffListings(before, after, scope);
    if (changes.length === 0) return;
    const at = nowMs();
    const touched = new Set<HubClient>();
    for (const c of changes) this.route(g, c.path, c.type, at, touched);
    for (const c of touched) c.batcher.settle('synthetic', at);
  }
}

function safeWalk(plan: GroupPlan<unknown>): Listing {
  try {
    return walkGroup(plan, { listing: true }).listing;
  } catch {
    return new Map();
  }
}

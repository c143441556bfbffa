// The one node's kubelet: a PodWorker per pod on the runtime, pod status written back, and deletion carried
// out (containers stopped and removed, then the Pod object released).
import type { Objects } from '../api/objects.js';
import type { ResourceRegistry, ResourceType } from '../api/resources.js';
import type { Store, StoreEvent } from '../api/store.js';
import { storeKey } from '../api/resources.js';
import type { Json, KubeObject } from '../api/types.js';
import type { EventRecorder } from '../controllers/events.js';
import type { PodRuntime } from '../runtime/types.js';
import { PodWorker } from './pod-worker.js';

export interface KubeletContext {
  objects: Objects;
  registry: ResourceRegistry;
  runtime: PodRuntime;
  events: EventRecorder;
  log: (line: string) => void;
  /** where pod volumes live on this machine, one directory per pod uid */
  podsDir: string;
  writeStatus(pod: KubeObject, status: Json): void;
}

export class Kubelet {
  private workers = new Map<string, PodWorker>();
  private terminating = new Map<string, Promise<void>>();
  /** pods whose containers have been stopped and removed: never started again */
  private finished = new Set<string>();
  private unsubscribe?: () => void;
  private ctx: KubeletContext;

  constructor(
    private store: Store,
    private pods: ResourceType,
    deps: Omit<KubeletContext, 'writeStatus'>,
  ) {
    this.ctx = { ...deps, writeStatus: (pod, status) => this.writeStatus(pod, status) };
  }

  start(): void {
    // deferred: a status write from inside the store's dispatch would reach watchers before the ADDED event
    this.unsubscribe = this.store.subscribe((e) => queueMicrotask(() => this.onEvent(e)));
    for (const p of this.store.list(storeKey(this.pods))) this.onEvent({ type: 'ADDED', kind: storeKey(this.pods), object: p, rv: 0 });
  }

  /** stops every pod's containers and removes them */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.workers.values()].map((w) => w.terminate(0)));
    await Promise.all(this.terminating.values());
    this.workers.clear();
  }

  worker(podUid: string): PodWorker | undefined {
    return this.workers.get(podUid);
  }

  private onEvent(e: StoreEvent): void {
    if (e.kind !== storeKey(this.pods)) return;
    const pod = e.object;
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (e.type === 'DELETED') {
      if (w) void this.finish(w, pod, 0, false);
      return;
    }
    if (!w && !this.terminating.has(uid) && !this.finished.has(uid)) {
      w = new PodWorker(this.ctx, pod);
      this.workers.set(uid, w);
      // a pod already being deleted is not started, only released
      if (!pod.metadata.deletionTimestamp) w.start();
    }
    if (!w) return;
    if (pod.metadata.deletionTimestamp) void this.finish(w, pod, pod.metadata.deletionGracePeriodSeconds ?? 30, true);
    else w.update(pod);
  }

  /** stops a pod's containers, then releases the Pod object (the last step of a graceful delete) */
  private finish(w: PodWorker, pod: KubeObject, grace: number, release: boolean): Promise<void> {
    const uid = w.uid;
    let p = this.terminating.get(uid);
    if (p) return p;
    p = (async () => {
      await w.terminate(grace);
      this.workers.delete(uid);
      this.finished.add(uid);
      if (!release) return;
      const live = this.ctx.objects.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
      if (live?.metadata.uid === uid)
        this.ctx.objects.delete(this.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
    })()
      .catch((e) => this.ctx.log(`terminating pod ${pod.metadata.name}: ${e?.stack ?? e}`))
      .finally(() => this.terminating.delete(uid));
    this.terminating.set(uid, p);
    return p;
  }

  private writeStatus(pod: KubeObject, status: Json): void {
    const live = this.ctx.objects.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
    if (!live || live.metadata.uid !== pod.metadata.uid) return;
    this.ctx.objects.updateStatus(this.pods, { ...live, status }, 'kubelet');
  }
}

/**
 * The running side of k8s resources: watches pods (one watch per namespace), attributes each pod to its
 * resource (devloop's labels, or extra_pod_selectors), prints status changes, streams container logs
 * prefixed with the resource (across restarts and new pods), and forwards ports to the current ready pod.
 */
import type { Cluster, PodView, Stoppable } from '../ports/cluster.js';
import type { Resource } from '../resolve/resources.js';
import { startPortForward, type PortForwardServer } from '../adapters/k8s/port-forward-server.js';
import { isDevloopError } from '../model/errors.js';
import { PROJECT, RESOURCE, TEMPLATE_HASH, resourceLabel } from './labels.js';
import { currentPod, podSummary } from './readiness.js';
import type { Log } from './log.js';
import { BUSY_PORT_RETRY_MS, isRefused, refusedMessage } from './forward-problems.js';

export interface RuntimeEvents {
  /** A pod of this resource changed (status, or appeared/disappeared). */
  podsChanged(resource: string): void;
  portForwardFailed(resource: string, error: unknown): void;
  /** A forward whose local port was in use listens now (the port was freed). */
  portForwardRecovered?(resource: string): void;
}

export class Runtime {
  private readonly watches = new Map<string, Stoppable>();
  private readonly pods = new Map<string, Map<string, PodView>>(); // resource -> uid -> pod
  private readonly summaries = new Map<string, string>(); // pod uid -> last printed summary
  private readonly logStreams = new Map<string, Stoppable>(); // containerID -> stream
  private readonly forwards = new Map<string, PortForwardServer[]>();
  /** resource -> the forwards it runs, as configured (host:local>container), to see a reloaded config change them. */
  private readonly forwardKeys = new Map<string, string>();
  private resources: Resource[] = [];
  private readonly templates = new Map<string, string>();

  constructor(
    private readonly cluster: Cluster,
    private readonly project: string,
    private readonly log: Log,
    private readonly events: RuntimeEvents,
  ) {}

  setResources(resources: Resource[]): void {
    this.resources = resources.filter((r) => r.type === 'k8s');
  }

  /** Starts watching pods of a namespace (once). */
  watchNamespace(ns: string): void {
    if (this.watches.has(ns)) return;
    this.watches.set(
      ns,
      this.cluster.watchPods(
        ns,
        (e) => this.onPod(e.type, e.pod),
        (err) => this.log.line('', `pod watch in ${ns}: ${err.message}`),
      ),
    );
  }

  /** Pods of the resource's current deploy (pods that existed before its pod template changed are left out). */
  podsOf(resource: string): PodView[] {
    const want = this.templates.get(resource);
    return [...(this.pods.get(resource)?.values() ?? [])].filter((p) => !want || !p.labels[TEMPLATE_HASH] || p.labels[TEMPLATE_HASH] === want);
  }

  /** The template hash of the resource's workload as last applied: older pods are the previous deploy's. */
  setTemplate(resource: string, hash: string | undefined): void {
    if (hash) this.templates.set(resource, hash);
  }

  private resourceOf(p: PodView): Resource | undefined {
    if (p.labels[PROJECT] === this.project) {
      const r = this.resources.find((x) => resourceLabel(x.name) === p.labels[RESOURCE]);
      if (r) return r;
    }
    return this.resources.find((r) => r.extraPodSelectors.some((sel) => Object.entries(sel).every(([k, v]) => p.labels[k] === v)));
  }

  private onPod(type: 'upsert' | 'delete', p: PodView): void {
    const r = this.resourceOf(p);
    if (!r) return;
    const map = this.pods.get(r.name) ?? new Map<string, PodView>();
    this.pods.set(r.name, map);
    if (type === 'delete') {
      map.delete(p.uid);
      this.summaries.delete(p.uid);
      for (const c of [...p.containers, ...p.initContainers]) this.stopLogs(c.containerID);
      this.events.podsChanged(r.name);
      return;
    }
    map.set(p.uid, p);
    const summary = p.deleting ? 'Terminating' : podSummary(p);
    if (this.summaries.get(p.uid) !== summary) {
      this.summaries.set(p.uid, summary);
      const restarts = p.containers.reduce((n, c) => n + c.restartCount, 0);
      this.log.line(r.name, `pod ${p.name}: ${summary}${restarts ? ` (restarts: ${restarts})` : ''}`, 'runtime');
    }
    for (const c of [...p.initContainers, ...p.containers]) {
      if (c.containerID && (c.state === 'running' || c.state === 'terminated') && !this.logStreams.has(c.containerID)) {
        const id = c.containerID;
        this.logStreams.set(
          id,
          this.cluster.streamLogs(p.namespace, p.name, c.name, (line) => this.log.line(r.name, line, 'runtime'), {
            onEnd: () => {
              /* the container ended; a restart has a new containerID and a new stream */
            },
          }),
        );
      }
    }
    this.events.podsChanged(r.name);
  }

  private stopLogs(containerID: string | undefined): void {
    if (!containerID) return;
    this.logStreams.get(containerID)?.stop();
    this.logStreams.delete(containerID);
  }

  /** The pod a port forward goes to: the newest Running and Ready pod of the resource. */
  readyPod(resource: string): PodView | undefined {
    const ready = this.podsOf(resource).filter((p) => !p.deleting && p.phase === 'Running' && p.ready);
    return currentPod(ready);
  }

  /** Makes the resource's forwards the configured ones: a reloaded config's new ports start, removed ones end. */
  async syncPortForwards(r: Resource | { name: string; portForwards: [] }): Promise<void> {
    const want = forwardKey(r.portForwards);
    if (!this.forwards.has(r.name) || this.forwardKeys.get(r.name) === want) {
      if (r.portForwards.length && 'type' in r) await this.startPortForwards(r);
      return;
    }
    const old = this.forwards.get(r.name)!;
    this.forwards.delete(r.name);
    this.forwardKeys.delete(r.name);
    await Promise.all(old.map((s) => s.close().catch(() => undefined)));
    if (old.length) this.log.line(r.name, `Port forwards changed in the config: stopped ${old.map((s) => `${s.host}:${s.port}`).join(', ')}`);
    if (r.portForwards.length && 'type' in r) await this.startPortForwards(r);
  }

  async startPortForwards(r: Resource): Promise<void> {
    if (this.forwards.has(r.name) || r.portForwards.length === 0) return;
    this.forwardKeys.set(r.name, forwardKey(r.portForwards));
    const servers: PortForwardServer[] = [];
    this.forwards.set(r.name, servers);
    for (const pf of r.portForwards) {
      const start = () =>
        startPortForward({
          host: pf.host,
          localPort: pf.localPort,
          containerPort: pf.containerPort,
          cluster: this.cluster,
          resolvePod: async () => {
            const p = this.readyPod(r.name);
            return p ? { namespace: p.namespace, pod: p.name } : undefined;
          },
          onError: (e) =>
            this.log.line(
              r.name,
              isRefused(e)
                ? refusedMessage(`${pf.host}:${pf.localPort}`, pf.containerPort, this.readyPod(r.name))
                : `port forward ${pf.host}:${pf.localPort}: ${isDevloopError(e) ? e.message : (e as Error).message}`,
            ),
        });
      try {
        const s = await start();
        servers.push(s);
        this.log.line(r.name, `Forwarding http://${s.host}:${s.port} → port ${pf.containerPort} of the resource's ready pod`);
      } catch (e) {
        if (isDevloopError(e) && e.code === 'port-in-use' && pf.localPort !== 0) {
          // Kept as this resource's forwards: the port is tried again until it is free (or the forwards change).
          this.events.portForwardFailed(r.name, e);
          this.retryBusyPort(r.name, servers, start, pf.containerPort);
          continue;
        }
        // Not remembered as started, so a later update (or trigger) tries again.
        if (servers.length === 0) {
          this.forwards.delete(r.name);
          this.forwardKeys.delete(r.name);
        }
        this.events.portForwardFailed(r.name, e);
      }
    }
  }

  private readonly retries = new Set<NodeJS.Timeout>();

  /** Tries a busy local port again every BUSY_PORT_RETRY_MS while `servers` are still the resource's forwards. */
  private retryBusyPort(resource: string, servers: PortForwardServer[], start: () => Promise<PortForwardServer>, containerPort: number): void {
    let trying = false;
    const timer = setInterval(() => {
      if (this.forwards.get(resource) !== servers) {
        clearInterval(timer);
        this.retries.delete(timer);
        return;
      }
      if (trying) return;
      trying = true;
      start()
        .finally(() => {
          trying = false;
        })
        .then(
          (s) => {
            clearInterval(timer);
            this.retries.delete(timer);
            if (this.forwards.get(resource) !== servers) {
              void s.close();
              return;
            }
            servers.push(s);
            this.log.line(resource, `Forwarding http://${s.host}:${s.port} → port ${containerPort} of the resource's ready pod (the local port is free now)`);
            this.events.portForwardRecovered?.(resource);
          },
          () => undefined,
        );
    }, BUSY_PORT_RETRY_MS);
    timer.unref();
    this.retries.add(timer);
  }

  async stop(): Promise<void> {
    for (const t of this.retries) clearInterval(t);
    this.retries.clear();
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
    for (const s of this.logStreams.values()) s.stop();
    this.logStreams.clear();
    await Promise.all([...this.forwards.values()].flat().map((s) => s.close().catch(() => undefined)));
    this.forwards.clear();
  }
}

function forwardKey(pfs: readonly { host: string; localPort: number; containerPort: number }[]): string {
  return pfs.map((p) => `${p.host}:${p.localPort}>${p.containerPort}`).join(',');
}

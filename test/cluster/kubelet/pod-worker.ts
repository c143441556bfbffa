// One pod's life on the runtime: init containers in order, then each container in its own loop of
// image check -> start -> wait -> restart with back-off (per restartPolicy), probes while it runs,
// and termination (stop, remove) when the pod is deleted.
import type { Json, KubeObject } from '../api/types.js';
import type { PodRuntime } from '../runtime/types.js';
import { ConfigError, containerEnv, expand } from './env.js';
import type { KubeletContext } from './kubelet.js';
import { podStatus, type ContainerState, type ContainerView } from './pod-status.js';
import { MAX_PROBE_PERIOD_SECONDS, probeCommand, runProbe } from './probes.js';
import { mountsFor, prepareVolumes } from './volumes.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const MAX_BACKOFF_MS = 10_000;
/** a container that ran this long before exiting starts its back-off from the beginning again */
const BACKOFF_RESET_MS = 10_000;

interface Slot extends ContainerView {
  id?: string;
  previousId?: string;
  backoffMs: number;
  /** set when the pod's image for this container changed: restart at once with the new image */
  replace?: boolean;
}

export class PodWorker {
  private slots = new Map<string, Slot>();
  private init: Slot[] = [];
  private main: Slot[] = [];
  private initDone = false;
  private stopping = false;
  private wake = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  private volumes = new Map<string, string>();
  /** for pods of several containers: the container holding the network namespace they share (localhost) */
  private sandboxId?: string;
  readonly uid: string;

  constructor(
    private ctx: KubeletContext,
    private pod: KubeObject,
  ) {
    this.uid = pod.metadata.uid!;
    const slot = (c: Json): Slot => ({
      name: c.name,
      image: c.image,
      imageID: '',
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
      restartCount: 0,
      ready: false,
      started: false,
      ranOnce: false,
      backoffMs: 1000,
    });
    this.init = (pod.spec.initContainers ?? []).map(slot);
    this.main = (pod.spec.containers ?? []).map(slot);
    for (const s of [...this.init, ...this.main]) this.slots.set(s.name, s);
    this.initDone = this.init.length === 0;
    if (this.init.length) for (const s of this.main) s.state = { waiting: { reason: 'PodInitializing' } };
  }

  get runtime(): PodRuntime {
    return this.ctx.runtime;
  }

  start(): void {
    this.loops.push(this.run().catch((e) => this.ctx.log(`pod ${this.pod.metadata.name}: ${e?.stack ?? e}`)));
  }

  /** the pod object changed: remember it, and replace containers whose image changed */
  update(pod: KubeObject): void {
    this.pod = pod;
    for (const c of pod.spec.containers ?? []) {
      const s = this.slots.get(c.name);
      if (s && s.image !== c.image) {
        s.image = c.image;
        if (s.id && 'running' in s.state) {
          s.replace = true;
          void this.runtime.stop(s.id, 1);
        }
        this.ctx.events.record(pod, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`);
      }
    }
  }

  /**
   * the container id of a container, or of its previous instance: as the kubelet does, `previous` is the container
   * of lastState.terminated, so it is there from the first crash on (during the back-off it is the one that crashed)
   */
  containerId(name: string, previous: boolean): string | undefined {
    const s = this.slots.get(name);
    if (!previous) return s?.id;
    const last = s && 'terminated' in s.lastState ? s.lastState.terminated.containerID : undefined;
    const id = typeof last === 'string' ? last.replace(/^docker:\/\//, '') : undefined;
    return id && (id === s?.id || id === s?.previousId) ? id : undefined;
  }

  containerState(name: string): ContainerState | undefined {
    return this.slots.get(name)?.state;
  }

  isRunning(name: string): boolean {
    const s = this.slots.get(name);
    return !!s && 'running' in s.state;
  }

  /** stops every container (grace capped to keep tests quick) and removes them all */
  async terminate(graceSeconds: number): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      for (const w of this.wake) w();
      const running = [...this.slots.values()].filter((s) => s.id && 'running' in s.state);
      if (running.length) this.ctx.events.record(this.pod, 'Normal', 'Killing', `Stopping container ${running.map((s) => s.name).join(', ')}`);
      await Promise.all(running.map((s) => this.runtime.stop(s.id!, Math.min(graceSeconds, 2))));
    }
    await Promise.all(this.loops);
    await Promise.all(
      [...this.slots.values()]
        .flatMap((s) => [s.id, s.previousId])
        .filter((x): x is string => !!x)
        .map((id) => this.runtime.remove(id)),
    );
    if (this.sandboxId) await this.runtime.remove(this.sandboxId);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get dir(): string {
    return join(this.ctx.podsDir, this.uid);
  }

  private async run(): Promise<void> {
    this.writeStatus();
    if (!(await this.mountVolumes())) return;
    await this.startSandbox();
    for (const s of this.init) {
      const spec = this.spec(s.name, true);
      for (;;) {
        const exit = await this.runOnce(s, spec);
        if (this.stopping) return;
        if (exit === undefined) continue;
        if (exit === 0) break;
        if (this.pod.spec.restartPolicy === 'Never') {
          this.writeStatus();
          return;
        }
        if (!(await this.backOff(s, exit))) return;
      }
    }
    this.initDone = true;
    this.writeStatus();
    await Promise.all(this.main.map((s) => this.containerLoop(s)));
  }

  /** containers of one pod share localhost, as in Kubernetes: they join a sandbox's network namespace */
  private async startSandbox(): Promise<void> {
    if (this.slots.size < 2) return;
    const first = [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers][0];
    if (!(await this.runtime.ensureImage(first.image, 'IfNotPresent')).ok) return;
    const r = await this.runtime
      .start({
        namespace: this.pod.metadata.namespace!,
        podName: this.pod.metadata.name!,
        podUid: this.uid,
        container: 'POD',
        attempt: 0,
        image: first.image,
        command: ['sleep'],
        args: ['2147483647'],
        env: [],
        mounts: [],
        hostname: this.pod.spec.hostname ?? this.pod.metadata.name,
      })
      .catch((e) => (this.ctx.log(`pod ${this.pod.metadata.name}: no sandbox, containers will not share localhost: ${e}`), undefined));
    if (r && 'startedAt' in r) this.sandboxId = r.id;
    else if (r) void this.runtime.remove(r.id);
  }

  /** volumes are set up once, before any container starts; a missing ConfigMap or Secret is retried */
  private async mountVolumes(): Promise<boolean> {
    let delay = 1000;
    while (!this.stopping) {
      try {
        this.volumes = prepareVolumes(this.ctx.objects, this.ctx.registry, this.pod, this.dir);
        return true;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        this.ctx.events.record(this.pod, 'Warning', 'FailedMount', e.message);
        await this.sleep(delay);
        delay = Math.min(MAX_BACKOFF_MS, delay * 2);
      }
    }
    return false;
  }

  private async containerLoop(s: Slot): Promise<void> {
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    while (!this.stopping) {
      const exit = await this.runOnce(s, this.spec(s.name, false));
      if (this.stopping) return;
      if (exit === undefined) continue;
      if (s.replace) {
        s.replace = false;
        this.restarted(s);
        continue;
      }
      const restart = policy === 'Always' || (policy === 'OnFailure' && exit !== 0);
      if (!restart) {
        this.writeStatus();
        return;
      }
      if (!(await this.backOff(s, exit))) return;
    }
  }

  /** pulls, starts and waits for one instance; the exit code, or undefined when it never started (retry) */
  private async runOnce(s: Slot, c: Json): Promise<number | undefined> {
    s.image = c.image;
    const check = await this.runtime.ensureImage(c.image, c.imagePullPolicy ?? 'IfNotPresent');
    if (this.stopping) return undefined;
    if (!check.ok) {
      s.state = { waiting: { reason: check.reason, message: check.message } };
      this.writeStatus();
      this.ctx.events.record(this.pod, 'Warning', 'Failed', check.message);
      await this.sleep(s.backoffMs);
      s.state = { waiting: { reason: check.reason === 'ErrImagePull' ? 'ImagePullBackOff' : check.reason, message: `Back-off pulling image "${c.image}"` } };
      this.writeStatus();
      this.ctx.events.record(this.pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      await this.sleep(s.backoffMs);
      s.backoffMs = Math.min(MAX_BACKOFF_MS, s.backoffMs * 2);
      return undefined;
    }
    s.imageID = check.imageID;
    let env: Map<string, string>;
    try {
      env = containerEnv(this.ctx.objects, this.ctx.registry, this.pod, c);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      s.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
      this.writeStatus();
      this.ctx.events.record(this.pod, 'Warning', 'Failed', `Error: ${e.message}`);
      await this.sleep(s.backoffMs);
      return undefined;
    }
    const sc = { ...(this.pod.spec.securityContext ?? {}), ...(c.securityContext ?? {}) };
    let started: Awaited<ReturnType<PodRuntime['start']>>;
    try {
      started = await this.runtime.start({
        namespace: this.pod.metadata.namespace!,
        podName: this.pod.metadata.name!,
        podUid: this.uid,
        container: s.name,
        attempt: s.restartCount,
        image: c.image,
        command: c.command?.map((x: string) => expand(x, env)),
        args: c.args?.map((x: string) => expand(x, env)),
        env: [...env].map(([k, v]) => `${k}=${v}`),
        workingDir: c.workingDir,
        user: sc.runAsUser !== undefined ? `${sc.runAsUser}${sc.runAsGroup !== undefined ? ':' + sc.runAsGroup : ''}` : undefined,
        tty: c.tty,
        stdin: c.stdin,
        hostname: this.pod.spec.hostname ?? this.pod.metadata.name,
        mounts: mountsFor(c, this.volumes),
        networkOf: this.sandboxId,
      });
    } catch (e) {
      // the engine refused to create the container (a bad user, a name clash ...): retry after a back-off
      const message = (e as { json?: { message?: string } }).json?.message ?? String(e);
      s.state = { waiting: { reason: 'CreateContainerError', message } };
      this.writeStatus();
      this.ctx.events.record(this.pod, 'Warning', 'Failed', `Error: ${message}`);
      await this.sleep(s.backoffMs);
      s.backoffMs = Math.min(MAX_BACKOFF_MS, s.backoffMs * 2);
      return undefined;
    }
    if (s.id && s.id !== started.id) {
      if (s.previousId) void this.runtime.remove(s.previousId);
      s.previousId = s.id;
    }
    s.id = started.id;
    s.containerID = `docker://${started.id}`;
    s.ranOnce = true;
    if ('failed' in started) {
      const f = started.failed;
      s.state = { terminated: { ...f, startedAt: trim(f.startedAt), finishedAt: trim(f.finishedAt), containerID: s.containerID } };
      this.ctx.events.record(this.pod, 'Warning', 'Failed', `Error: ${started.failed.message}`);
      this.writeStatus();
      return started.failed.exitCode;
    }
    if (this.stopping) return undefined;
    s.state = { running: { startedAt: started.startedAt.replace(/\.\d+Z$/, 'Z') } };
    s.started = true;
    s.ready = !c.readinessProbe;
    this.writeStatus();
    this.ctx.events.record(this.pod, 'Normal', 'Started', `Started container ${s.name}`);
    const probing = this.probe(s, c, started.id);
    const exit = await this.runtime.wait(started.id);
    probing.stop();
    s.ready = false;
    s.started = false;
    s.state = {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.reason,
        ...(exit.message ? { message: exit.message } : {}),
        startedAt: trim(exit.startedAt),
        finishedAt: trim(exit.finishedAt),
        containerID: s.containerID,
      },
    };
    if (Date.parse(exit.finishedAt) - Date.parse(exit.startedAt) > BACKOFF_RESET_MS) s.backoffMs = 1000;
    if (!this.stopping) this.writeStatus();
    return exit.exitCode;
  }

  /** waits out the back-off (CrashLoopBackOff) before the next attempt; false when the pod is going away */
  private async backOff(s: Slot, _exit: number): Promise<boolean> {
    const delay = s.backoffMs;
    this.restarted(s);
    s.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${delay / 1000}s restarting failed container=${s.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
      },
    };
    this.writeStatus();
    this.ctx.events.record(
      this.pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${s.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
    );
    await this.sleep(delay);
    s.backoffMs = Math.min(MAX_BACKOFF_MS, s.backoffMs * 2);
    return !this.stopping;
  }

  private restarted(s: Slot): void {
    s.lastState = s.state;
    s.restartCount++;
  }

  private probe(s: Slot, c: Json, id: string): { stop(): void } {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const loop = (probe: Json, onResult: (ok: boolean) => void) => {
      const cmd = probeCommand(probe, c.ports ?? []);
      if (!cmd) return;
      const period = Math.min(probe.periodSeconds ?? 10, MAX_PROBE_PERIOD_SECONDS) * 1000;
      const tick = async () => {
        if (stopped) return;
        onResult(await runProbe(this.runtime, id, cmd, probe.timeoutSeconds ?? 1));
        if (!stopped) timer = setTimeout(tick, period);
      };
      timer = setTimeout(tick, Math.min(probe.initialDelaySeconds ?? 0, MAX_PROBE_PERIOD_SECONDS) * 1000);
    };
    if (c.readinessProbe) {
      loop(c.readinessProbe, (ok) => {
        if (stopped || s.ready === ok) return;
        s.ready = ok;
        this.writeStatus();
        if (!ok) this.ctx.events.record(this.pod, 'Warning', 'Unhealthy', 'Readiness probe failed');
      });
    }
    if (c.livenessProbe) {
      let failures = 0;
      loop(c.livenessProbe, (ok) => {
        failures = ok ? 0 : failures + 1;
        if (!stopped && failures >= (c.livenessProbe.failureThreshold ?? 3)) {
          stopped = true;
          this.ctx.events.record(this.pod, 'Normal', 'Killing', `Container ${s.name} failed liveness probe, will be restarted`);
          void this.runtime.stop(id, 1);
        }
      });
    }
    return {
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  private spec(name: string, init: boolean): Json {
    return ((init ? this.pod.spec.initContainers : this.pod.spec.containers) ?? []).find((c: Json) => c.name === name);
  }

  private writeStatus(): void {
    if (this.stopping) return;
    this.ctx.writeStatus(this.pod, podStatus(this.pod, { init: this.init, initDone: this.initDone, containers: this.main, startTime: this.startTime }));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}

function trim(ts: string): string {
  return ts.replace(/\.\d+Z$/, 'Z');
}

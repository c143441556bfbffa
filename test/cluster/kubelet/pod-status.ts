// Pod status from the kubelet's view of its containers: phase, conditions and containerStatuses.
import { now, type Json, type KubeObject } from '../api/types.js';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; message?: string; startedAt: string; finishedAt: string; containerID?: string } };

export interface ContainerView {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  restartCount: number;
  ready: boolean;
  started: boolean;
  /** the container has run at least once (a waiting container that ran before is restarting, not pending) */
  ranOnce: boolean;
}

export interface PodView {
  init: ContainerView[];
  initDone: boolean;
  containers: ContainerView[];
  startTime: string;
}

export function podStatus(pod: KubeObject, v: PodView): Json {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const prev: Json[] = pod.status?.conditions ?? [];
  const initFailed = v.init.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0) && policy === 'Never';
  const phase = initFailed ? 'Failed' : !v.initDone ? 'Pending' : mainPhase(v.containers, policy);
  const unready = v.containers.filter((c) => !c.ready).map((c) => c.name);
  const allReady = unready.length === 0 && phase === 'Running';
  const notReadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
    const old = prev.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now(),
      ...(ok ? {} : { reason, message }),
    };
  };
  const msg = `containers with unready status: [${unready.join(' ')}]`;
  return {
    phase,
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond(
        'Initialized',
        v.initDone,
        'ContainersNotInitialized',
        `containers with incomplete status: [${v.init
          .filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))
          .map((c) => c.name)
          .join(' ')}]`,
      ),
      cond('Ready', allReady, notReadyReason, msg),
      cond('ContainersReady', allReady, notReadyReason, msg),
      cond('PodScheduled', true),
    ],
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    startTime: v.startTime,
    qosClass: 'BestEffort',
    ...(v.init.length ? { initContainerStatuses: v.init.map(statusOf) } : {}),
    containerStatuses: v.containers.map(statusOf),
  };
}

function mainPhase(cs: ContainerView[], policy: string): string {
  if (cs.some((c) => 'waiting' in c.state && !c.ranOnce)) return 'Pending';
  if (cs.some((c) => 'running' in c.state || 'waiting' in c.state)) return 'Running';
  const failed = cs.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
  if (!failed) return 'Succeeded';
  return policy === 'Always' ? 'Running' : 'Failed';
}

function statusOf(c: ContainerView): Json {
  return {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  };
}

// What every controller is handed: the object service, the built-in types it works on, the event recorder.
import type { Objects } from '../api/objects.js';
import type { ResourceRegistry, ResourceType } from '../api/resources.js';
import type { ControllerManager } from './manager.js';
import type { EventRecorder } from './events.js';

export interface Kinds {
  pods: ResourceType;
  replicasets: ResourceType;
  deployments: ResourceType;
  statefulsets: ResourceType;
  daemonsets: ResourceType;
  jobs: ResourceType;
  namespaces: ResourceType;
  serviceaccounts: ResourceType;
  events: ResourceType;
  crds: ResourceType;
}

export interface ControllerContext {
  objects: Objects;
  registry: ResourceRegistry;
  kinds: Kinds;
  events: EventRecorder;
  manager: ControllerManager;
}

export function builtinKinds(reg: ResourceRegistry): Kinds {
  const t = (group: string, plural: string) => {
    const r = reg.byPlural(group, plural);
    if (!r) throw new Error(`no built-in type ${group}/${plural}`);
    return r;
  };
  return {
    pods: t('', 'pods'),
    replicasets: t('apps', 'replicasets'),
    deployments: t('apps', 'deployments'),
    statefulsets: t('apps', 'statefulsets'),
    daemonsets: t('apps', 'daemonsets'),
    jobs: t('batch', 'jobs'),
    namespaces: t('', 'namespaces'),
    serviceaccounts: t('', 'serviceaccounts'),
    events: t('', 'events'),
    crds: t('apiextensions.k8s.io', 'customresourcedefinitions'),
  };
}

export const CONTROLLER_MANAGER = 'kube-controller-manager';

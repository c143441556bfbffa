/**
 * Loading the kubeconfig (KUBECONFIG list or ~/.kube/config, merged first-wins like kubectl), choosing the
 * context, and deciding whether that context looks like a local dev cluster.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { DevloopError } from '../../model/errors.js';
import type { ClusterInfo } from '../../ports/cluster.js';

export interface KubeconfigOptions {
  /** Path (or `:`-separated list) of kubeconfig files; default $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface LoadedKubeconfig {
  kc: KubeConfig;
  info: ClusterInfo;
  /** The files read, for messages. */
  files: string[];
}

export function loadKubeconfig(opts: KubeconfigOptions = {}): LoadedKubeconfig {
  const spec = opts.kubeconfig ?? (process.env.KUBECONFIG || join(homedir(), '.kube', 'config'));
  const files = spec.split(delimiter).filter((f) => f !== '');
  const present = files.filter((f) => existsSync(f));
  const shown = files.join(delimiter);
  if (present.length === 0) {
    throw new DevloopError('kubeconfig', `no kubeconfig file at ${shown}`, {
      hint: 'Create a cluster (kind create cluster, k3d cluster create, minikube start) or pass --kubeconfig / set KUBECONFIG.',
    });
  }
  const kc = mergeFiles(present);
  const names = kc.getContexts().map((c) => c.name);
  const listed = names.length ? `contexts in it: ${names.join(', ')}` : 'it defines no contexts';
  const wanted = opts.context ?? kc.getCurrentContext();
  if (!wanted) {
    throw new DevloopError('kubeconfig', `${shown} has no current-context; ${listed}`, {
      hint: 'Pass --context <name> or run `kubectl config use-context <name>`.',
    });
  }
  const ctx = kc.getContextObject(wanted);
  if (!ctx) {
    throw new DevloopError('kubeconfig', `context "${wanted}" is not in ${shown}; ${listed}`, {
      hint: 'Pass one of the contexts listed with --context, or fix current-context in the kubeconfig.',
    });
  }
  kc.setCurrentContext(wanted);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) {
    throw new DevloopError('kubeconfig', `context "${wanted}" in ${shown} names cluster "${ctx.cluster}", which is not defined there`, {
      hint: 'Fix the kubeconfig, or recreate the cluster entry (kind export kubeconfig, k3d kubeconfig merge…).',
    });
  }
  allowPlainHttp(kc, cluster);
  const info: ClusterInfo = {
    context: wanted,
    server: cluster.server,
    namespace: opts.namespace ?? ctx.namespace ?? 'default',
    isLocal: isLocalContext(wanted, cluster.server),
  };
  return { kc, info, files: present };
}

const LOCAL_NAMES = /^(kind-.+|k3d-.+|minikube|docker-desktop|docker-for-desktop|rancher-desktop|colima(-.+)?|orbstack|microk8s|devloop-test)$/;

/** Does a context look like a dev cluster on this machine (by its name, or a loopback server)? */
export function isLocalContext(context: string, server: string): boolean {
  if (LOCAL_NAMES.test(context)) return true;
  try {
    const host = new URL(server).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

/** Reads several kubeconfig files; on duplicate names the first file wins (kubectl's rule). */
function mergeFiles(files: string[]): KubeConfig {
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  let currentContext = '';
  for (const file of files) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (e) {
      throw new DevloopError('kubeconfig', `cannot read kubeconfig ${file}: ${(e as Error).message}`, {
        hint: 'Fix the YAML of that file or point --kubeconfig / KUBECONFIG at another one.',
        cause: e,
      });
    }
    const add = <T extends { name: string }>(into: T[], from: T[]) => {
      for (const x of from ?? []) if (!into.some((y) => y.name === x.name)) into.push(x);
    };
    add(clusters, one.clusters);
    add(users, one.users);
    add(contexts, one.contexts);
    if (!currentContext && one.currentContext) currentContext = one.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters, users, contexts, currentContext });
  return kc;
}

/**
 * client-node refuses an http:// server unless insecure-skip-tls-verify is set; TLS does not apply to
 * plain HTTP, so set it for that cluster (kubectl accepts http:// servers as they are).
 */
function allowPlainHttp(kc: KubeConfig, cluster: Cluster): void {
  if (!cluster.server.startsWith('http:') || cluster.skipTLSVerify) return;
  const clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c));
  kc.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
}

/**
 * k8s_context() and k8s_namespace(): the kubeconfig context and namespace devloop deploys to, as the command line
 * (--context, --namespace) and the kubeconfig ($KUBECONFIG, else ~/.kube/config) set them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { current } from './recorder.js';

interface KubeConfig {
  'current-context'?: string;
  contexts?: { name?: string; context?: { namespace?: string } }[];
}

function kubeconfigs(env: NodeJS.ProcessEnv = process.env): KubeConfig[] {
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(homedir(), '.kube', 'config')];
  const out: KubeConfig[] = [];
  for (const f of files) {
    try {
      const v = parse(readFileSync(f, 'utf8')) as unknown;
      if (v && typeof v === 'object') out.push(v as KubeConfig);
    } catch {
      // a missing or unreadable kubeconfig names no context; connecting reports it properly
    }
  }
  return out;
}

/** The context named by --context, else the kubeconfig's current-context ('' when there is none). */
export function k8s_context(): string {
  const r = current('k8s_context');
  if (r.invocation.context) return r.invocation.context;
  return kubeconfigs().find((k) => k['current-context'])?.['current-context'] ?? '';
}

/** The namespace named by --namespace, else that of the context, else 'default'. */
export function k8s_namespace(): string {
  const r = current('k8s_namespace');
  if (r.invocation.namespace) return r.invocation.namespace;
  const ctx = k8s_context();
  for (const k of kubeconfigs()) {
    const c = k.contexts?.find((x) => x?.name === ctx);
    if (c) return c.context?.namespace || 'default';
  }
  return 'default';
}

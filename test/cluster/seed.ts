// What a fresh cluster holds: the usual namespaces, its one Node, and the local-registry-hosting ConfigMap
// (KEP-1755) that tells devloop where to push images.
import type { Objects } from './api/objects.js';
import type { ResourceRegistry } from './api/resources.js';
import { NODE_NAME } from './api/defaults.js';
import yaml from 'js-yaml';

export function seed(objects: Objects, registry: ResourceRegistry, registryHost: string): void {
  const t = (plural: string) => registry.byPlural('', plural)!;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    objects.create(t('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { manager: 'kube-apiserver' });
  objects.create(
    t('nodes'),
    undefined,
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' } },
      spec: {},
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: NODE_NAME },
        ],
        nodeInfo: { kubeletVersion: 'v1.32.4', containerRuntimeVersion: 'docker://test', operatingSystem: 'linux', architecture: 'amd64' },
      },
    },
    { manager: 'kubelet' },
  );
  objects.create(
    t('configmaps'),
    'kube-public',
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
      data: {
        'localRegistryHosting.v1': yaml.dump({
          host: registryHost,
          help: 'https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry',
        }),
      },
    },
    { manager: 'kube-apiserver' },
  );
}

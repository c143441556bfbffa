// The kubeconfig that points kubectl, client-node and devloop at a test cluster: context devloop-test.
import { writeFileSync } from 'node:fs';
import yaml from 'js-yaml';

export const CONTEXT = 'devloop-test';

export function writeKubeconfig(path: string, server: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless TLS verification is (pointlessly) switched off
    clusters: [{ name: CONTEXT, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: CONTEXT, user: { token: 'devloop-test-token' } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: 'default' } }],
    'current-context': CONTEXT,
    preferences: {},
  };
  writeFileSync(path, yaml.dump(config), { mode: 0o600 });
}

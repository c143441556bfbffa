/**
 * fixtures/weather-nodejs (a public project that deploys with kustomize): `devloop ci --dry-run` renders its dev
 * overlay and injects the built ref into the containers Tilt injects it into, and nowhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findOnPath } from '../../src/config/local-tool.js';
import { parseYamlStream } from '../../src/config/yaml-codec.js';
import { fixturesDir, repoRoot } from '../helpers/project.js';

type Container = {
  name: string;
  image: string;
  command?: string[];
  imagePullPolicy?: string;
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
};
type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: { template?: { spec: { containers: Container[] } } } };

test('weather-nodejs: ci --dry-run injects the custom_build ref into Deployment/weather-service only, as Tilt does', {
  skip: findOnPath('kubectl') ? false : 'kubectl (for kubectl kustomize) is not on PATH',
}, () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/devloop.js'), 'ci', '--dry-run'], {
    cwd: join(fixturesDir, 'weather-nodejs'),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const objs = parseYamlStream(r.stdout) as Obj[];
  const names = objs.map((o) => `${o.kind}/${o.metadata.name}`);
  for (const n of [
    'Deployment/weather-service',
    'Service/weather-service',
    'Deployment/weather-database',
    'Service/weather-database',
    'Deployment/hoverfly',
    'Service/hoverfly',
  ]) {
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  }
  const containers = Object.fromEntries(
    objs.filter((o) => o.kind === 'Deployment').flatMap((o) => o.spec!.template!.spec.containers.map((c) => [`${o.metadata.name}/${c.name}`, c])),
  );
  const web = containers['weather-service/weather-service'];
  assert.match(web.image, /^cloud-native-weather-nodejs:devloop-[0-9a-f]{16}$/);
  assert.deepEqual(web.command, ['sh', '-c', 'npm run dev'], 'the entrypoint replaces the command, run by sh -c');
  assert.equal(web.imagePullPolicy, 'IfNotPresent');
  assert.equal(containers['weather-database/database'].image, 'postgres:11.16');
  assert.equal(containers['hoverfly/hoverfly'].image, 'spectolabs/hoverfly:v1.3.2');
  assert.equal(containers['hoverfly/hoverfly'].command, undefined);
  // kustomize's own work: the generated names (with their hash) are referenced, both overlays' labels are applied.
  const cm = names.find((n) => /^ConfigMap\/database-configmap-[a-z0-9]+$/.test(n));
  const secret = names.find((n) => /^Secret\/database-secrets-[a-z0-9]+$/.test(n));
  assert.ok(cm && secret, names.join(', '));
  assert.deepEqual(web.envFrom, [{ configMapRef: { name: cm!.split('/')[1] } }, { secretRef: { name: secret!.split('/')[1] } }]);
  assert.deepEqual(objs.find((o) => o.metadata.name === 'weather-service')!.metadata.labels, {
    app: 'weather-service',
    env: 'dev',
    framework: 'nodejs',
    type: 'microservice',
  });
  // The plan: one injection, and the resources Tilt would make (services grouped with the workloads they select).
  assert.match(r.stderr, /cloud-native-weather-nodejs ⇒ Deployment\/weather-service spec\.template\.spec\.containers\[0\]\.image/);
  assert.equal(r.stderr.match(/⇒ Deployment\//g)?.length, 1, r.stderr);
  assert.match(r.stderr, /weather-service: Deployment\/weather-service, Service\/weather-service; port-forward 127\.0\.0\.1:18080 → 3000/);
  assert.match(r.stderr, /weather-database: Deployment\/weather-database, Service\/weather-database/);
  assert.match(r.stderr, /hoverfly: Deployment\/hoverfly, Service\/hoverfly/);
});

/** Resolving fixture projects: build order, base-image FROM rewrite, tags from inputs, injection, resources, errors. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve, type Resolved } from '../../src/resolve/resolve.js';
import { fixturesDir, writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `devloop-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  dirs.push(dir);
  return dir;
}

async function resolveDir(dir: string): Promise<Resolved> {
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  return resolve(ev.plan);
}

async function resolveError(files: Record<string, string>) {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', ...files });
  dirs.push(dir);
  try {
    await resolveDir(dir);
  } catch (e) {
    return { dir, error: e as { code: string; message: string; hint?: string; location?: { file: string; line?: number } } };
  }
  throw new Error('expected an error');
}

const TAG = /^devloop-[0-9a-f]{16}$/;

function container(r: Resolved, name: string) {
  const o = r.rendered.find((x) => x.kind === 'Deployment' && x.metadata.name === name) as any;
  return o.spec.template.spec.containers[0];
}

test('nodejs-express: base image first, app FROM rewritten to the base ref, app ref injected', async () => {
  const r = await resolveDir(copyFixture('nodejs-express'));
  assert.deepEqual(
    r.images.map((i) => i.id),
    ['nodejs-express-base-image', 'nodejs-express-app-image'],
  );
  const [base, app] = r.images;
  assert.match(base.tag, TAG);
  assert.match(app.tag, TAG);
  assert.equal(base.deployed, false);
  assert.equal(app.deployed, true);
  assert.deepEqual(app.deps, ['nodejs-express-base-image']);
  assert.equal(app.clusterRef, `nodejs-express-app-image:${app.tag}`);
  assert.match(app.dockerfileText!, new RegExp(`^FROM nodejs-express-base-image:${base.tag}$`, 'm'));
  // Only the FROM text changed: comments and the rest are byte-identical.
  const original = readFileSync(join(fixturesDir, 'nodejs-express/app.dockerfile'), 'utf8');
  assert.equal(app.dockerfileText, original.replace('FROM nodejs-express-base-image', `FROM nodejs-express-base-image:${base.tag}`));
  assert.deepEqual(app.rewrites, [{ line: 4, from: 'nodejs-express-base-image', to: `nodejs-express-base-image:${base.tag}` }]);
  const c = container(r, 'nodejs-express-app');
  assert.equal(c.image, `nodejs-express-app-image:${app.tag}`);
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(
    r.resources.map((x) => [x.name, x.objects.map((i) => r.objects[i].object.kind)]),
    [['nodejs-express-app', ['Deployment', 'Service']]],
  );
  assert.deepEqual(
    r.resources[0].portForwards.map((p) => p.localPort),
    [3000],
  );
});

test('nodejs-express with default_registry: refs under the registry, FROM uses the registry ref', async () => {
  const dir = copyFixture('nodejs-express');
  appendFileSync(join(dir, 'devloop.ts'), "\nimport { default_registry } from 'devloop';\ndefault_registry('localhost:5005');\n");
  const r = await resolveDir(dir);
  const [base, app] = r.images;
  assert.equal(container(r, 'nodejs-express-app').image, `localhost:5005/nodejs-express-app-image:${app.tag}`);
  assert.match(app.dockerfileText!, new RegExp(`^FROM localhost:5005/nodejs-express-base-image:${base.tag}$`, 'm'));
});

test('tags come from inputs: server.js changes only the app tag; package.json changes both; same inputs same tags', async () => {
  const dir = copyFixture('nodejs-express');
  const r0 = await resolveDir(dir);
  const again = await resolveDir(copyFixture('nodejs-express'));
  assert.deepEqual(
    again.images.map((i) => i.tag),
    r0.images.map((i) => i.tag),
    'same inputs elsewhere give the same tags',
  );
  writeFileSync(join(dir, 'server.js'), readFileSync(join(dir, 'server.js'), 'utf8').replace('Hello', 'Hi'));
  const r1 = await resolveDir(dir);
  assert.equal(r1.images[0].tag, r0.images[0].tag, 'base unchanged');
  assert.notEqual(r1.images[1].tag, r0.images[1].tag, 'app changed');
  appendFileSync(join(dir, 'package/package.json'), '\n');
  const r2 = await resolveDir(dir);
  assert.notEqual(r2.images[0].tag, r1.images[0].tag, 'base changed');
  assert.notEqual(r2.images[1].tag, r1.images[1].tag, 'app changed with its base');
  writeFileSync(join(dir, 'debug.log'), 'ignored by app.dockerfile.dockerignore');
  const r3 = await resolveDir(dir);
  assert.deepEqual(
    r3.images.map((i) => i.tag),
    r2.images.map((i) => i.tag),
    'an ignored file changes nothing',
  );
});

test('build args change the tag of the image that uses them', async () => {
  const dir = copyFixture('nodejs-express');
  const r0 = await resolveDir(dir);
  writeFileSync(join(dir, 'devloop.ts'), readFileSync(join(dir, 'devloop.ts'), 'utf8').replace("node_env: 'development'", "node_env: 'test'"));
  const r1 = await resolveDir(dir);
  assert.notEqual(r1.images[0].tag, r0.images[0].tag);
});

test('mega image: tagged refs each match only their own tag, with their own entrypoint', async () => {
  const r = await resolveDir(copyFixture('mega-image'));
  const a = container(r, 'service-a');
  const b = container(r, 'service-b');
  assert.match(a.image, /^my-mega-image:devloop-[0-9a-f]{16}$/);
  assert.deepEqual(a.command, ['sh', '-c', '/app/service-a']);
  assert.deepEqual(a.args, ['--port', '8001'], 'entrypoint keeps the args');
  assert.deepEqual(b.command, ['/app/service-b', '--verbose']);
});

test('custom resource: k8s_kind image_json_path injects into the CR, which becomes a workload', async () => {
  const r = await resolveDir(copyFixture('crd-image'));
  const env = r.rendered.find((o) => o.kind === 'Environment') as any;
  assert.equal(env.spec.runtime.image, `env-runtime:${r.images[0].tag}`);
  assert.deepEqual(
    r.resources.map((x) => x.name),
    ['uncategorized', 'staging-like'],
  );
});

test('kim-style custom_build: tag from command, deps and env', async () => {
  const dir = copyFixture('kim-build');
  const r0 = await resolveDir(dir);
  assert.equal(r0.images[0].spec.type, 'custom');
  assert.match(r0.images[0].tag, TAG);
  appendFileSync(join(dir, 'web/index.html'), '<p>more</p>');
  const r1 = await resolveDir(dir);
  assert.notEqual(r1.images[0].tag, r0.images[0].tag);
});

test('an image used by nothing is warned about and not built', async () => {
  const dir = writeProject({
    Dockerfile: 'FROM busybox\n',
    'app.yaml': DEPLOYMENT('web', 'web-image'),
    'devloop.ts':
      "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.');\ndocker_build('typo-image', '.');\n",
  });
  dirs.push(dir);
  const r = await resolveDir(dir);
  assert.deepEqual(
    r.images.map((i) => i.id),
    ['web-image'],
  );
  assert.deepEqual(
    r.unused.map((u) => u.id),
    ['typo-image'],
  );
  assert.ok(
    r.warnings.some((w) => /'typo-image'.*devloop\.ts:4.*not used.*web-image/.test(w)),
    r.warnings.join('\n'),
  );
});

test('services join the workload whose pod labels match; other objects are uncategorized; names are unique', async () => {
  const dir = writeProject({
    Dockerfile: 'FROM busybox\n',
    'app.yaml': [
      DEPLOYMENT('web', 'web-image'),
      'apiVersion: v1\nkind: Service\nmetadata: { name: web-svc }\nspec: { selector: { app: web }, ports: [{ port: 80 }] }\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { a: b }\n',
      DEPLOYMENT('worker', 'busybox').replace('name: worker', 'name: worker\n  namespace: ns1'),
      DEPLOYMENT('worker', 'busybox').replace('name: worker', 'name: worker\n  namespace: ns2'),
    ].join('---\n'),
    'devloop.ts':
      "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.');\nk8s_resource('web', { new_name: 'frontend', objects: ['settings'] });\n",
  });
  dirs.push(dir);
  const r = await resolveDir(dir);
  const view = r.resources.map((x) => `${x.name}=${x.objects.map((i) => r.objects[i].object.kind + '/' + r.objects[i].object.metadata.name).join(',')}`);
  assert.deepEqual(view, [
    'frontend=Deployment/web,Service/web-svc,ConfigMap/settings',
    'worker:deployment:ns1=Deployment/worker',
    'worker:deployment:ns2=Deployment/worker',
  ]);
});

const errorCases: { name: string; files: Record<string, string>; code: string; file: string; line: number; message: RegExp; hint?: RegExp }[] = [
  {
    name: 'k8s_resource for a workload that does not exist lists those that do',
    files: {
      'app.yaml': DEPLOYMENT('web', 'x') + '---\n' + DEPLOYMENT('api', 'z'),
      'devloop.ts': "import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('wbe', { port_forwards: 80 });\n",
    },
    code: 'config-unknown-resource',
    file: 'devloop.ts',
    line: 3,
    message: /no workload named 'wbe' \(did you mean 'web'\?\)/,
    hint: /web, api/,
  },
  {
    name: 'malformed YAML points at the YAML file and line',
    files: {
      'app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: oops\n',
      'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n",
    },
    code: 'yaml-invalid',
    file: 'app.yaml',
    line: 5,
    message: /invalid YAML/,
  },
  {
    name: 'an image in YAML that is not a valid ref names the object',
    files: {
      'app.yaml': DEPLOYMENT('web', '${IMAGE}'),
      'devloop.ts': "import { k8s_yaml, docker_build } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.');\n",
    },
    code: 'invalid-manifest-image',
    file: 'app.yaml',
    line: 1,
    message: /"\$\{IMAGE\}" at spec\.template\.spec\.containers\[0\]\.image/,
  },
  {
    name: 'live_update on an image used only as a base',
    files: {
      'base/Dockerfile': 'FROM busybox\n',
      Dockerfile: 'FROM base-image\nCOPY . /app\n',
      'app.yaml': DEPLOYMENT('web', 'app-image'),
      'devloop.ts':
        "import { k8s_yaml, docker_build, sync } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('base-image', 'base', { live_update: [sync('base', '/x')] });\ndocker_build('app-image', '.');\n",
    },
    code: 'live-update-on-base',
    file: 'devloop.ts',
    line: 3,
    message: /only used as a base image \(by app-image\)/,
    hint: /move the live_update to the image that is deployed: app-image/,
  },
  {
    name: 'an image dependency cycle prints the cycle',
    files: {
      'a/Dockerfile': 'FROM img-b\n',
      'b/Dockerfile': 'FROM img-a\n',
      'app.yaml': DEPLOYMENT('web', 'img-a'),
      'devloop.ts': "import { k8s_yaml, docker_build } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('img-a', 'a');\ndocker_build('img-b', 'b');\n",
    },
    code: 'image-cycle',
    file: 'devloop.ts',
    line: 3,
    message: /img-a -> img-b -> img-a/,
  },
  {
    name: 'YAML that kubectl refuses (.inf) points at the YAML file and line',
    files: {
      'app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ratio: .inf\n',
      'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n",
    },
    code: 'yaml-invalid',
    file: 'app.yaml',
    line: 6,
    message: /infinity cannot be sent to Kubernetes/,
    hint: /Quote it/,
  },
  {
    name: 'an image_json_path that does not exist on a selected object names the object and the path',
    files: {
      Dockerfile: 'FROM busybox\n',
      'env.yaml':
        'apiVersion: example.dev/v1\nkind: Environment\nmetadata: { name: staging }\nspec: { runtime: { image: env-runtime } }\n---\napiVersion: example.dev/v1\nkind: Environment\nmetadata: { name: bare }\nspec: {}\n',
      'devloop.ts':
        "import { docker_build, k8s_kind, k8s_yaml } from 'devloop';\nk8s_yaml('env.yaml');\nk8s_kind('Environment', { image_json_path: '{.spec.runtime.image}' });\ndocker_build('env-runtime', '.');\n",
    },
    code: 'json-path-not-found',
    file: 'env.yaml',
    line: 6,
    message: /image_json_path \{\.spec\.runtime\.image\} does not match: runtime is not found/,
    hint: /kind=Environment/,
  },
  {
    name: 'entrypoint on an image found only in a custom resource field',
    files: {
      Dockerfile: 'FROM busybox\n',
      'env.yaml': 'apiVersion: example.dev/v1\nkind: Environment\nmetadata: { name: staging }\nspec: { runtime: { image: env-runtime } }\n',
      'devloop.ts':
        "import { docker_build, k8s_kind, k8s_yaml } from 'devloop';\nk8s_yaml('env.yaml');\nk8s_kind('Environment', { image_json_path: '{.spec.runtime.image}' });\ndocker_build('env-runtime', '.', { entrypoint: ['/serve'] });\n",
    },
    code: 'override-outside-container',
    file: 'devloop.ts',
    line: 4,
    message: /entrypoint of image 'env-runtime' cannot be applied: the image is found only outside containers \(Environment\/staging spec\.runtime\.image\)/,
    hint: /command/,
  },
  {
    name: 'duplicate objects in the YAML',
    files: {
      'app.yaml': DEPLOYMENT('web', 'x') + '---\n' + DEPLOYMENT('web', 'y'),
      'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n",
    },
    code: 'yaml-duplicate',
    file: 'app.yaml',
    line: 16,
    message: /duplicate YAML: Deployment\/web/,
    hint: /allow_duplicates/,
  },
  {
    name: 'a sync outside the build context',
    files: {
      'other/x': '',
      'app.yaml': DEPLOYMENT('web', 'web-image'),
      'devloop.ts':
        "import { k8s_yaml, docker_build, sync } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', 'other', { dockerfile: 'Dockerfile', live_update: [\n  sync('.', '/app')] });\n",
    },
    code: 'live-update-path',
    file: 'devloop.ts',
    line: 4,
    message: /not inside what image 'web-image' is built from/,
  },
  {
    name: 'a target that names no stage',
    files: {
      Dockerfile: 'FROM busybox AS build\nFROM busybox\n',
      'app.yaml': DEPLOYMENT('web', 'web-image'),
      'devloop.ts': "import { k8s_yaml, docker_build } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.', { target: 'biuld' });\n",
    },
    code: 'target-not-found',
    file: 'devloop.ts',
    line: 3,
    message: /biuld/,
    hint: /build/,
  },
];

for (const c of errorCases) {
  test(`resolve error: ${c.name}`, async () => {
    const { dir, error } = await resolveError(c.files);
    assert.equal(error.code, c.code, `${error.code}: ${error.message}`);
    assert.match(error.message, c.message);
    assert.equal(error.location?.file, join(dir, c.file));
    assert.equal(error.location?.line, c.line, error.message);
    if (c.hint) assert.match(error.hint ?? '', c.hint);
    if (c.code === 'invalid-manifest-image') assert.equal((error as { object?: string }).object, 'Deployment/web');
  });
}

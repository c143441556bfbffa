/** Evaluating devloop.ts: the API records specs; mistakes are errors naming file:line and what to write. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

async function evalProject(files: Record<string, string>, name = 'devloop.ts') {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', 'app.yaml': DEPLOYMENT('web', 'web-image'), ...files });
  dirs.push(dir);
  return { dir, result: await evaluateConfig(findConfig(dir, name === 'devloop.ts' ? undefined : name)) };
}

async function evalError(config: string, extra: Record<string, string> = {}) {
  const { dir, result } = await evalProject({ 'devloop.ts': config, ...extra });
  assert.equal(result.ok, false, 'expected the config to fail');
  if (result.ok) throw new Error('unreachable');
  return { dir, error: result.error };
}

test('records docker_build, k8s_yaml and k8s_resource with absolute paths and call locations', async () => {
  const { dir, result } = await evalProject({
    'devloop.ts': [
      "import { docker_build, k8s_yaml, k8s_resource } from 'devloop';",
      "k8s_yaml('app.yaml');",
      "docker_build('web-image', '.', { build_args: { A: '1' }, entrypoint: 'node server.js' });",
      "k8s_resource('web', { port_forwards: ['8000:80', 3000] });",
    ].join('\n'),
  });
  assert.ok(result.ok);
  const plan = result.plan;
  assert.equal(plan.images.length, 1);
  const img = plan.images[0];
  assert.equal(img.type, 'docker');
  assert.equal(img.ref, 'web-image');
  if (img.type === 'docker') {
    assert.equal(img.context, dir);
    assert.equal(img.dockerfile, join(dir, 'Dockerfile'));
    assert.deepEqual(img.buildArgs, { A: '1' });
  }
  assert.deepEqual(img.entrypoint, ['sh', '-c', 'node server.js']);
  assert.deepEqual(img.loc, { file: join(dir, 'devloop.ts'), line: 3 });
  assert.equal(plan.yaml[0].path, join(dir, 'app.yaml'));
  assert.deepEqual(
    plan.k8sResources[0].portForwards.map((p) => [p.host, p.localPort, p.containerPort]),
    [
      ['127.0.0.1', 8000, 80],
      ['127.0.0.1', 3000, 3000],
    ],
  );
  for (const f of ['devloop.ts', 'app.yaml', 'Dockerfile', 'Dockerfile.dockerignore', '.dockerignore']) {
    assert.ok(plan.filesRead.includes(join(dir, f)), `filesRead should include ${f}: ${plan.filesRead.join(', ')}`);
  }
});

test('the config may import its own modules, and they are recorded as files read', async () => {
  const { dir, result } = await evalProject({
    'devloop.ts': "import { k8s_yaml } from 'devloop';\nimport { files } from './lib/files';\nk8s_yaml(files);\n",
    'lib/files.ts': "export const files: string[] = ['app.yaml'];\n",
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.ok(result.plan.filesRead.includes(join(dir, 'lib/files.ts')));
});

test('finds devloop.mjs and devloop.js too, and -f names another file', async () => {
  const { result } = await evalProject({ 'devloop.mjs': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n" });
  assert.ok(result.ok);
  const { result: r2 } = await evalProject({ 'other.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n" }, 'other.ts');
  assert.ok(r2.ok);
});

test('no config: the error says which names are looked for and about -f', () => {
  const dir = writeProject({ 'README.md': 'x' });
  dirs.push(dir);
  assert.throws(
    () => findConfig(dir),
    (e: any) => e.code === 'config-not-found' && /devloop\.ts/.test(e.hint) && /-f/.test(e.hint),
  );
});

const errorCases: { name: string; config: string; code: string; line: number; message: RegExp; hint?: RegExp; extra?: Record<string, string> }[] = [
  {
    name: 'unknown option, with the valid ones and a suggestion',
    config: "import { docker_build } from 'devloop';\n\ndocker_build('web-image', '.', { buildargs: { A: '1' } });\n",
    code: 'config-unknown-option',
    line: 3,
    message: /unknown option 'buildargs' \(did you mean 'build_args'\?\)/,
    hint: /dockerfile, dockerfile_contents, build_args/,
  },
  {
    name: 'wrong type of an option',
    config: "import { docker_build } from 'devloop';\ndocker_build('web-image', '.', { pull: 'yes' });\n",
    code: 'config-bad-type',
    line: 2,
    message: /option 'pull' must be true or false, got the string "yes"/,
  },
  {
    name: 'a context that does not exist',
    config: "import { docker_build } from 'devloop';\n\n\ndocker_build('web-image', './nope');\n",
    code: 'config-path-missing',
    line: 4,
    message: /build context '\.\/nope' does not exist/,
  },
  {
    name: 'a YAML file that does not exist',
    config: "import { k8s_yaml } from 'devloop';\nk8s_yaml(['app.yaml', 'missing.yaml']);\n",
    code: 'config-path-missing',
    line: 2,
    message: /file 'missing\.yaml' does not exist/,
  },
  {
    name: 'a second docker_build of the same ref names the first',
    config: "import { docker_build } from 'devloop';\ndocker_build('web-image', '.');\ndocker_build('web-image', '.');\n",
    code: 'config-duplicate-image',
    line: 3,
    message: /already defined at .*devloop\.ts:2/,
  },
  {
    name: 'live_update steps in the wrong order',
    config:
      "import { docker_build, sync, run } from 'devloop';\ndocker_build('web-image', '.', { live_update: [\n  run('make'),\n  sync('.', '/app'),\n] });\n",
    code: 'config-live-update-order',
    line: 4,
    message: /wrong order: sync\(\) comes after run\(\)/,
    hint: /fall_back_on.*sync.*run/,
  },
  {
    name: 'restart_container on a Kubernetes resource',
    config:
      "import { docker_build, sync, restart_container } from 'devloop';\ndocker_build('web-image', '.', { live_update: [sync('.', '/app'), restart_container()] });\n",
    code: 'config-restart-container',
    line: 2,
    message: /restart_container\(\) is not supported/,
    hint: /entrypoint that reloads/,
  },
  {
    name: 'sync to a relative destination',
    config: "import { sync } from 'devloop';\nconst s = sync('.', 'app');\n",
    code: 'config-bad-value',
    line: 2,
    message: /must be an absolute path/,
  },
  {
    name: 'a config that throws: the line of the throw',
    config: "import { k8s_yaml } from 'devloop';\nconst x: number = 1;\nif (x) throw new Error('boom');\nk8s_yaml('app.yaml');\n",
    code: 'config-threw',
    line: 3,
    message: /boom/,
  },
  {
    name: 'a TypeScript syntax error',
    config: "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml'\nconst = ;\n",
    code: 'config-syntax',
    line: 3,
    message: /syntax error/,
  },
  {
    name: 'the error inside an imported helper points at the helper',
    config: "import { k8s_yaml } from 'devloop';\nimport { load } from './helper';\nload();\n",
    extra: { 'helper.ts': "import { k8s_yaml } from 'devloop';\nexport function load() {\n  k8s_yaml('nope.yaml');\n}\n" },
    code: 'config-path-missing',
    line: 3,
    message: /nope\.yaml/,
  },
  {
    name: 'a port forward out of range',
    config: "import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('web', { port_forwards: 70000 });\n",
    code: 'config-bad-value',
    line: 3,
    message: /'70000' is not a port/,
  },
  {
    name: 'trigger_mode twice',
    config: "import { trigger_mode } from 'devloop';\ntrigger_mode('manual');\ntrigger_mode('auto');\n",
    code: 'config-duplicate',
    line: 3,
    message: /already called at .*:2/,
  },
  {
    name: 'only with a glob',
    config: "import { docker_build } from 'devloop';\ndocker_build('web-image', '.', { only: ['src/*.js'] });\n",
    code: 'config-bad-value',
    line: 2,
    message: /'only' does not support '\*'/,
  },
];

for (const c of errorCases) {
  test(`config error: ${c.name}`, async () => {
    const { dir, error } = await evalError(c.config, c.extra);
    assert.equal(error.code, c.code, `${error.code}: ${error.message}`);
    assert.match(error.message, c.message);
    assert.equal(error.location?.line, c.line, `line of ${error.message}`);
    assert.ok(error.location?.file.startsWith(dir), `file ${error.location?.file}`);
    if (c.hint) assert.match(error.hint ?? '', c.hint);
  });
}

test('read_file and local return text that k8s_yaml takes as YAML', async () => {
  const { result } = await evalProject({
    'devloop.ts':
      "import { k8s_yaml, read_file, local } from 'devloop';\nk8s_yaml(read_file('app.yaml'));\nk8s_yaml(local('cat app.yaml | sed s/web/web2/'));\n",
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.equal(result.plan.yaml.length, 2);
  assert.match(result.plan.yaml[0].source, /read_file/);
  assert.match(result.plan.yaml[1].text, /name: web2/);
  assert.ok(result.plan.logs.some((l) => l.startsWith('local: cat app.yaml')));
});

test('local() that fails shows the command, exit code and output', async () => {
  const { error } = await evalError("import { local } from 'devloop';\nlocal('echo oops >&2; exit 3');\n");
  assert.equal(error.code, 'config-local-failed');
  assert.match(error.message, /exited with code 3/);
  assert.deepEqual(error.details, ['oops']);
  assert.equal(error.location?.line, 2);
});

/** `devloop ci --dry-run` as a user runs it: stdout is the manifests, stderr the plan; errors exit 1 with nothing on stdout. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { fixturesDir, repoRoot, writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const bin = join(repoRoot, 'bin/devloop.js');
const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

function devloop(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('dry-run of nodejs-express prints every object with the app ref injected, and the plan with the base first', () => {
  const r = devloop(join(fixturesDir, 'nodejs-express'), 'ci', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  const docs = yaml.loadAll(r.stdout) as any[];
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata.name}`),
    ['Deployment/nodejs-express-app', 'Service/nodejs-express-app'],
  );
  assert.match(docs[0].spec.template.spec.containers[0].image, /^nodejs-express-app-image:devloop-[0-9a-f]{16}$/);
  const base = r.stderr.indexOf('1. nodejs-express-base-image');
  const app = r.stderr.indexOf('2. nodejs-express-app-image');
  assert.ok(base >= 0 && app > base, r.stderr);
  assert.match(r.stderr, /app\.dockerfile:4: nodejs-express-base-image ⇒ nodejs-express-base-image:devloop-[0-9a-f]{16}/);
  assert.match(r.stderr, /nodejs-express-app-image ⇒ Deployment\/nodejs-express-app spec\.template\.spec\.containers\[0\]\.image/);
});

test('-o json prints a List', () => {
  const r = devloop(join(fixturesDir, 'nodejs-express'), 'ci', '--dry-run', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout);
  assert.equal(list.kind, 'List');
  assert.equal(list.items.length, 2);
});

test('-f names the config file; the dry-run works from another directory', () => {
  const r = devloop(repoRoot, 'ci', '--dry-run', '-f', 'fixtures/mega-image/devloop.ts');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /image: my-mega-image:devloop-/);
});

test('a typo in an option: exit 1, file:line, the valid options, no stack trace, nothing on stdout', () => {
  const dir = writeProject({
    Dockerfile: 'FROM busybox\n',
    'app.yaml': DEPLOYMENT('web', 'web-image'),
    'devloop.ts': "import { docker_build, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.', { dockerfle: 'Dockerfile' });\n",
  });
  dirs.push(dir);
  const r = devloop(dir, 'ci', '--dry-run');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: devloop\.ts:3: docker_build: unknown option 'dockerfle' \(did you mean 'dockerfile'\?\)$/m);
  assert.match(r.stderr, /^hint: valid options of docker_build: dockerfile, /m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a missing YAML file: exit 1 and the path that was looked for', () => {
  const dir = writeProject({ 'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('deploy/app.yaml');\n" });
  dirs.push(dir);
  const r = devloop(dir, 'ci', '--dry-run');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: devloop\.ts:2: k8s_yaml: file 'deploy\/app\.yaml' does not exist/m);
});

test('no config in the directory: exit 1 and what to create', () => {
  const dir = writeProject({ 'x.txt': '' });
  dirs.push(dir);
  const r = devloop(dir, 'ci', '--dry-run');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no devloop config in/);
  assert.match(r.stderr, /devloop\.ts, devloop\.mts, devloop\.js, devloop\.mjs/);
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = devloop(repoRoot, 'upp');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'upp'/);
});

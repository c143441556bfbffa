/**
 * Errors a Tiltfile port runs into: Starlark left in devloop.ts gets a hint at its line, a function devloop lacks says
 * so, an error in a helper module names the call in devloop.ts, unused live_update steps are an error, and the
 * config's own output goes to its log, never into `ci --dry-run`'s stdout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { formatError } from '../../src/model/errors.js';
import { repoRoot, writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

function project(files: Record<string, string>): string {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', 'app.yaml': DEPLOYMENT('web', 'img'), ...files });
  dirs.push(dir);
  return dir;
}

/** The error as a user reads it, paths relative to the project. */
async function errorOf(config: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = project({ 'devloop.ts': config, ...extra });
  const r = await evaluateConfig(findConfig(dir));
  assert.equal(r.ok, false, 'expected the config to fail');
  if (r.ok) throw new Error('unreachable');
  return formatError(r.error).split(`${dir}/`).join('');
}

const IMPORT = "import { docker_build, k8s_yaml, sync } from 'devloop';\n";

/** [what, devloop.ts, the error lines expected (regexps, in order)]. */
const HINTS: Array<[string, string, RegExp[]]> = [
  [
    'a keyword argument inside a call',
    `${IMPORT}docker_build('img', '.', dockerfile='Dockerfile')\n`,
    [
      /^error: devloop\.ts:2: dockerfile='Dockerfile' is a Starlark keyword argument$/m,
      /^hint: options go in the trailing object: \{ dockerfile: \.\.\. \}; write: docker_build\('img', '\.', \{ dockerfile: 'Dockerfile' \}\);$/m,
    ],
  ],
  [
    'a keyword argument on its own line',
    `${IMPORT}docker_build('img', '.',\n  dockerfile='Dockerfile')\n`,
    [
      /^error: devloop\.ts:3: dockerfile='Dockerfile' is a Starlark keyword argument$/m,
      /^hint: options go in the trailing object: \{ dockerfile: 'Dockerfile' \}$/m,
    ],
  ],
  [
    'an assignment without const',
    `${IMPORT}tag = 'v1'\n`,
    [
      /^error: devloop\.ts:2: tag is assigned but never declared \(Starlark assigns without a keyword\)$/m,
      /^hint: write const tag = 'v1'; \(let if it is assigned again\)$/m,
    ],
  ],
  [
    'any other Starlark line (a comprehension)',
    `${IMPORT}const files = [f + '.yaml' for f in ['a', 'b']]\n`,
    [
      /^error: devloop\.ts:2: syntax error/m,
      /^hint: if this line is Starlark, in TypeScript it is: const files = \['a', 'b'\]\.map\(\(f\) => f \+ '\.yaml'\);$/m,
    ],
  ],
  [
    'True',
    `${IMPORT}docker_build('img', '.', { pull: True })\n`,
    [/^error: devloop\.ts:2: True is Starlark; in TypeScript it is true$/m, /^hint: write true$/m],
  ],
  ['False', `${IMPORT}const x = False\n`, [/^error: devloop\.ts:2: False is Starlark; in TypeScript it is false$/m]],
  [
    'None',
    `${IMPORT}docker_build('img', '.', None)\n`,
    [/^error: devloop\.ts:2: None is Starlark; in TypeScript it is null$/m, /^hint: write null \(or leave the option out\)$/m],
  ],
  [
    "load('ext://...') of an extension with a devloop stand-in",
    `${IMPORT}load('ext://restart_process', 'docker_build_with_restart')\n`,
    [/^error: devloop\.ts:2: load\(\) is Starlark; devloop\.ts imports instead$/m, /import \{ docker_build_with_restart \} from 'devloop'/],
  ],
  [
    "load('ext://...') of an extension devloop lacks",
    `${IMPORT}load('ext://helm_remote', 'helm_remote')\n`,
    [/^error: devloop\.ts:2: load\(\) is Starlark/m, /^hint: write an import at the top: .*render the chart with helm\(\)/m],
  ],
  [
    'a # comment on its own line',
    `${IMPORT}# build the image\ndocker_build('img', '.')\n`,
    [/^error: devloop\.ts:2: '# build the image' is a Starlark comment$/m, /^hint: comments in devloop\.ts start with \/\/: \/\/ build the image$/m],
  ],
  ['a # comment after code', `${IMPORT}docker_build('img', '.') # the app\n`, [/^error: devloop\.ts:2: '# the app' is a Starlark comment$/m]],
  [
    "'...'.format(...)",
    `${IMPORT}docker_build('img-{}'.format('a'), '.')\n`,
    [/^error: devloop\.ts:2: '\.\.\.'\.format\(\) is Starlark; TypeScript strings have no format\(\)$/m, /write: docker_build\(`img-\$\{'a'\}`, '\.'\);$/m],
  ],
  [
    "'%' formatting (NaN at the call, the % line named)",
    `${IMPORT}const name = 'img-%s' % 'a'\ndocker_build(name, '.')\n`,
    [
      /^error: devloop\.ts:3: docker_build: argument 'ref' must be a string, got the number NaN \('\.\.\.' % value is Starlark formatting/m,
      /^hint: write a template literal at devloop\.ts:2: const name = `img-\$\{'a'\}`;$/m,
    ],
  ],
  [
    'key=value in an object',
    `${IMPORT}docker_build('img', '.', { dockerfile='Dockerfile' })\n`,
    [/^error: devloop\.ts:2: syntax error: .*: an object takes key: value, not key=value$/m],
  ],
  [
    'a function devloop does not have, imported',
    "import { helm_remote } from 'devloop';\nhelm_remote('redis')\n",
    [/^error: devloop\.ts:2: devloop has no function 'helm_remote' \(it was imported from 'devloop'\)$/m, /^hint: instead: render the chart with helm\(\)/m],
  ],
  [
    'a misspelt devloop function',
    "import { docker_bild } from 'devloop';\ndocker_bild('img', '.')\n",
    [/^error: devloop\.ts:2: devloop has no function 'docker_bild'/m, /^hint: did you mean 'docker_build'\?$/m],
  ],
  [
    'a devloop function used without its import',
    "docker_build('img', '.')\n",
    [/^error: devloop\.ts:1: docker_build is not defined$/m, /^hint: import it: import \{ docker_build \} from 'devloop'$/m],
  ],
  ["Tilt's fail()", "fail('no')\n", [/^error: devloop\.ts:1: fail is not defined: devloop has no fail\(\)$/m, /^hint: instead: throw new Error/m]],
];

for (const [name, config, expected] of HINTS) {
  test(`porting hint: ${name}`, async () => {
    const text = await errorOf(config);
    assert.doesNotMatch(text, /_devloop|is not a function/, text);
    for (const re of expected) assert.match(text, re, text);
  });
}

test('an error inside a helper module names the helper line and the call in devloop.ts', async () => {
  const helper = [
    "import { custom_build } from 'devloop';",
    'export function kim_build(ref: string, context: string) {',
    '  custom_build(ref, `./kim build ${context}`, { deps: [context], disable_pushh: true });',
    '}',
    "export function boom(): void { throw new Error('kaput'); }",
  ].join('\n');
  const text = await errorOf("import { kim_build } from './lib/kim';\n\nkim_build('img', '.');\n", { 'lib/kim.ts': helper });
  assert.match(
    text,
    /^error: lib\/kim\.ts:3: custom_build: unknown option 'disable_pushh' \(did you mean 'disable_push'\?\)\n  called from devloop\.ts:3: kim_build\('img', '\.'\);$/m,
  );
  const thrown = await errorOf("import { boom } from './lib/kim';\nboom();\n", { 'lib/kim.ts': helper });
  assert.match(thrown, /^error: lib\/kim\.ts:5: the config threw an error: kaput\n  called from devloop\.ts:2: boom\(\);$/m);
});

test('live_update steps made and never used are an error naming each, as in Tilt', async () => {
  const one = await errorOf(`${IMPORT}k8s_yaml('app.yaml');\nconst steps = [sync('.', '/app')];\ndocker_build('img', '.');\n`);
  assert.match(one, /^error: devloop\.ts:3: sync\(\) made a live update step that no live_update uses$/m);
  assert.match(one, /^hint: put it in the live_update list of the image it belongs to/m);
  const two = await errorOf("import { docker_build, sync, run } from 'devloop';\nsync('a', '/a');\nrun('make');\ndocker_build('img', '.');\n");
  assert.match(two, /^error: devloop\.ts:2: 2 live update steps were made but no live_update uses them: sync\(\) at devloop\.ts:2, run\(\) at devloop\.ts:3$/m);
  // the same step used by two images is fine
  const dir = project({
    'devloop.ts': `${IMPORT}const s = sync('.', '/app');\ndocker_build('img', '.', { live_update: [s] });\ndocker_build('img2', '.', { live_update: [s] });\n`,
  });
  const ok = await evaluateConfig(findConfig(dir));
  assert.ok(ok.ok, ok.ok ? '' : ok.error.message);
});

test("the config's console output goes to its log under its name, never into ci --dry-run's stdout (YAML and JSON)", () => {
  const dir = project({
    'devloop.ts': `${IMPORT}console.log('hello', { a: 1 });\nconsole.warn('careful');\nconsole.info('two\\nlines');\nk8s_yaml('app.yaml');\ndocker_build('img', '.');\n`,
  });
  const bin = join(repoRoot, 'bin/devloop.js');
  for (const format of ['yaml', 'json']) {
    const r = spawnSync(process.execPath, [bin, 'ci', '--dry-run', '-o', format], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const docs = format === 'json' ? JSON.parse(r.stdout).items : yaml.loadAll(r.stdout);
    assert.equal((docs as any[])[0].kind, 'Deployment', r.stdout);
    assert.doesNotMatch(r.stdout, /hello|careful/);
    assert.match(r.stderr, /^devloop\.ts │ hello \{ a: 1 \}\ndevloop\.ts │ warning: careful\ndevloop\.ts │ two\ndevloop\.ts │ lines$/m);
  }
  assert.equal(typeof console.log, 'function');
});

test('what the config printed before it failed is shown under the error', async () => {
  const text = await errorOf("console.log('debug: step 1');\nconsole.warn('careful');\nthrow new Error('stop');\n");
  assert.match(
    text,
    /^error: devloop\.ts:3: the config threw an error: stop\n  printed before the error:\n    devloop\.ts │ debug: step 1\n    devloop\.ts │ warning: careful\nhint: /m,
  );
});

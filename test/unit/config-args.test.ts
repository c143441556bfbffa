/**
 * Config arguments and resource selection as Tilt has them: config.define_* / parse(), set/clear_enabled_resources,
 * the command-line args (`devloop ci --dry-run web -- --flag`), k8s_context(), workload_to_resource_function, and
 * fixtures/config-args ported from its Tiltfile.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { evaluateConfig, findConfig, type Invocation } from '../../src/config/evaluate.js';
import { parseArgs } from '../../src/config/config-args.js';
import { resolve } from '../../src/resolve/resolve.js';
import { writeProject, removeProject, repoRoot, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const YAML = `${DEPLOYMENT('web', 'web-image')}---\n${DEPLOYMENT('api', 'api-image')}---\n${DEPLOYMENT('db', 'db-image')}`;

function project(config: string, extra: Record<string, string> = {}): string {
  const dir = writeProject({ 'app.yaml': YAML, 'devloop.ts': config, ...extra });
  dirs.push(dir);
  return dir;
}

async function evalIn(dir: string, invocation?: Invocation) {
  return evaluateConfig(findConfig(dir), { invocation });
}

async function plan(config: string, invocation?: Invocation, extra: Record<string, string> = {}) {
  const r = await evalIn(project(config, extra), invocation);
  if (!r.ok) assert.fail(`${r.error.message} ${JSON.stringify(r.error.location)}`);
  return r.plan;
}

async function error(config: string, invocation?: Invocation) {
  const r = await evalIn(project(config), invocation);
  assert.equal(r.ok, false, 'expected an error');
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

const inv = (args: string[], extra: Partial<Invocation> = {}): Invocation => ({ args, subcommand: 'ci', ...extra });

test('parseArgs: flags, values, lists, positional args, and the errors Tilt gives', () => {
  const defs = new Map<string, { kind: 'string' | 'bool' | 'string_list'; args: boolean }>([
    ['env', { kind: 'string', args: false }],
    ['debug', { kind: 'bool', args: false }],
    ['to-run', { kind: 'string_list', args: true }],
  ]);
  const ok: [string[], Record<string, unknown>][] = [
    [[], {}],
    [['--env', 'dev'], { env: 'dev' }],
    [['--env=prod'], { env: 'prod' }],
    [['--debug'], { debug: true }],
    [['--debug=false'], { debug: false }],
    [['web', 'api'], { 'to-run': ['web', 'api'] }],
    [['--to-run', 'a', '--to-run=b'], { 'to-run': ['a', 'b'] }],
    [['web', '--', '--env', 'x'], { 'to-run': ['web'], env: 'x' }],
  ];
  for (const [args, want] of ok) assert.deepEqual(parseArgs(defs, args), { values: want }, args.join(' '));
  const bad: [string[], RegExp][] = [
    [['--nope'], /unknown flag '--nope'/],
    [['--evn', 'x'], /did you mean '--env'/],
    [['--env'], /needs a value/],
    [['--env', 'a', '--env', 'b'], /more than once/],
    [['--debug=maybe'], /true or false/],
  ];
  for (const [args, want] of bad) {
    const r = parseArgs(defs, args);
    assert.ok('error' in r && want.test(r.error), `${args.join(' ')}: ${JSON.stringify(r)}`);
  }
  const noPositional = parseArgs(new Map([['env', { kind: 'string', args: false }]]), ['web']);
  assert.ok('error' in noPositional && /no setting takes them/.test(noPositional.error));
});

test('config.parse() returns the args as values, tilt_config.json fills in, and subcommand / main_path / main_dir are set', async () => {
  const dir = project(
    [
      "import { config, k8s_yaml } from 'devloop';",
      "import { readFileSync, writeFileSync } from 'node:fs';",
      "config.define_string_list('to-run', { args: true });",
      "config.define_string('env');",
      "config.define_bool('debug');",
      'const cfg = config.parse();',
      "writeFileSync(config.main_dir + '/out.json', JSON.stringify({ cfg, sub: config.subcommand, main: config.main_path, dir: config.main_dir }));",
      "k8s_yaml('app.yaml');",
    ].join('\n'),
    { 'tilt_config.json': '{"env": "from-file", "debug": true}' },
  );
  const r = await evalIn(dir, inv(['web', '--env', 'staging'], { subcommand: 'up' }));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const out = JSON.parse(spawnSync('cat', [join(dir, 'out.json')], { encoding: 'utf8' }).stdout);
  assert.deepEqual(out.cfg, { 'to-run': ['web'], env: 'staging', debug: true });
  assert.equal(out.sub, 'up');
  assert.equal(out.main, join(dir, 'devloop.ts'));
  assert.equal(out.dir, dir);
  assert.equal(r.plan.argsParsed, true);
  assert.ok(r.plan.filesRead.includes(join(dir, 'tilt_config.json')), 'tilt_config.json is watched');
});

test('config.parse() errors name the call and list the settings', async () => {
  const e = await error("import { config } from 'devloop';\nconfig.define_string('env');\nconfig.parse();\n", inv(['--nope']));
  assert.equal(e.code, 'config-args');
  assert.match(e.message, /unknown flag '--nope'/);
  assert.equal(e.location?.line, 3);
  assert.match(e.hint ?? '', /--env VALUE/);
  const dup = await error("import { config } from 'devloop';\nconfig.define_string('env');\nconfig.define_bool('env');\n");
  assert.match(dup.message, /already defined at .*devloop\.ts:2/);
});

test('without config.parse() the args name resources; with their resource_deps; an unknown name is an error with a guess', async () => {
  const config = ["import { k8s_yaml, k8s_resource } from 'devloop';", "k8s_yaml('app.yaml');", "k8s_resource('web', { resource_deps: ['api'] });"].join('\n');
  const p = await plan(config, inv(['web']));
  const res = resolve(p);
  assert.deepEqual(res.resources.map((r) => r.name).sort(), ['api', 'web']);
  assert.deepEqual(res.rendered.map((o: any) => o.metadata.name).sort(), ['api', 'web']);
  for (const r of res.resources) for (const i of r.objects) assert.ok(res.objects[i], 'object indices point into the kept objects');
  assert.deepEqual(
    resolve(await plan(config, inv([])))
      .resources.map((r) => r.name)
      .sort(),
    ['api', 'db', 'web'],
  );
  assert.throws(() => resolve({ ...p, args: ['wbe'] }), /no resource named 'wbe'; did you mean 'web'\?/);
  assert.throws(() => resolve({ ...p, args: ['--env=x'] }), /looks like a flag, but the config does not call config.parse\(\)/);
});

test('config.set_enabled_resources and clear_enabled_resources win over the args', async () => {
  const base = "import { k8s_yaml, config, read_file } from 'devloop';\nk8s_yaml('app.yaml');\n";
  const set = await plan(
    `${base}config.define_string_list('svc', { args: true });\nconst c = config.parse();\nconfig.set_enabled_resources(c.svc as string[] ?? []);\n`,
    inv(['db']),
  );
  assert.deepEqual(
    resolve(set).resources.map((r) => r.name),
    ['db'],
  );
  // As in Tilt: clear_enabled_resources() runs none (objects in no resource still go); a later set_enabled_resources() names some.
  const cleared = await plan(`${base}k8s_yaml(read_file('cm.yaml'));\nconfig.clear_enabled_resources();\n`, inv(['db']), {
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n',
  });
  assert.deepEqual(
    resolve(cleared).resources.map((r) => r.name),
    ['uncategorized'],
  );
  const clearedThenSet = await plan(`${base}config.clear_enabled_resources();\nconfig.set_enabled_resources(['web']);\n`, inv([]));
  assert.deepEqual(
    resolve(clearedThenSet).resources.map((r) => r.name),
    ['web'],
  );
  const emptySet = await plan(`${base}config.define_string_list('svc', { args: true });\nconfig.parse();\nconfig.set_enabled_resources([]);\n`, inv([]));
  assert.equal(resolve(emptySet).resources.length, 3, 'an empty list enables all, as in Tilt');
  assert.throws(() => resolve({ ...emptySet, enabledResources: ['x', 'y'] }), /no resource named 'x', 'y' \(given to config.set_enabled_resources\)/);
});

test('k8s_context() and k8s_namespace() reflect --context / --namespace, else the kubeconfig', async () => {
  const kc = join(project('', {}), 'kubeconfig');
  writeFileSync(
    kc,
    'apiVersion: v1\nkind: Config\ncurrent-context: kind-dev\ncontexts:\n- name: kind-dev\n  context: { cluster: c, namespace: team-a }\n- name: other\n  context: { cluster: c }\n',
  );
  const config =
    "import { k8s_context, k8s_namespace, k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\nconsole.log(`ctx=${k8s_context()} ns=${k8s_namespace()}`);\n";
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kc;
  try {
    const fromFile = await plan(config, inv([]));
    assert.ok(
      fromFile.logs.some((l) => l.includes('ctx=kind-dev ns=team-a')),
      fromFile.logs.join('\n'),
    );
    const other = await plan(config, inv([], { context: 'other' }));
    assert.ok(
      other.logs.some((l) => l.includes('ctx=other ns=default')),
      other.logs.join('\n'),
    );
    const flags = await plan(config, inv([], { context: 'x', namespace: 'ns1' }));
    assert.ok(
      flags.logs.some((l) => l.includes('ctx=x ns=ns1')),
      flags.logs.join('\n'),
    );
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});

test('devloop ci --dry-run RESOURCE prints only that resource and its deps; -- passes flags to config.parse()', () => {
  const bin = join(repoRoot, 'bin/devloop.js');
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [bin, 'ci', '--dry-run', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const names = (out: string) => (yaml.loadAll(out) as any[]).map((d) => d.metadata.name);
  const sel = project("import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('api', { resource_deps: ['db'] });\n");
  let r = run(sel, 'api');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(names(r.stdout), ['api', 'db']);
  r = run(sel, 'nope');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /no resource named 'nope'/);
  const flags = project(
    [
      "import { k8s_yaml, config } from 'devloop';",
      "config.define_string('only');",
      'const cfg = config.parse();',
      "console.log('only is', cfg.only);",
      "k8s_yaml('app.yaml');",
      'if (cfg.only) config.set_enabled_resources([cfg.only as string]);',
    ].join('\n'),
  );
  r = run(flags, '--', '--only', 'web');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(names(r.stdout), ['web']);
  assert.match(r.stderr, /only is web/);
});

test('fixtures/config-args: init --from plus its README hand edit gives the committed devloop.ts; ci --dry-run selects as Tilt does', () => {
  const dir = join(repoRoot, 'fixtures/config-args');
  const bin = join(repoRoot, 'bin/devloop.js');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' } });
  const init = run('init', '--from', 'Tiltfile', '-o', '-');
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stderr, /22 statements translated, 0 left as comments to port by hand, 0 to check/);
  const from = "const debug = (cfg['debug'] ?? false);";
  assert.ok(init.stdout.includes(from), 'the hand edit still applies');
  const edited = init.stdout
    .replace(
      from,
      "// Hand edit: Starlark's str(False) is 'False'; the build arg keeps Tilt's spelling.\nconst debug = (cfg['debug'] ?? false) ? 'True' : 'False';",
    )
    .replaceAll('String(debug)', 'debug');
  assert.equal(edited, readFileSync(join(dir, 'devloop.ts'), 'utf8'));
  const cases: [string[], string[], string][] = [
    [[], ['ConfigMap/shop-settings', 'Deployment/web', 'Deployment/api', 'Deployment/worker'], 'debug'],
    [['backend'], ['ConfigMap/shop-settings', 'Deployment/api', 'Deployment/worker'], 'debug'],
    [['--', 'web', '--env=staging'], ['ConfigMap/shop-settings', 'Deployment/web', 'Deployment/api'], 'info'],
  ];
  for (const [args, want, level] of cases) {
    const r = run('ci', '--dry-run', ...args);
    assert.equal(r.status, 0, r.stderr);
    const docs = yaml.loadAll(r.stdout) as any[];
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      want,
      args.join(' '),
    );
    assert.equal(docs[0].data.LOG_LEVEL, level);
    for (const d of docs.slice(1)) {
      const c = d.spec.template.spec.containers[0];
      assert.match(c.image, new RegExp(`^shop-${d.metadata.name}:devloop-[0-9a-f]{16}$`));
    }
  }
  const bad = run('ci', '--dry-run', 'nope');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^error: devloop\.ts:22: no resource named 'nope' \(given to config\.set_enabled_resources\)/m);
});

test('workload_to_resource_function names each workload resource; k8s_resource and selection use those names', async () => {
  const config = [
    "import { k8s_yaml, k8s_resource, workload_to_resource_function } from 'devloop';",
    "k8s_yaml('app.yaml');",
    'workload_to_resource_function((id) => `${id.name}-${id.kind.toLowerCase()}-${id.namespace}-${id.group}`);',
    "k8s_resource('web-deployment-default-apps', { resource_deps: ['db-deployment-default-apps'] });",
  ].join('\n');
  const p = await plan(config, inv(['web-deployment-default-apps']));
  const res = resolve(p);
  assert.deepEqual(
    res.resources.map((r) => r.name),
    ['web-deployment-default-apps', 'db-deployment-default-apps'],
  );
  const dup = await plan(
    "import { k8s_yaml, workload_to_resource_function } from 'devloop';\nk8s_yaml('app.yaml');\nworkload_to_resource_function(() => 'same');\n",
  );
  assert.throws(() => resolve(dup), /workload_to_resource_function named two workloads 'same': Deployment\/web and Deployment\/api/);
  const bad = await error(
    "import { k8s_yaml, workload_to_resource_function } from 'devloop';\nk8s_yaml('app.yaml');\nworkload_to_resource_function((() => 3) as any);\n",
  );
  assert.match(bad.message, /returned the number 3 for Deployment web/);
  assert.equal(bad.location?.line, 3);
});

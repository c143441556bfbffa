/** `devloop init --from Tiltfile`: Tiltfile snippets and the devloop.ts they become, the TODO/check markers, the CLI on a real example. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { devloopExports } from '../../src/port/exports.js';
import { translateTiltfile } from '../../src/port/translate.js';
import { fixturesDir, repoRoot, writeProject, removeProject } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));
const exportsNow = devloopExports();

/** The translated body: devloop.ts without its two header comment lines. */
function body(tiltfile: string, exports = exportsNow): string {
  const t = translateTiltfile(tiltfile, exports);
  return t.code.split('\n').slice(2).join('\n').trim();
}

const TABLE: Array<[string, string, string]> = [
  [
    'calls; keyword arguments into the trailing options object; imports',
    "k8s_yaml('app.yaml')\ndocker_build('img', '.', dockerfile='Dockerfile.dev', build_args={'A': '1'})",
    "import { docker_build, k8s_yaml } from 'devloop';\n\nk8s_yaml('app.yaml');\ndocker_build('img', '.', { dockerfile: 'Dockerfile.dev', build_args: { A: '1' } });",
  ],
  [
    "Tilt's extra positional arguments become options by Tilt's parameter order",
    "custom_build('img', 'make image', ['src'], tag='dev')",
    "import { custom_build } from 'devloop';\n\ncustom_build('img', 'make image', { deps: ['src'], tag: 'dev' });",
  ],
  [
    'a keyword argument that devloop takes positionally stays positional',
    "local_resource(name='gen', cmd='make', deps=['api'])\nk8s_resource(new_name='cfg', objects=['c:configmap'])",
    "import { k8s_resource, local_resource } from 'devloop';\n\nlocal_resource('gen', 'make', { deps: ['api'] });\nk8s_resource({ new_name: 'cfg', objects: ['c:configmap'] });",
  ],
  [
    'True/False/None, numbers, lists, tuples, dicts with odd keys',
    "x = [True, False, None, 1, (2, 3), {'a-b': 1, 'c': 2}]",
    "const x = [true, false, null, 1, [2, 3], { 'a-b': 1, c: 2 }];",
  ],
  [
    'live update steps, trigger as an option',
    "docker_build('i', '.', live_update=[fall_back_on(['package.json']), sync('.', '/app'), run('npm i', trigger='package.json')])",
    "import { docker_build, fall_back_on, run, sync } from 'devloop';\n\ndocker_build('i', '.', {\n  live_update: [fall_back_on(['package.json']), sync('.', '/app'), run('npm i', { trigger: 'package.json' })],\n});",
  ],
  [
    "'...'.format() and % formatting become template literals",
    "a = 'x-{}-{n}'.format(1, n=2)\nb = '%s:%d %%' % (a, 3)\nc = 'v%s' % a",
    'const a = `x-${1}-${2}`;\nconst b = `${a}:${3} %`;\nconst c = `v${a}`;',
  ],
  [
    'strings: escapes, raw strings, triple-quoted text',
    'a = \'it\\\'s\\n\'\nb = r\'\\d+\'\nc = """\nline ${x} `q`\n"""',
    "const a = 'it\\'s\\n';\nconst b = '\\\\d+';\nconst c = `\nline \\${x} \\`q\\`\n`;",
  ],
  [
    'if / elif / else, comparisons, and/or/not, None checks',
    "if a == 1 and not b:\n  x = 1\nelif c != None or d is None:\n  pass\nelse:\n  fail('no')",
    "let x;\nif ((a === 1) && !b) {\n  x = 1;\n} else if ((c != null) || (d == null)) {\n} else {\n  throw new Error('no');\n}",
  ],
  [
    'for loops over lists, dict items and ranges',
    "for s in ['a', 'b']:\n  print(s)\nfor k, v in d.items():\n  print(k, v)\nfor i in range(3):\n  print(i)",
    "for (const s of ['a', 'b']) {\n  console.log(s);\n}\nfor (const [k, v] of Object.entries(d)) {\n  console.log(k, v);\n}\nfor (const i of Array.from({ length: 3 }, (_, i) => i)) {\n  console.log(i);\n}",
  ],
  [
    'def with defaults; calls with keyword arguments to it become positional',
    "def svc(name, port=8000, deps=None):\n  return name + str(port)\nsvc('a', deps=['x'])",
    "function svc(name, port = 8000, deps = null) {\n  return name + String(port);\n}\nsvc('a', undefined, ['x']);",
  ],
  [
    'lists: += and + on lists, comprehensions, methods',
    "xs = ['a']\nxs += ['b']\nys = [x.upper() for x in xs if x.startswith('a')]\nzs = xs + ys\nxs.append('c')\ns = ','.join(xs).strip()",
    "const xs = ['a'];\nxs.push(...['b']);\nconst ys = xs.filter((x) => x.startsWith('a')).map((x) => x.toUpperCase());\nconst zs = [...xs, ...ys];\nxs.push('c');\nconst s = xs.join(',').trim();",
  ],
  [
    'os.getenv, os.environ, os.path and dict get',
    "a = os.getenv('A', 'x')\nb = os.environ['B']\nc = os.path.join('a', 'b')\nd = {}.get('k', 1)",
    "import { join } from 'node:path';\n\nconst a = (process.env['A'] ?? 'x');\nconst b = process.env['B'];\nconst c = join('a', 'b');\nconst d = ({}['k'] ?? 1);",
  ],
  [
    'comments stay, as // comments; the editor mode line goes',
    "# -*- mode: Python -*-\n# build it\nk8s_yaml('a.yaml')  # the app\n",
    "import { k8s_yaml } from 'devloop';\n\n// build it\nk8s_yaml('a.yaml'); // the app",
  ],
  [
    'a variable assigned in a branch is declared before it',
    "if x:\n  tag = 'a'\nelse:\n  tag = 'b'\nprint(tag)",
    "let tag;\nif (x) {\n  tag = 'a';\n} else {\n  tag = 'b';\n}\nconsole.log(tag);",
  ],
  [
    'blank lines inside a triple-quoted string stay',
    'k8s_yaml("""\na: 1\n\n\n---\nb: 2\n""")',
    "import { k8s_yaml } from 'devloop';\n\nk8s_yaml(`\na: 1\n\n\n---\nb: 2\n`);",
  ],
  [
    'an empty list is false in a condition, as in Starlark; `in` on a dict; os.putenv',
    "xs = []\nif xs:\n  pass\nif not xs:\n  pass\nd = {'a': 1}\nif 'a' in d:\n  os.putenv('A', 'x')",
    "const xs = [];\nif (xs.length > 0) {\n}\nif (xs.length === 0) {\n}\nconst d = { a: 1 };\nif (('a' in d)) {\n  (process.env['A'] = 'x');\n}",
  ],
];

TABLE.push(
  [
    'settings functions',
    "update_settings(max_parallel_updates=3)\nci_settings(timeout='10m')",
    "import { ci_settings, update_settings } from 'devloop';\n\nupdate_settings({ max_parallel_updates: 3 });\nci_settings({ timeout: '10m' });",
  ],
  [
    'config args',
    "config.define_string_list('to-run', args=True)\ncfg = config.parse()\nconfig.set_enabled_resources(cfg.get('to-run', []))\nd = config.main_dir",
    "import { config } from 'devloop';\n\nconfig.define_string_list('to-run', { args: true });\nconst cfg = config.parse();\nconfig.set_enabled_resources((cfg['to-run'] ?? []));\nconst d = config.main_dir;",
  ],
  [
    'port_forward and link',
    "k8s_resource('web', port_forwards=[port_forward(8000, 80, name='ui')], links=[link('http://x', 'x')])",
    "import { k8s_resource, link, port_forward } from 'devloop';\n\nk8s_resource('web', { port_forwards: [port_forward(8000, 80, { name: 'ui' })], links: [link('http://x', 'x')] });",
  ],
);

for (const [name, tiltfile, expected] of TABLE) {
  test(`init: ${name}`, () => {
    assert.equal(body(tiltfile), expected);
  });
}

/** Snippets left as comments: [what, Tiltfile, part of the TODO text]. */
const TODOS: Array<[string, string, string]> = [
  ['a builtin devloop lacks, with what to use', "x = filter_yaml('a.yaml', kind='Service')", 'devloop has no filter_yaml: read and filter'],
  [
    'an extension devloop has no port of',
    "load('ext://helm_remote', 'helm_remote')",
    'devloop has no port of ext://helm_remote (helm_remote): render the chart',
  ],
  ['a call of that extension', "load('ext://helm_remote', 'helm_remote')\nhelm_remote('redis')", "helm_remote() comes from Tilt's ext://helm_remote"],
  ['an unknown extension', "load('ext://foo', 'bar')\nbar(1)", 'devloop has no port of ext://foo (bar): write what it does in TypeScript'],
  ['include()', "include('./sub/Tiltfile')", 'include(): port that Tiltfile too'],
  ["'%' on a string in a variable", "fmt = '%s'\nx = fmt % ('a', 'b')", "'%' formatting of a string held in a variable"],
  ['a .format() spec', "x = '{:>5}'.format(1)", 'a .format() field with a conversion or format spec'],
  ['**kwargs', 'def f(**kw):\n  pass', '**kwargs in a def'],
  ['a dict comprehension', 'x = {k: 1 for k in y}', 'a dictionary comprehension'],
  ['a syntax error', "k8s_yaml('a.yaml')\nx = = 1\n", 'a syntax error'],
];

for (const [name, tiltfile, todo] of TODOS) {
  test(`init leaves as a marked comment: ${name}`, () => {
    const t = translateTiltfile(tiltfile, exportsNow);
    const notes = t.notes.filter((n) => n.kind === 'todo');
    assert.ok(
      notes.some((n) => n.text.includes(todo)),
      `expected a TODO with "${todo}", got ${JSON.stringify(t.notes)}\n${t.code}`,
    );
    const lines = t.code.split('\n');
    for (const n of notes) {
      assert.match(lines[n.outLine! - 1], new RegExp(`// devloop init: TODO \\(Tiltfile:${n.line}\\): `), `the marker is at devloop.ts:${n.outLine}`);
      // the Tiltfile's code follows the marker, commented out
      if (!n.text.startsWith('port ')) assert.ok(lines[n.outLine!].startsWith('// '), t.code);
    }
    assert.ok(t.untranslated > 0 || notes.length > 0);
  });
}

test('init: the devloop.ts line of each note is its marker, also after leading blank lines', () => {
  const t = translateTiltfile("\n\n# -*- mode: Python -*-\n\nx = filter_yaml('a.yaml')\nk8s_yaml('a.yaml')\nlocal_git_repo('.')\n", exportsNow);
  const lines = t.code.split('\n');
  assert.equal(t.notes.length, 2);
  for (const n of t.notes) assert.match(lines[n.outLine! - 1], new RegExp(`^// devloop init: TODO \\(Tiltfile:${n.line}\\)`), t.code);
});

test("init: the restart_process extension becomes devloop's own docker_build_with_restart, nothing to check", () => {
  const t = translateTiltfile(
    "load('ext://restart_process', 'docker_build_with_restart')\ndocker_build_with_restart('i', '.', entrypoint=['/app/server'], live_update=[sync('bin', '/app')])",
    exportsNow,
  );
  assert.match(t.code, /^import \{ docker_build_with_restart, sync \} from 'devloop';$/m);
  assert.match(t.code, /docker_build_with_restart\('i', '\.', \['\/app\/server'\], \{ live_update: \[sync\('bin', '\/app'\)\] \}\);/);
  assert.deepEqual(
    t.notes.filter((n) => n.kind === 'check'),
    [],
  );
});

test('init: an extension devloop exports (here faked) becomes an import from devloop', () => {
  const exports = new Map([...exportsNow, ['namespace_create', 2], ['namespace_inject', 2]]);
  const out = body(
    "load('ext://namespace', 'namespace_create', inject='namespace_inject')\nnamespace_create('dev')\nk8s_yaml(inject(read_file('a.yaml'), 'dev'))",
    exports,
  );
  assert.equal(
    out,
    "import { k8s_yaml, namespace_create, namespace_inject, read_file } from 'devloop';\n\nnamespace_create('dev');\nk8s_yaml(namespace_inject(read_file('a.yaml'), 'dev'));",
  );
});

test("init: load() of the Tiltfile's own file becomes an import, with a TODO to port that file", () => {
  const t = translateTiltfile("load('./lib/util.star', 'kim_build')\nkim_build('img', '.', deps=['web'])", exportsNow);
  assert.match(t.code, /^import \{ kim_build \} from '\.\/lib\/util';$/m);
  assert.match(t.code, /^kim_build\('img', '\.', \{ deps: \['web'\] \}\);$/m);
  assert.ok(t.notes.some((n) => n.kind === 'todo' && n.text.startsWith('port ./lib/util.star to TypeScript')));
});

const bin = join(repoRoot, 'bin/devloop.js');
function devloop(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Tilt's example projects ported into fixtures/: [folder, hand edits as [from, to], the workload and image Tilt injects, the resource line]. */
const PORTS: Array<[string, Array<[string, string]>, string, string, RegExp]> = [
  [
    'tilt-example-python',
    [],
    'example-python',
    'example-python-image',
    /example-python: Deployment\/example-python; port-forward 127\.0\.0\.1:8000 → 8000; after deploy/,
  ],
  [
    'tilt-example-nodejs',
    [],
    'example-nodejs',
    'example-nodejs-image',
    /example-nodejs: Deployment\/example-nodejs; port-forward 127\.0\.0\.1:8000 → 8000; after deploy/,
  ],
  [
    'tilt-example-go',
    [],
    'example-go',
    'example-go-image',
    /example-go: Deployment\/example-go; port-forward 127\.0\.0\.1:8000 → 8000; after deploy, example-go-compile/,
  ],
];

for (const [folder, edits, workload, image, resource] of PORTS) {
  test(`init --from on Tilt's ${folder} gives the committed port (plus its README's hand edits); ci --dry-run injects what Tilt does`, () => {
    const dir = join(fixturesDir, folder);
    const r = devloop(dir, 'init', '--from', 'Tiltfile', '-o', '-');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /statements translated, 0 left as comments to port by hand/);
    let code = r.stdout;
    for (const [from, to] of edits) {
      assert.ok(code.includes(from), `hand edit no longer applies: ${from}`);
      code = code.replace(from, to);
    }
    assert.equal(code, readFileSync(join(dir, 'devloop.ts'), 'utf8'));
    const d = devloop(dir, 'ci', '--dry-run');
    assert.equal(d.code, 0, d.stderr);
    const docs = yaml.loadAll(d.stdout) as any[];
    assert.deepEqual(
      docs.map((x) => `${x.kind}/${x.metadata.name}`),
      [`Deployment/${workload}`],
    );
    const containers = docs[0].spec.template.spec.containers;
    assert.equal(containers.length, 1);
    assert.equal(containers[0].name, workload);
    assert.match(containers[0].image, new RegExp(`^${image}:devloop-[0-9a-f]{16}$`));
    assert.match(d.stderr, new RegExp(`${image} ⇒ Deployment/${workload} spec\\.template\\.spec\\.containers\\[0\\]\\.image`));
    assert.match(d.stderr, resource);
  });
}

test('init --from writes devloop.ts next to the Tiltfile, lists TODOs with both lines, and refuses to overwrite', () => {
  const dir = writeProject({ Tiltfile: "k8s_yaml('a.yaml')\nlocal_git_repo('.')\n" });
  dirs.push(dir);
  const r = devloop(dir, 'init', '--from', 'Tiltfile');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Wrote devloop\.ts from Tiltfile: 1 statement translated, 1 left as comments to port by hand, 0 to check\./);
  assert.match(r.stderr, /Tiltfile:2 → devloop\.ts:\d+: devloop has no local_git_repo/);
  assert.match(readFileSync(join(dir, 'devloop.ts'), 'utf8'), /\/\/ local_git_repo\('\.'\)/);
  const again = devloop(dir, 'init', '--from', 'Tiltfile');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error: devloop\.ts already exists\nhint: give another file with -o FILE, or --force to overwrite it/);
  const missing = devloop(dir, 'init', '--from', 'Nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: Nope is not a file/);
});

/**
 * The extension helpers: ConfigMaps and Secrets equal to what `kubectl create ... --dry-run=client -o json` makes
 * from the same sources (kubectl is the oracle), their files watched; namespace_yaml/create/inject; dotenv.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { findOnPath } from '../../src/config/local-tool.js';
import { parseYamlSources } from '../../src/resolve/manifests.js';
import { parseYamlStream } from '../../src/config/yaml-codec.js';
import { writeProject, removeProject } from '../helpers/project.js';

/**
 * The config runs in a worker thread: a value it stores in `g.out` reaches the test through a file in the project
 * (JSON; `undefined` stays undefined).
 */
function outChannel(dir: string): string {
  const file = JSON.stringify(join(dir, '.out.json'));
  return `import { writeFileSync as __w } from 'node:fs'; const g = { v: undefined as unknown, get out(): unknown { return this.v; }, set out(x: unknown) { this.v = x; __w(${file}, JSON.stringify({ x })); } };\n`;
}

function readOut(dir: string): any {
  try {
    return (JSON.parse(readFileSync(join(dir, '.out.json'), 'utf8')) as { x?: unknown }).x;
  } catch {
    return undefined;
  }
}

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const FILES = {
  'conf/app.ini': '[app]\ncolor = blue\n',
  'conf/limits.txt': 'max=10\n',
  'conf/logo.bin': '',
  'conf/sub/ignored.txt': 'not read: subdirectories are skipped\n',
  'one.json': '{"a": 1}\n',
  'app.env': '\uFEFF# comment\n  MODE=dev \nEMPTY=\nQUOTED="kept"\nFROM_ENV\n\nURL=http://x/?a=b=c\n',
};

function project(files: Record<string, string> = {}) {
  const dir = writeProject({ ...FILES, ...files });
  writeFileSync(join(dir, 'conf/logo.bin'), Buffer.from([0x89, 0x50, 0xff, 0xfe, 0x00]));
  dirs.push(dir);
  return dir;
}

async function evalBody(dir: string, body: string) {
  writeFileSync(join(dir, 'devloop.ts'), `import * as d from 'devloop';\n${outChannel(dir)}${body}\n`);
  const result = await evaluateConfig(findConfig(dir));
  return { result, out: readOut(dir) };
}

function kubectl(dir: string, args: string[]): { ok: true; obj: unknown } | { ok: false; err: string } {
  const r = spawnSync('kubectl', [...args, '--dry-run=client', '-o', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FROM_ENV: 'from-the-environment' },
  });
  if (r.status !== 0) return { ok: false, err: r.stderr.trim() };
  const obj = JSON.parse(r.stdout) as { metadata: Record<string, unknown> };
  delete obj.metadata.creationTimestamp;
  return { ok: true, obj };
}

const hasKubectl = findOnPath('kubectl') ? false : 'kubectl is not on PATH (it is the oracle)';

const CASES: { name: string; call: string; kubectl: string[] }[] = [
  {
    name: 'files and key=path',
    call: `d.configmap_yaml('cm', { from_file: ['conf/app.ini', 'lim=conf/limits.txt'] })`,
    kubectl: ['create', 'configmap', 'cm', '--from-file', 'conf/app.ini', '--from-file', 'lim=conf/limits.txt'],
  },
  {
    name: 'a directory (binary file to binaryData) with a namespace',
    call: `d.configmap_yaml('cm', { namespace: 'dev', from_file: 'conf' })`,
    kubectl: ['create', 'configmap', 'cm', '-n', 'dev', '--from-file', 'conf'],
  },
  { name: 'an env file', call: `d.configmap_yaml('cm', { from_env_file: 'app.env' })`, kubectl: ['create', 'configmap', 'cm', '--from-env-file', 'app.env'] },
  {
    name: 'configmap_from_dict',
    call: `d.configmap_from_dict('cm', { namespace: 'x', inputs: { B: 'two=2', A: 1, C: true } })`,
    kubectl: ['create', 'configmap', 'cm', '-n', 'x', '--from-literal', 'B=two=2', '--from-literal', 'A=1', '--from-literal', 'C=true'],
  },
  {
    name: 'secret from files',
    call: `d.secret_yaml_generic('s', { from_file: ['conf/app.ini', 'key=conf/logo.bin'], secret_type: 'example.com/thing' })`,
    kubectl: ['create', 'secret', 'generic', 's', '--from-file', 'conf/app.ini', '--from-file', 'key=conf/logo.bin', '--type', 'example.com/thing'],
  },
  {
    name: 'secret from an env file',
    call: `d.secret_yaml_generic('s', { namespace: 'dev', from_env_file: 'app.env' })`,
    kubectl: ['create', 'secret', 'generic', 's', '-n', 'dev', '--from-env-file', 'app.env'],
  },
  {
    name: 'secret_from_dict',
    call: `d.secret_from_dict('s', { inputs: { PASSWORD: 'p@ss word', N: 3 } })`,
    kubectl: ['create', 'secret', 'generic', 's', '--from-literal', 'PASSWORD=p@ss word', '--from-literal', 'N=3'],
  },
  {
    name: 'an invalid key',
    call: `d.configmap_yaml('cm', { from_file: 'b@d=one.json' })`,
    kubectl: ['create', 'configmap', 'cm', '--from-file', 'b@d=one.json'],
  },
  {
    name: 'a duplicate key',
    call: `d.configmap_yaml('cm', { from_file: ['one.json', 'one.json=conf/app.ini'] })`,
    kubectl: ['create', 'configmap', 'cm', '--from-file', 'one.json', '--from-file', 'one.json=conf/app.ini'],
  },
  {
    name: 'env file with files',
    call: `d.secret_yaml_generic('s', { from_file: 'one.json', from_env_file: 'app.env' })`,
    kubectl: ['create', 'secret', 'generic', 's', '--from-file', 'one.json', '--from-env-file', 'app.env'],
  },
];

test('configmap_* and secret_* make the objects kubectl create --dry-run makes from the same sources, and refuse what it refuses', {
  skip: hasKubectl,
}, async (t) => {
  const dir = project();
  process.env.FROM_ENV = 'from-the-environment';
  try {
    for (const c of CASES) {
      await t.test(c.name, async () => {
        const expected = kubectl(dir, c.kubectl);
        const { result, out } = await evalBody(dir, `g.out = ${c.call};`);
        if (!expected.ok) {
          assert.equal(result.ok, false, `kubectl refused (${expected.err}); devloop must too`);
          if (!result.ok) {
            const word = /not a valid key name|already exists|cannot be combined/.exec(expected.err)?.[0];
            assert.ok(word, expected.err);
            assert.ok(result.error.message.includes(word!), `${result.error.message} should say "${word}" as kubectl does: ${expected.err}`);
            assert.equal(result.error.location?.line, 3);
          }
          return;
        }
        assert.ok(result.ok, result.ok ? '' : result.error.message);
        assert.deepEqual(parseYamlStream(out as string), [expected.obj]);
      });
    }
  } finally {
    delete process.env.FROM_ENV;
  }
});

test('configmap_create / secret_create_generic deploy the object, and the files they read are watched (watch: false opts out)', async () => {
  const dir = project();
  const { result } = await evalBody(
    dir,
    [
      `d.configmap_create('cm', { from_file: ['conf', 'lim=conf/limits.txt'] });`,
      `d.configmap_create('cm2', { from_env_file: 'app.env', watch: false });`,
      `d.secret_create_generic('s', { from_file: 'k=one.json' });`,
    ].join('\n'),
  );
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const objs = parseYamlSources(result.plan.yaml).map((o) => `${o.object.kind}/${o.object.metadata.name}`);
  assert.deepEqual(objs, ['ConfigMap/cm', 'ConfigMap/cm2', 'Secret/s']);
  for (const f of ['conf', 'conf/app.ini', 'conf/limits.txt', 'conf/logo.bin', 'one.json'])
    assert.ok(result.plan.filesRead.includes(join(dir, f)), `${f} watched`);
  assert.ok(!result.plan.filesRead.includes(join(dir, 'app.env')), 'watch: false');
  const missing = await evalBody(dir, `\nd.configmap_create('cm');`);
  assert.equal(missing.result.ok, false);
  if (!missing.result.ok) {
    assert.match(missing.result.error.message, /configmap_create: no configmap source given/);
    assert.equal(missing.result.error.location?.line, 4);
  }
});

test("namespace_yaml / namespace_create make a Namespace with annotations and labels (as 'k: v' strings or objects)", async () => {
  const dir = project();
  const { result, out } = await evalBody(
    dir,
    [
      `g.out = d.namespace_yaml('dev', { labels: ['team: web'], annotations: { note: 'x' } });`,
      `d.namespace_create('dev', { labels: ['team: web'] });`,
      `d.namespace_create('dev', { allow_duplicates: true });`,
    ].join('\n'),
  );
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.equal(out, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  annotations:\n    note: x\n  labels:\n    team: web\n  name: dev\n');
  assert.deepEqual(
    result.plan.yaml.map((y) => y.allowDuplicates),
    [false, true],
  );
});

test('namespace_inject sets the namespace on objects, pod templates and ServiceAccount subjects, from a file (watched) or YAML text', async () => {
  const dir = project({
    'app.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web, namespace: old }',
      'spec: { template: { metadata: { labels: { a: b } }, spec: { containers: [ { name: c, image: i } ] } } }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: rb }',
      'subjects: [ { kind: ServiceAccount, name: sa, namespace: old }, { kind: User, name: u } ]',
      'roleRef: { kind: Role, name: r, apiGroup: rbac.authorization.k8s.io }',
      '',
    ].join('\n'),
  });
  const { result, out } = await evalBody(
    dir,
    `g.out = [d.namespace_inject('app.yaml', 'dev'), d.namespace_inject(d.read_file('app.yaml'), 'qa')];\nd.k8s_yaml((g.out as string[])[0]);`,
  );
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const [fromFile, fromText] = (out as string[]).map(
    (t) =>
      parseYamlStream(t) as {
        metadata: { namespace: string };
        spec?: { template: { metadata: { namespace: string } } };
        subjects?: { namespace?: string }[];
      }[],
  );
  assert.equal(fromFile[0].metadata.namespace, 'dev');
  assert.equal(fromFile[0].spec!.template.metadata.namespace, 'dev');
  assert.equal(fromFile[1].metadata.namespace, 'dev');
  assert.deepEqual(
    fromFile[1].subjects!.map((s) => s.namespace),
    ['dev', undefined],
  );
  assert.equal(fromText[0].metadata.namespace, 'qa');
  assert.ok(result.plan.filesRead.includes(join(dir, 'app.yaml')));
  assert.equal(parseYamlSources(result.plan.yaml)[0].object.metadata.namespace, 'dev');
  const bad = await evalBody(dir, `d.namespace_inject('just: a scalar map\\n', 'x');`);
  assert.equal(bad.result.ok, false);
  if (!bad.result.ok) assert.match(bad.result.error.message, /namespace_inject: cannot inject a namespace into an object without a metadata field/);
});

test('dotenv loads KEY=VALUE lines into process.env as the extension does; a missing file is a warning; the file is watched', async () => {
  const dir = project({ '.env': '# c\nDL_A=1\nDL_B = " spaced "\nDL_C=\'single\'\nDL_D="multi\nline"\n\nDL_E=x=y\n', 'bad.env': 'DL_OK=1\nnot a pair\n' });
  try {
    const { result, out } = await evalBody(
      dir,
      `d.dotenv();\nd.dotenv({ fn: 'missing.env' });\ng.out = d.local('echo "$DL_A|$DL_B|$DL_C|$DL_D|$DL_E"', { quiet: true });`,
    );
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(out, '1| spaced |single|multi\nline|x=y\n');
    assert.ok(result.plan.filesRead.includes(join(dir, '.env')));
    assert.ok(result.plan.filesRead.includes(join(dir, 'missing.env')), 'a missing file is watched so creating it is noticed');
    assert.match(result.plan.warnings.map((w) => w.message).join('\n'), /dotenv: environment variables file not found: 'missing\.env'/);
    const bad = await evalBody(dir, `d.dotenv('bad.env');`);
    assert.equal(bad.result.ok, false);
    if (!bad.result.ok)
      assert.deepEqual(
        [bad.result.error.location, /invalid line "not a pair"/.test(bad.result.error.message)],
        [{ file: join(dir, 'bad.env'), line: 2 }, true],
      );
  } finally {
    for (const k of ['DL_A', 'DL_B', 'DL_C', 'DL_D', 'DL_E', 'DL_OK']) delete process.env[k];
  }
});

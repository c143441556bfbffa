/**
 * What devloop prints and sends is what kubectl reads from the user's file: `ci --dry-run` (YAML and JSON) read
 * back by kubectl equals kubectl's reading of the original, integers beyond 2^53 included; the apply body keeps
 * them exact; YAML kubectl refuses (an alias bomb, .inf) makes `ci --dry-run` exit 1 with file:line, no stack.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { repoRoot, writeProject, removeProject } from '../helpers/project.js';
import { Rest } from '../../src/adapters/k8s/rest.js';

const bin = join(repoRoot, 'bin/devloop.js');
const dirs: string[] = [];
after(() => dirs.forEach(removeProject));
const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const noKubectl = probe.error || probe.status !== 0 ? 'kubectl is not on PATH: it is the oracle of this test' : false;

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: tricky
data:
  flag: "yes"
  mode: "0755"
  day: "2024-01-01"
extra:
  defaultMode: 0755
  enabled: on
  short: y
  count: 1_000
  big: 9007199254740993
  min: -9223372036854775808
  day: 2024-01-01
  text: ["yes", "0755", "1_000", "2024-01-01", "190:20:30", "~", "", "y"]
`;

function devloop(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl's reading of a file, as JSON text with the annotation it adds removed; integers exact. */
function kubectlJson(file: string): unknown {
  const r = spawnSync('kubectl', ['annotate', '--local', '-f', file, 'k=v', '-o', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/nonexistent' },
  });
  assert.equal(r.status, 0, r.stderr);
  const obj = parse(r.stdout, { intAsBigInt: true }) as any;
  for (const o of obj.kind === 'List' ? obj.items : [obj]) {
    delete o.metadata.annotations.k;
    if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
  }
  return obj;
}

test('ci --dry-run prints, in YAML and in JSON, objects that kubectl reads exactly as it reads the original file', { skip: noKubectl }, () => {
  const dir = writeProject({ 'app.yaml': MANIFEST, 'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n" });
  dirs.push(dir);
  const want = kubectlJson(join(dir, 'app.yaml'));
  const y = devloop(dir, 'ci', '--dry-run');
  assert.equal(y.code, 0, y.stderr);
  writeFileSync(join(dir, 'out.yaml'), y.stdout);
  assert.deepEqual(kubectlJson(join(dir, 'out.yaml')), want);
  const j = devloop(dir, 'ci', '--dry-run', '-o', 'json');
  assert.equal(j.code, 0, j.stderr);
  assert.match(j.stdout, /"big": 9007199254740993,/);
  writeFileSync(join(dir, 'out.json'), j.stdout);
  const read = kubectlJson(join(dir, 'out.json')) as any; // a List of one object is printed as the object
  assert.deepEqual(read.kind === 'List' ? read.items[0] : read, want);
});

test('YAML kubectl refuses stops ci --dry-run at once with file:line, a hint and no stack trace (issue 10 item 11)', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++)
    levels.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  const dir = writeProject({
    'good.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n',
    'bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
    'devloop.ts': "import { k8s_yaml } from 'devloop';\nk8s_yaml(['good.yaml', 'bomb.yaml']);\n",
  });
  dirs.push(dir);
  const t0 = performance.now();
  const r = devloop(dir, 'ci', '--dry-run');
  assert.ok(performance.now() - t0 < 20_000, 'refused quickly');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '', 'nothing printed (nothing would be applied)');
  assert.match(r.stderr, /bomb\.yaml:\d+:\d+: invalid YAML: document contains excessive aliasing/);
  assert.match(r.stderr, /hint: /);
  assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
});

test('the apply body sends integers beyond 2^53 exactly', async () => {
  let body = '';
  const server = createServer((req, res) => {
    req.on('data', (c) => (body += c));
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const kc = new KubeConfig();
    const port = (server.address() as { port: number }).port;
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const rest = new Rest(kc);
    await rest.request('PATCH', '/api/v1/namespaces/default/configmaps/x', {
      body: { spec: { big: 9007199254740993n, small: 1 } },
      contentType: 'application/apply-patch+yaml',
    });
    rest.close();
    assert.equal(body, '{"spec":{"big":9007199254740993,"small":1}}');
  } finally {
    server.close();
  }
});

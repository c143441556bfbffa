/** read_yaml / decode_yaml / encode_yaml and the JSON helpers: YAML 1.1 as kubectl reads it, watched files, located errors. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { parseYamlSources } from '../../src/resolve/manifests.js';
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

/** Evaluates a devloop.ts whose last statement stores a value in g.out; returns it with the plan. */
async function run(body: string, files: Record<string, string> = {}) {
  const dir = writeProject(files);
  writeFileSync(join(dir, 'devloop.ts'), `import * as d from 'devloop';\n${outChannel(dir)}${body}\n`);
  dirs.push(dir);
  const result = await evaluateConfig(findConfig(dir));
  return { dir, result, out: readOut(dir) };
}

test('read_yaml reads YAML 1.1 as kubectl does: octal, on/y booleans (also as keys), dates stay strings, last duplicate key wins, merge keys', async () => {
  const { dir, result, out } = await run(`g.out = d.read_yaml('v.yaml');`, {
    'v.yaml': 'mode: 0755\nflag: on\nanswer: y\nday: 2024-01-01\nbig: 1_000\nk: 1\nk: 2\nbase: &b { x: 1 }\nm: { <<: *b, y: 2, q: 3 }\n',
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.deepEqual(out, { mode: 493, flag: true, answer: true, day: '2024-01-01', big: 1000, k: 2, base: { x: 1 }, m: { x: 1, true: 2, q: 3 } });
  assert.ok(result.plan.filesRead.includes(join(dir, 'v.yaml')), 'the file is watched');
});

test('read_yaml and read_json return the default for a missing file, and still watch it so creating it re-evaluates', async () => {
  const { dir, result, out } = await run(`g.out = [d.read_yaml('nope.yaml', { a: 1 }), d.read_yaml_stream('nope2.yaml', []), d.read_json('nope.json', 7)];`);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.deepEqual(out, [{ a: 1 }, [], 7]);
  for (const f of ['nope.yaml', 'nope2.yaml', 'nope.json']) assert.ok(result.plan.filesRead.includes(join(dir, f)), f);
});

test('read_yaml without a default: a missing file is an error naming the call line and the path', async () => {
  const { result } = await run(`g.out = d.read_yaml('nope.yaml');`);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.error.code, 'config-path-missing');
  assert.match(result.error.message, /read_yaml: file 'nope\.yaml' does not exist/);
  assert.equal(result.error.location?.line, 3);
});

test('invalid YAML in a file is reported at that file and line; in text, at the call with the line inside the text', async () => {
  const a = await run(`d.read_yaml_stream('bad.yaml');`, { 'bad.yaml': 'a: 1\n---\nb: [1\nc: 2\n' });
  assert.equal(a.result.ok, false);
  if (!a.result.ok) {
    assert.equal(a.result.error.code, 'config-yaml-invalid');
    assert.equal(a.result.error.location?.file, join(a.dir, 'bad.yaml'));
    assert.equal(a.result.error.location?.line, 4);
  }
  const b = await run(`d.decode_yaml('a: 1\\nb: [1\\nc: 2\\n');`);
  assert.equal(b.result.ok, false);
  if (!b.result.ok) {
    assert.match(b.result.error.message, /decode_yaml: invalid YAML at line 3 of the text/);
    assert.deepEqual(b.result.error.location, { file: join(b.dir, 'devloop.ts'), line: 3 });
  }
});

test('decode_yaml refuses a stream (use decode_yaml_stream); an empty document is null; empty stream documents are dropped', async () => {
  const { result } = await run(`d.decode_yaml('a: 1\\n---\\nb: 2\\n');`);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(`${result.error.message} ${result.error.hint}`, /stream of 2.*decode_yaml_stream/);
  const ok = await run(`g.out = [d.decode_yaml(''), d.decode_yaml_stream('---\\na: 1\\n---\\n---\\nb: 2\\n')];`);
  assert.ok(ok.result.ok);
  assert.deepEqual(ok.out, [null, [{ a: 1 }, { b: 2 }]]);
});

test('encode_yaml sorts keys and quotes YAML 1.1 words; encode_yaml_stream joins with ---; k8s_yaml takes the text', async () => {
  const { result, out } = await run(
    [
      `const objs = d.decode_yaml_stream(d.read_file('cm.yaml'));`,
      `(objs[0] as any).data.on = 'yes';`,
      `const text = d.encode_yaml_stream(objs);`,
      `d.k8s_yaml(text);`,
      `g.out = [d.encode_yaml({ z: 'n', a: ['on', '0755', 1.5, true, null] }), text];`,
    ].join('\n'),
    { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { k: v }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n' },
  );
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  const [one, stream] = out as string[];
  assert.equal(one, 'a:\n- "on"\n- "0755"\n- 1.5\n- true\n- null\nz: "n"\n');
  assert.equal(
    stream,
    'apiVersion: v1\ndata:\n  k: v\n  "on": "yes"\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
  );
  const objects = parseYamlSources(result.plan.yaml).map((o) => o.object);
  assert.deepEqual(
    objects.map((o) => o.metadata.name),
    ['a', 'b'],
  );
  assert.deepEqual((objects[0] as unknown as { data: unknown }).data, { k: 'v', on: 'yes' });
});

test('encode_yaml refuses what YAML for Kubernetes cannot hold (undefined, functions, NaN, cycles), naming the field', async () => {
  const { result } = await run(`const o: any = { a: { b: [1, NaN] } };\nd.encode_yaml(o);`);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error.message, /encode_yaml: the value\.a\.b\[1\] is NaN/);
  const cyc = await run(`const o: any = { a: {} };\no.a.self = o;\nd.encode_json(o);`);
  assert.equal(cyc.result.ok, false);
  if (!cyc.result.ok) assert.match(cyc.result.error.message, /encode_json: the value\.a\.self refers back to itself/);
});

test('read_json / decode_json / encode_json: watched file, two-space indent with sorted keys, invalid JSON located', async () => {
  const { dir, result, out } = await run(`g.out = [d.read_json('p.json'), d.decode_json('[1, "a"]'), d.encode_json({ b: 1, a: { d: [true], c: null } })];`, {
    'p.json': '{ "name": "x", "n": 2 }',
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  assert.deepEqual(out, [{ name: 'x', n: 2 }, [1, 'a'], '{\n  "a": {\n    "c": null,\n    "d": [\n      true\n    ]\n  },\n  "b": 1\n}\n']);
  assert.ok(result.plan.filesRead.includes(join(dir, 'p.json')));
  const bad = await run(`d.read_json('p.json');`, { 'p.json': '{\n  "a": 1,\n  "b" 2\n}\n' });
  assert.equal(bad.result.ok, false);
  if (!bad.result.ok) {
    assert.equal(bad.result.error.code, 'config-json-invalid');
    assert.equal(bad.result.error.location?.file, join(bad.dir, 'p.json'));
    assert.equal(bad.result.error.location?.line, 3);
    assert.match(bad.result.error.message, /^read_json: invalid JSON: \S/);
  }
});

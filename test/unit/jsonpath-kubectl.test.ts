/**
 * Differential test of JSONPath: devloop's evaluation (model/jsonpath.ts) against kubectl's own, on one object.
 * The templates are client-go's (k8s.io/client-go/util/jsonpath/jsonpath_test.go: TestTypesInput, TestJSONInput,
 * TestKubernetes, TestNegativeIndex, TestStep, with their data moved into one object), plus filters and errors
 * written for devloop. The oracle: `kubectl annotate --local -f FILE k=v -o jsonpath=T
 * --allow-missing-template-keys=false` (no cluster; missing keys are errors, as in Tilt). devloop's matches
 * are printed as client-go prints them and must equal kubectl's output; what kubectl refuses, devloop refuses.
 * Skipped, saying why, when kubectl is not on PATH.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlDocuments } from '../../src/model/yaml.js';
import { compileJsonPath, evalJsonPathGroups, isMap } from '../../src/model/jsonpath.js';

const dir = mkdtempSync(join(tmpdir(), 'devloop-jsonpath-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const skip = probe.error || probe.status !== 0 ? 'kubectl is not on PATH: it is the oracle of this test' : false;

const container = (n: number) => ({ image: 'radial/busyboxplus:curl', name: `fake${n}` });
const object = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'jp' },
  // client-go TestTypesInput
  types: {
    bools: [true, false, true, false],
    integers: [1, 2, 3, 4],
    floats: [1.0, 2.2, 3.3, 4.0],
    strings: ['one', 'two', 'three', 'four'],
    interfaces: [true, 'one', 1, 1.1],
    maps: [
      { name: 'one', value: 1 },
      { name: 'two', value: 2.02 },
      { name: 'three', value: 3.03 },
      { name: 'four', value: 4.04 },
    ],
  },
  // client-go TestJSONInput
  points: [
    { id: 'i1', x: 4, y: -5 },
    { id: 'i2', x: -2, y: -5, z: 1 },
    { id: 'i3', x: 8, y: 3 },
    { id: 'i4', x: -6, y: -1 },
    { id: 'i5', x: 0, y: 2, z: 1 },
    { id: 'i6', x: 1, y: 4 },
    { id: 'i7', x: null, y: 4 },
  ],
  // devloop: the points without the null x, for comparisons that succeed
  pts: [
    { id: 'i1', x: 4, y: -5 },
    { id: 'i2', x: -2, y: -5, z: 1 },
    { id: 'i3', x: 8, y: 3 },
    { id: 'i6', x: 1, y: 4.5 },
  ],
  // client-go TestKubernetes (its items are 'nodes' here: kubectl would read an object with items as a List)
  nodes: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
  // client-go TestNegativeIndex / TestStep
  spec: { containers: [container(0), container(1), container(2), container(3)] },
};

type Case = [template: string, from: 'client-go' | 'devloop', unordered?: boolean];
const cases: Case[] = [
  ...['bools', 'integers', 'floats', 'strings', 'interfaces'].flatMap((k): Case[] =>
    [
      `{ .types.${k} }`,
      `{ .types.${k}[0] }`,
      `{ .types.${k}[-1] }`,
      `{ .types.${k}[-2] }`,
      `{ .types.${k}[0:2] }`,
      `{ .types.${k}[:2] }`,
      `{ .types.${k}[:4:2] }`,
    ].map((t) => [t, 'client-go']),
  ),
  ['{ .types.maps }', 'client-go'],
  ['{ .types.maps[0] }', 'client-go'],
  ['{ .types.maps[-2] }', 'client-go'],
  ['{ .types.maps[0:2] }', 'client-go'],
  ['{ .types.maps[::2] }', 'client-go'],
  ['{ .types.maps[1::2] }', 'client-go'],
  ['{.points[?(@.z)].id}', 'client-go'],
  ["{.points[0]['id']}", 'client-go'],
  ["{.points[-1]['x']}", 'client-go'],
  ['{.nodes[*].status.addresses[*].address}', 'client-go'],
  ['{.nodes[*].metadata.name}', 'client-go'],
  ["{.nodes[*]['metadata.name', 'status.capacity']}", 'client-go'],
  ['{.users[?(@.name=="e2e")].user.password}', 'client-go'],
  ['{.nodes[0].metadata.labels.kubernetes\\.io/hostname}', 'client-go'],
  ['{.nodes[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', 'client-go'],
  ['{.nodes[?(@..ready==true)].metadata.name}', 'client-go'],
  ['{..name}', 'client-go', true],
  ...[
    '[0]',
    '[0:0]',
    '[0:-1]',
    '[-1:0]',
    '[-1]',
    '[-1:]',
    '[-2]',
    '[-2:]',
    '[-3]',
    '[-4]',
    '[-4:]',
    '[-5]',
    '[5:5]',
    '[-5:-5]',
    '[3:1]',
    '[0:]',
    '[0:6:]',
    '[0:4:1]',
    '[0:4:0]',
    '[0:4:-1]',
    '[1:4:2]',
    '[1:4:3]',
    '[1:4:4]',
  ].map((s): Case => [`{.spec.containers${s}.name}`, 'client-go']),
  // devloop: comparisons, unions, wildcards, errors
  ['{.pts[?(@.x<0)].id}', 'devloop'],
  ['{.pts[?(@.x>=1)].id}', 'devloop'],
  ['{.pts[?(@.x!=4)].id}', 'devloop'],
  ['{.pts[?(@.x > 1)].id}', 'devloop'],
  ['{.pts[?(@.y<=-1)].id}', 'devloop'],
  ['{.pts[?(@.y>4.2)].id}', 'devloop'],
  ['{.pts[?(@.x==1.0)].id}', 'devloop'],
  ['{.pts[?(@.z==1)].id}', 'devloop'],
  ['{.points[?(@.x>0)].id}', 'devloop'],
  ['{.points[0:6][?(@.x<0)].id}', 'devloop'],
  ['{.pts[?(@.x==-2)].y}', 'devloop'],
  ['{.pts[*].y}', 'devloop'],
  ['{.users[?(@.name<"f")].name}', 'devloop'],
  ["{.users[?(@.name=='e2e')].user.username}", 'devloop'],
  ['{.spec.containers[0,2].name}', 'devloop'],
  ['{.spec.containers[*].image}', 'devloop'],
  ['{.nodes[0].status.capacity.*}', 'devloop'],
  ['{..image}', 'devloop', true],
  ['{.spec..name}', 'devloop'],
  ['{.spec.nothing}', 'devloop'],
  ['{.nodes[*].nothing}', 'devloop'],
  ["{.nodes[0].metadata.labels['kubernetes.io/hostname']}", 'devloop'],
  ['{.nodes[0]["metadata"]}', 'devloop'],
  ['x{.kind}y{.metadata.name}', 'devloop'],
  ['{.kind}{.metadata.name}', 'devloop'],
  ['{.spec.containers[?(@.name=="fake1")].image}', 'devloop'],
  ['{.spec.containers[?(@.name[5])].name}', 'devloop'],
  ['{.spec.containers[?(@[0])].name}', 'devloop'],
  ['{.spec.containers[?(@.name.x)].name}', 'devloop'],
  ['{.types.strings[0].*}', 'devloop'],
  ['{.metadata.name[0]}', 'devloop'],
  ['{.points[?(@.q=="a")].id}', 'devloop'],
];

/** Go's %v of a float64 (strconv 'g', shortest). */
function goFloat(f: number): string {
  const [mant, e] = f.toExponential().split('e') as [string, string];
  const x = Number(e);
  if (x < -4 || x >= 21) return `${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return String(f);
}

/** Go's json.Marshal: map keys sorted. */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isMap(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** client-go's PrintResults for each group, one after the other. */
function printAsClientGo(groups: { value: unknown }[][]): string {
  const text = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (Array.isArray(v) || isMap(v)) return goJson(v);
    if (typeof v === 'number' && !Number.isInteger(v)) return goFloat(v);
    return String(v);
  };
  return groups.map((g) => g.map((m) => text(m.value)).join(' ')).join('');
}

const file = join(dir, 'object.json');
writeFileSync(file, JSON.stringify(object));
const parsed = parseYamlDocuments(JSON.stringify(object), file)[0]!.value as Record<string, any>;
parsed.metadata.annotations = { k: 'v' }; // what kubectl annotate adds before printing

for (const [template, from, unordered] of cases) {
  test(`jsonpath as kubectl evaluates it (${from}): ${template}`, { skip }, () => {
    const r = spawnSync('kubectl', ['annotate', '--local', '-f', file, 'k=v', '--allow-missing-template-keys=false', '-o', `jsonpath=${template}`], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, KUBECONFIG: join(dir, 'none') },
    });
    let got: string | undefined;
    let error: Error | undefined;
    try {
      got = printAsClientGo(evalJsonPathGroups(compileJsonPath(template), parsed));
    } catch (e) {
      error = e as Error;
    }
    if (r.status === 0) {
      assert.equal(error, undefined, `kubectl printed ${JSON.stringify(r.stdout)}, devloop failed: ${error?.message}`);
      if (unordered) assert.deepEqual(got!.split(' ').sort(), r.stdout.split(' ').sort());
      else assert.equal(got, r.stdout);
    } else {
      assert.ok(error, `kubectl refused it (${r.stderr.trim()}), devloop printed ${JSON.stringify(got)}`);
    }
  });
}

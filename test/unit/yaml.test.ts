/** YAML as kubectl reads it (model/yaml.ts), the exact JSON writer, and how manifests report YAML errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlDocuments, stringifyYaml } from '../../src/model/yaml.js';
import { stringifyJson } from '../../src/model/exact-json.js';
import { DevloopError } from '../../src/model/errors.js';
import { parseYamlSources } from '../../src/resolve/manifests.js';
import { renderObjects } from '../../src/cli/commands/ci.js';

const read = (text: string) => parseYamlDocuments(text, 'm.yaml')[0]!.value as Record<string, any>;

function refusal(text: string, file = 'm.yaml'): DevloopError {
  try {
    parseYamlDocuments(text, file);
  } catch (e) {
    assert.ok(e instanceof DevloopError, String(e));
    return e;
  }
  assert.fail('expected the YAML to be refused');
}

test('YAML 1.1 scalars are typed as kubectl types them: octal modes, y/on/off booleans, 1_000, 0b, sexagesimal and dates as text', () => {
  const v = read(
    'defaultMode: 0755\nmode: 0o644\nflags: [y, n, on, off, yes, NO, "y"]\nnums: [1_000, 0b101, 0x1F, +12, 08]\nsexa: 190:20:30\nday: 2024-01-01\n',
  );
  assert.equal(v.defaultMode, 493);
  assert.equal(v.mode, 420);
  assert.deepEqual(v.flags, [true, false, true, false, true, false, 'y']);
  assert.deepEqual(v.nums, [1000, 5, 31, 12, 8]);
  assert.equal(v.sexa, '190:20:30');
  assert.equal(v.day, '2024-01-01');
});

test('integers that fit int64 stay exact (BigInt beyond 2^53) and are written back as plain digits', () => {
  const v = read('a: 9007199254740993\nb: -9223372036854775808\nc: 18446744073709551615\nd: 42\n');
  assert.equal(v.a, 9007199254740993n);
  assert.equal(v.b, -9223372036854775808n);
  assert.equal(v.c, 18446744073709551615, 'beyond int64 kubectl has a float64');
  assert.equal(v.d, 42);
  assert.equal(stringifyJson(v), '{"a":9007199254740993,"b":-9223372036854775808,"c":18446744073709552000,"d":42}');
  assert.equal(JSON.stringify({ x: 9007199254740993n }), '{"x":"9007199254740993"}', 'a plain JSON.stringify (hashes) does not throw');
  const json = renderObjects([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, big: 9007199254740993n }], 'json');
  assert.match(json, /"big": 9007199254740993\n/);
  assert.match(renderObjects([{ big: 9007199254740993n }], 'yaml'), /^big: 9007199254740993$/m);
});

test('!!binary is decoded, a key written twice keeps the last value, << merges, keys become strings', () => {
  const v = read('bin: !!binary aGVsbG8=\ndup: 1\ndup: 2\nm:\n  <<: {a: 1, b: 2}\n  b: 3\nk:\n  1: x\n  yes: w\n  1.5: z\n');
  assert.equal(v.bin, 'hello');
  assert.equal(v.dup, 2);
  assert.deepEqual(v.m, { a: 1, b: 3 });
  assert.deepEqual(v.k, { '1': 'x', true: 'w', '1.5': 'z' });
});

test('.inf and .nan are refused at their line, as kubectl refuses them', () => {
  const e = refusal('apiVersion: v1\nkind: ConfigMap\nx:\n  y: .inf\n');
  assert.equal(e.where, 'm.yaml:4:6');
  assert.match(e.message, /infinity/);
  assert.equal(refusal('a: 1\nb: [.NaN]\n').location?.line, 2);
});

test('an anchor that holds an alias to itself is refused at the alias, without overflowing the stack', () => {
  const e = refusal('a: 1\nb: &x\n  c: [1, *x]\n');
  assert.equal(e.where, 'm.yaml:3:10');
  assert.match(e.message, /anchor 'x' value contains itself/);
});

test('an alias bomb is refused at once at file:line, as go-yaml limits it (issue 10 item 11)', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const t0 = performance.now();
  const rss0 = process.memoryUsage().rss;
  const e = refusal(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${levels.join('\n')}\n`, 'bomb.yaml');
  assert.match(e.message, /document contains excessive aliasing/);
  assert.equal(e.location?.file, 'bomb.yaml');
  assert.ok(e.location?.line && e.location.line >= 4 && e.location.line <= 12, e.where);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  assert.ok(process.memoryUsage().rss - rss0 < 100 * 1024 * 1024, 'memory stays bounded');
  // Many aliases of a small anchor in a real manifest are fine.
  const ok = read(`x: &x {a: 1}\nl: [${Array(300).fill('*x').join(',')}]\n`);
  assert.equal(ok.l.length, 300);
});

test('strings YAML 1.1 would type are quoted on output, so what devloop prints reads back the same', () => {
  const value = {
    s: ['yes', 'y', 'N', 'on', 'OFF', '0755', '1_000', '0b1', '2024-01-01', '190:20:30', '~', '', 'null', '.inf', '1e3', '<<'],
    n: [493, 1.5, 9007199254740993n, true, null],
  };
  assert.deepEqual(read(stringifyYaml(value)), value);
});

test('manifests: a YAML error in a file names file:line; in inline text it names the k8s_yaml() call and the line of the text', () => {
  const loc = { file: '/p/devloop.ts', line: 7 };
  assert.throws(
    () =>
      parseYamlSources([
        {
          source: 'k8s/app.yaml',
          path: '/p/k8s/app.yaml',
          text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: .inf\n',
          allowDuplicates: false,
          loc,
        },
      ]),
    (e: DevloopError) => e.where === '/p/k8s/app.yaml:4:4' && /infinity/.test(e.message) && !!e.hint,
  );
  assert.throws(
    () => parseYamlSources([{ source: 'inline YAML', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: [\n', allowDuplicates: false, loc }]),
    (e: DevloopError) => e.where === '/p/devloop.ts:7' && /^invalid YAML in inline YAML: .*\(line \d+ of the text\)$/.test(e.message),
  );
  const objs = parseYamlSources([
    {
      source: 'a.yaml',
      path: '/p/a.yaml',
      text: '# lead\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {mode: 0755}\n',
      allowDuplicates: false,
      loc,
    },
  ]);
  assert.deepEqual(
    objs.map((o) => [o.loc.line, (o.object as any).data.mode]),
    [[3, 493]],
  );
});

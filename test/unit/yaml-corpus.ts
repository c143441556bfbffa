/**
 * Tricky YAML for the kubectl differential test (yaml-kubectl.test.ts). Each case is the body of a ConfigMap
 * (top-level keys beside apiVersion/kind/metadata), unless `whole` gives the entire document.
 * Origins:
 * - go-yaml v2: gopkg.in/yaml.v2 decode_test.go (`unmarshalTests` decoded into interface{} maps,
 *   `unmarshalErrorTests`, `mergeTests`), the decoder sigs.k8s.io/yaml uses under kubectl;
 * - sigs.k8s.io/yaml: yaml_test.go (`TestYAMLToJSON`: key conversion);
 * - devloop: cases written for issue 11 (the Kubernetes fields they stand for).
 * The expected objects are not written here: kubectl produces them.
 */
export interface YamlCase {
  from: 'go-yaml v2' | 'sigs.k8s.io/yaml' | 'devloop';
  body?: string;
  whole?: string;
}

const v2 = (body: string): YamlCase => ({ from: 'go-yaml v2', body });
const sigs = (body: string): YamlCase => ({ from: 'sigs.k8s.io/yaml', body });
const own = (body: string): YamlCase => ({ from: 'devloop', body });

export const HEADER = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';

export const corpus: YamlCase[] = [
  // go-yaml v2 unmarshalTests (interface{} results)
  v2('v: hi'),
  v2('v: true'),
  v2('v: 10'),
  v2('v: 0b10'),
  v2('v: 0xA'),
  v2('v: 0.1'),
  v2('v: .1'),
  v2('v: .Inf'),
  v2('v: -.Inf'),
  v2('v: -10'),
  v2('v: -.1'),
  v2('canonical: 6.8523e+5'),
  v2('expo: 685.230_15e+03'),
  v2('fixed: 685_230.15'),
  v2('neginf: -.inf'),
  v2('sexa: 190:20:30.15'),
  v2('notanum: .NaN'),
  v2('canonical: y'),
  v2('answer: NO'),
  v2('logical: True'),
  v2('option: on'),
  v2('canonical: 685230'),
  v2('decimal: +685_230'),
  v2('octal: 02472256'),
  v2('hexa: 0x_0A_74_AE'),
  v2('bin: 0b1010_0111_0100_1010_1110'),
  v2('bin: -0b101010'),
  v2('bin: -0b1000000000000000000000000000000000000000000000000000000000000000'),
  v2('sexa: 190:20:30'),
  v2('empty:'),
  v2('canonical: ~'),
  v2('english: null'),
  v2('seq: [A,B]'),
  v2('seq: [A,1,C]'),
  v2('seq:\n - A\n - B'),
  v2('seq:\n - A\n - 1\n - C'),
  v2('a: {b: c}'),
  v2(`'1': '"2"'`),
  v2("v: !!float '1.1'"),
  v2('v: !!float 0'),
  v2('v: !!float -1'),
  v2("v: !!null ''"),
  v2('v: ! test'),
  v2('foo: null'),
  v2('foo: ~'),
  v2('a: -b_c'),
  v2('a: +b_c'),
  v2('a: 50cent_of_dollar'),
  v2('a: {b: https://github.com/go-yaml/yaml}'),
  v2('a: [https://github.com/go-yaml/yaml]'),
  v2('First occurrence: &anchor Foo\nSecond occurrence: *anchor\nOverride anchor: &anchor Bar\nReuse anchor: *anchor'),
  { from: 'go-yaml v2', whole: `%TAG !y! tag:yaml.org,2002:\n---\n${HEADER}v: !y!int '1'\n` },
  // go-yaml v2 mergeTests
  v2(`anchors:
  list:
    - &CENTER { "x": 1, "y": 2 }
    - &LEFT   { "x": 0, "y": 2 }
    - &BIG    { "r": 10 }
    - &SMALL  { "r": 1 }
plain:
  "x": 1
  "y": 2
  "r": 10
  label: center/big
mergeOne:
  << : *CENTER
  "r": 10
  label: center/big
mergeMultiple:
  << : [ *CENTER, *BIG ]
  label: center/big
override:
  << : [ *BIG, *LEFT, *SMALL ]
  "x": 1
  label: center/big
shortTag:
  !!merge "<<" : [ *CENTER, *BIG ]
  label: center/big
inlineMap:
  << : {"x": 1, "y": 2, "r": 10}
  label: center/big
inlineSequenceMap:
  << : [ *CENTER, {"r": 10} ]
  label: center/big`),
  // go-yaml v2 unmarshalErrorTests (kubectl refuses them)
  v2("v: !!float 'error'"),
  v2('v: [A,'),
  v2('v:\n- [A,'),
  v2('a:\n- b: *,'),
  v2('a: *b'),
  v2('a: &a\n  b: *a'),
  v2('a: &x null\n<<:\n- *x\nb: &x {}'),
  v2('value: -'),
  v2('a: !!binary =='),
  v2('x: {[.]}'),
  v2('x: {{.}}'),
  v2('b: *a\na: &a {c: 1}'),
  v2('a:\n  1:\nb\n  2:'),
  v2(
    'a: &a [00,00,00,00,00,00,00,00,00]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n' +
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  ),
  // sigs.k8s.io/yaml TestYAMLToJSON
  sigs('t: a'),
  sigs('t: '),
  sigs('t: null'),
  sigs('x:\n  true: yes'),
  sigs('x:\n  false: yes'),
  sigs('x:\n  1: a'),
  sigs('x:\n  1000000000000000000000000000000000000: a'),
  sigs('x:\n  1e+36: a'),
  sigs('x:\n  "1e+36": a'),
  sigs('x:\n  "1.2": a'),
  sigs('x:\n- t: a\n- t:\n    b: 1\n    c: 2'),
  sigs('x: [{t: a}, {t: {b: 1, c: 2}}]'),
  // devloop: the Kubernetes fields issue 11 names
  own('defaultMode: 0755\nmode2: 0o644\nmode3: 0644'),
  own('flags: [y, Y, yes, Yes, YES, n, N, no, No, NO, on, On, ON, off, Off, OFF, true, false, "y", \'on\', yES, oN]'),
  own('n: [1_000, 0b1010, 0x_FF, +12, -0, 08, 09.5, 1e3, 1E-3, 6.8523015e+5, 1.]'),
  own('sexa: [190:20:30, 1:00, -1:30]'),
  own('dates: [2024-01-01, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10, 2024-13-01, 2024-1-2]'),
  own(
    'big: [9007199254740993, -9007199254740993, 9223372036854775807, -9223372036854775808, 9223372036854775808, 18446744073709551615, 18446744073709551616, 123456789012345678901234, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFFFF]',
  ),
  own('bin: !!binary aGVsbG8=\nbin2: !!binary |\n  aGVsbG8g\n  d29ybGQ=\nbin3: !!binary /w=='),
  own('dup: 1\ndup: 2\nnested:\n  a: 1\n  a: {b: 2}'),
  own('keys:\n  1: int\n  0x10: hex\n  1.5: float\n  1e3: exp\n  123456789.0: f32\n  yes: bool\n  2024-01-01: date'),
  own('x: .inf'),
  own('x: [-.INF]'),
  own('x:\n  y: .NaN'),
  own('x: &a [1, *a]'),
  own('x: &m {k: *m}'),
  own('x:\n  ~: nullkey'),
  own('x:\n  18446744073709551615: ukey'),
  own('x: !!int "12"\ny: !!str 12\nz: !!bool "yes"\nw: !!int 1.5'),
  own('x: !custom {a: 1}\ny: !custom 0755'),
  own('x:\n  <<: {a: 1}\n  a: 2\ny:\n  a: 2\n  <<: {a: 1}'),
  own('x: "<<"\ny: {"<<": 1}'),
  own('x: |\n  line1\n  0755\ny: >\n  folded\n  text'),
  own('x: [a: 1, b]'),
  own('x: 1e400\ny: -1e400'),
  own("x: \"a\\/b\"\ny: 'it''s'"),
  // devloop: how kubectl splits a stream, and a stream that starts with { (JSON to kubectl)
  { from: 'devloop', whole: `---\n# only a comment\n--- # a comment may follow\n${HEADER}x: 1\n---   \n` },
  { from: 'devloop', whole: `${HEADER}x: 1\n--- {a: 1}\n` },
  { from: 'devloop', whole: `${HEADER}x: 1\n----\n` },
  {
    from: 'devloop',
    whole:
      '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "x": 9007199254740993, "y": 1.0, "x": 2,\n "z": [1e3, -0, 12345678901234567890, 9.2e18, "0755", "yes"]}\n',
  },
  { from: 'devloop', whole: '  {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n' },
  // devloop: streams as tools write them (CRLF and a byte order mark, helm's comments, document end markers, Lists)
  { from: 'devloop', whole: `\ufeff${HEADER}x: 0755\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n`.replace(/\n/g, '\r\n') },
  {
    from: 'devloop',
    whole: `---\n# Source: chart/templates/a.yaml\n${HEADER}x: on\n---\n# Source: chart/templates/empty.yaml\n---\n# Source: chart/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData: {k: yes}\n`,
  },
  { from: 'devloop', whole: `${HEADER}x: 1\n...\n` },
  {
    from: 'devloop',
    whole:
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {m: "0755"}\n  x: 0755\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n',
  },
  { from: 'devloop', whole: `${HEADER}x:\n\ty: 1\n` },
  // devloop: characters go-yaml's reader refuses, and a JSON stream of several objects
  own('x: "a\x01b"'),
  own('x: a\x7fb'),
  own('x: "a\u009fb"'),
  own('x: "a\ufffeb"'),
  own('x: "tab\there, é, \u{1F600}"'),
  {
    from: 'devloop',
    whole:
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"x":0.5}\n  {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}\n',
  },
  { from: 'devloop', whole: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1",\n' },
  { from: 'devloop', whole: `${HEADER}x: &anchor\n  a: 1\n---\n${HEADER.replace('name: c', 'name: d')}y: *anchor\n` },
];

/**
 * Tilt's YAML and JSON builtins: read_yaml, read_yaml_stream, decode_yaml, decode_yaml_stream, encode_yaml,
 * encode_yaml_stream, read_json, decode_json, encode_json. Every read_* records its file as read, so
 * `devloop up` re-evaluates the config when it changes (also when it is missing and a default was used).
 */
import { asBlob, beginCall, failAt, readWatched, type Call } from './helper-call.js';
import { checkArg } from './options.js';
import { parseYamlStream, toYaml, toYamlStream, YamlParseError } from './yaml-codec.js';

/** Parses a YAML stream; errors point at the file's line, or at the call with the line inside the text. */
function decodeStream(c: Call, text: string, file?: string): unknown[] {
  try {
    return parseYamlStream(text);
  } catch (e) {
    if (!(e instanceof YamlParseError)) throw e;
    const { message, line, column } = e.info;
    if (file) failAt('config-yaml-invalid', `${c.fn}: invalid YAML: ${message}`, { file, line, column }, `fix the YAML in ${file}`);
    return failAt(
      'config-yaml-invalid',
      `${c.fn}: invalid YAML${line ? ` at line ${line} of the text` : ''}: ${message}`,
      c.loc,
      'fix the YAML text given here',
    );
  }
}

function single(c: Call, docs: unknown[], streamFn: string): unknown {
  if (docs.length === 0) return null;
  if (docs.length === 1) return docs[0];
  return failAt(
    'config-yaml-stream',
    `${c.fn}: expected one YAML document but found a stream of ${docs.length} (documents separated by ---)`,
    c.loc,
    `use ${streamFn}() to read a stream`,
  );
}

/** Reads one YAML document from a file (relative to devloop.ts); `default_value` if the file does not exist. */
export function read_yaml<T = any>(path: string, default_value?: T): T {
  const c = beginCall('read_yaml');
  checkArg(c.fn, 'path', 'string', path, c.loc, `read_yaml('config.yaml')`);
  const f = readWatched(c, path, 'file', default_value !== undefined);
  if (f.text === undefined) return default_value as T;
  return single(c, decodeStream(c, f.text, f.path), 'read_yaml_stream') as T;
}

/** Reads every document of a YAML stream from a file; `default_value` (a list) if the file does not exist. */
export function read_yaml_stream<T = any>(path: string, default_value?: T[]): T[] {
  const c = beginCall('read_yaml_stream');
  checkArg(c.fn, 'path', 'string', path, c.loc, `read_yaml_stream('app.yaml')`);
  if (default_value !== undefined && !Array.isArray(default_value)) failAt('config-bad-type', `${c.fn}: the default must be a list`, c.loc);
  const f = readWatched(c, path, 'file', default_value !== undefined);
  if (f.text === undefined) return default_value as T[];
  return decodeStream(c, f.text, f.path) as T[];
}

/** Parses one YAML document (null for an empty one). */
export function decode_yaml<T = any>(yaml: string): T {
  const c = beginCall('decode_yaml');
  checkArg(c.fn, 'yaml', 'string', yaml, c.loc, `decode_yaml(read_file('a.yaml'))`);
  return single(c, decodeStream(c, yaml), 'decode_yaml_stream') as T;
}

/** Parses a YAML stream into its documents (empty documents are dropped). */
export function decode_yaml_stream<T = any>(yaml: string): T[] {
  const c = beginCall('decode_yaml_stream');
  checkArg(c.fn, 'yaml', 'string', yaml, c.loc, `decode_yaml_stream(kustomize('deploy'))`);
  return decodeStream(c, yaml) as T[];
}

function checkEncodable(c: Call, v: unknown, path: string, seen: Set<unknown>): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) failAt('config-bad-value', `${c.fn}: ${path} is ${v}, which YAML and JSON for Kubernetes cannot hold`, c.loc);
    return;
  }
  if (typeof v !== 'object')
    failAt(
      'config-bad-type',
      `${c.fn}: ${path} is ${v === undefined ? 'undefined' : `a ${typeof v}`}; only strings, numbers, booleans, null, lists and objects can be encoded`,
      c.loc,
    );
  if (seen.has(v)) failAt('config-bad-value', `${c.fn}: ${path} refers back to itself`, c.loc);
  seen.add(v);
  if (Array.isArray(v)) v.forEach((x, i) => checkEncodable(c, x, `${path}[${i}]`, seen));
  else for (const [k, x] of Object.entries(v as object)) if (x !== undefined) checkEncodable(c, x, `${path}.${k}`, seen);
  seen.delete(v);
}

/** One value as YAML text (keys sorted), usable with k8s_yaml(). */
export function encode_yaml(obj: unknown): string {
  const c = beginCall('encode_yaml');
  checkEncodable(c, obj, 'the value', new Set());
  return asBlob(c, toYaml(obj), 'encode_yaml');
}

/** Values as a YAML stream (keys sorted, `---` between documents), usable with k8s_yaml(). */
export function encode_yaml_stream(objs: unknown[]): string {
  const c = beginCall('encode_yaml_stream');
  if (!Array.isArray(objs))
    failAt('config-bad-type', `${c.fn}: argument 'objs' must be a list`, c.loc, `for example: encode_yaml_stream(decode_yaml_stream(text))`);
  objs.forEach((o, i) => checkEncodable(c, o, `objs[${i}]`, new Set()));
  return asBlob(c, toYamlStream(objs), 'encode_yaml_stream');
}

function decodeJson(c: Call, text: string, file?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    const what = msg
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/^JSON\.parse: /, '');
    if (file) return failAt('config-json-invalid', `${c.fn}: invalid JSON: ${what}`, { file, line }, `fix the JSON in ${file}`);
    return failAt('config-json-invalid', `${c.fn}: invalid JSON${line ? ` at line ${line} of the text` : ''}: ${what}`, c.loc, 'fix the JSON text given here');
  }
}

/** Reads a JSON file (relative to devloop.ts); `default_value` if the file does not exist. */
export function read_json<T = any>(path: string, default_value?: T): T {
  const c = beginCall('read_json');
  checkArg(c.fn, 'path', 'string', path, c.loc, `read_json('package.json')`);
  const f = readWatched(c, path, 'file', default_value !== undefined);
  if (f.text === undefined) return default_value as T;
  return decodeJson(c, f.text, f.path) as T;
}

/** Parses JSON text. */
export function decode_json<T = any>(json: string): T {
  const c = beginCall('decode_json');
  checkArg(c.fn, 'json', 'string', json, c.loc, `decode_json('{"a": 1}')`);
  return decodeJson(c, json) as T;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

/** A value as JSON text: two-space indent, keys sorted, a final newline (as Tilt writes it). */
export function encode_json(obj: unknown): string {
  const c = beginCall('encode_json');
  checkEncodable(c, obj, 'the value', new Set());
  return `${JSON.stringify(sortKeys(obj), null, 2)}\n`;
}

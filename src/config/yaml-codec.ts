/**
 * YAML as the config helpers read and write it: YAML 1.1 (as kubectl and Tilt read it) through the `yaml`
 * package. One small module so it can be unified with the manifest reader's YAML 1.1 rules.
 * Reading: unquoted dates stay strings, duplicate keys keep the last value, `<<` merge keys apply, empty
 * documents are dropped. Writing: keys sorted and YAML 1.1 words (`y`, `on`, `no`, ...) quoted, as
 * sigs.k8s.io/yaml writes them.
 */
import {
  LineCounter,
  parseAllDocuments,
  stringify,
  type CreateNodeOptions,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';

export interface YamlErrorInfo {
  message: string;
  line?: number;
  column?: number;
}

/** Thrown by parseYamlStream; the callers turn it into a located DevloopError. */
export class YamlParseError extends Error {
  constructor(readonly info: YamlErrorInfo) {
    super(info.message);
  }
}

const READ: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  // kubectl (go-yaml v2 into interface{}) keeps timestamps as strings.
  customTags: (tags) => tags.filter((t) => (typeof t === 'object' ? t.tag !== 'tag:yaml.org,2002:timestamp' : true)),
  prettyErrors: true,
  strict: false,
};

const WRITE: DocumentOptions & SchemaOptions & ToStringOptions & CreateNodeOptions = {
  version: '1.1',
  sortMapEntries: true,
  lineWidth: 0,
  indentSeq: false,
  aliasDuplicateObjects: false,
};

/** Every non-empty document of a YAML stream, as plain data. */
export function parseYamlStream(text: string): unknown[] {
  const out: unknown[] = [];
  const lineCounter = new LineCounter();
  for (const doc of parseAllDocuments(text, { ...READ, lineCounter }) as ReturnType<typeof parseAllDocuments> & unknown[]) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new YamlParseError({ message: err.message.split('\n')[0].replace(/ at line \d+, column \d+:?\s*$/, ''), line: pos?.line, column: pos?.col });
    }
    const v = doc.toJS({ maxAliasCount: 10_000 });
    if (v === null || v === undefined) continue;
    out.push(v);
  }
  return out;
}

/** One value as a YAML document (ends with a newline). */
export function toYaml(value: unknown): string {
  return stringify(value === undefined ? null : value, WRITE);
}

/** Values as a YAML stream, `---` between documents (Tilt's encode_yaml_stream). */
export function toYamlStream(values: unknown[]): string {
  return values.map(toYaml).join('---\n');
}

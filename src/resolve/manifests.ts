/**
 * Reads the YAML given to k8s_yaml() into Kubernetes objects as kubectl reads them (model/yaml.ts: YAML 1.1,
 * integers exact): multi-document streams, `List`s flattened, duplicates refused.
 */
import { DevloopError } from '../model/errors.js';
import { parseYamlDocuments, type YamlDocument } from '../model/yaml.js';
import type { Loc, YamlSource } from '../config/spec.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface SourcedObject {
  object: K8sObject;
  /** Where it came from, for messages: the YAML file (and line of its document) or the k8s_yaml() call. */
  loc: Loc;
  source: string;
}

export function objectName(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

function flatten(doc: unknown, out: unknown[]): void {
  if (doc === null || doc === undefined) return;
  const d = doc as { kind?: unknown; items?: unknown };
  if (typeof d === 'object' && typeof d.kind === 'string' && d.kind.endsWith('List') && Array.isArray(d.items)) {
    for (const item of d.items) flatten(item, out);
  } else {
    out.push(doc);
  }
}

export function parseYamlSources(sources: YamlSource[]): SourcedObject[] {
  const out: SourcedObject[] = [];
  const seen = new Map<string, SourcedObject>();
  for (const src of sources) {
    const fileLoc = (line?: number): Loc => (src.path ? { file: src.path, line } : src.loc);
    let docs: YamlDocument[];
    try {
      docs = parseYamlDocuments(src.text, src.path ?? src.source);
    } catch (e) {
      // Inline text has no file: point at the k8s_yaml() call and say where in the text.
      if (e instanceof DevloopError && !src.path && e.location?.line !== undefined) {
        throw new DevloopError(e.code, `${e.message.replace(/^invalid YAML/, `invalid YAML in ${src.source}`)} (line ${e.location.line} of the text)`, {
          location: src.loc,
          hint: e.hint,
        });
      }
      throw e;
    }
    docs.forEach((doc, index) => {
      const items: unknown[] = [];
      flatten(doc.value, items);
      for (const item of items) {
        const o = item as Partial<K8sObject>;
        const loc = fileLoc(doc.line);
        if (typeof o !== 'object' || Array.isArray(o)) {
          throw new DevloopError('yaml-not-object', `document ${index + 1} of ${src.source} is not a Kubernetes object`, {
            location: loc,
            hint: 'each YAML document must be a mapping with apiVersion, kind and metadata.name',
          });
        }
        const missing = ['apiVersion', 'kind'].filter((k) => typeof (o as Record<string, unknown>)[k] !== 'string');
        if (typeof o.metadata?.name !== 'string' || !o.metadata.name) missing.push('metadata.name');
        if (missing.length) {
          throw new DevloopError('yaml-not-object', `document ${index + 1} of ${src.source}${o.kind ? ` (kind ${o.kind})` : ''} has no ${missing.join(', ')}`, {
            location: loc,
            hint: 'every Kubernetes object needs apiVersion, kind and metadata.name (generateName is not supported)',
          });
        }
        const obj = o as K8sObject;
        const entry: SourcedObject = { object: obj, loc, source: src.source };
        const key = `${obj.apiVersion}|${obj.kind}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`;
        const prev = seen.get(key);
        if (prev && !src.allowDuplicates) {
          throw new DevloopError(
            'yaml-duplicate',
            `duplicate YAML: ${objectName(obj)}${obj.metadata.namespace ? ` (namespace ${obj.metadata.namespace})` : ''} is also at ${prev.loc.file}${prev.loc.line ? `:${prev.loc.line}` : ''}`,
            {
              location: loc,
              hint: 'remove one of them, or pass k8s_yaml(..., { allow_duplicates: true }) to let the later one win',
            },
          );
        }
        if (prev) {
          out[out.indexOf(prev)] = entry;
        } else {
          out.push(entry);
        }
        seen.set(key, entry);
      }
    });
  }
  return out;
}

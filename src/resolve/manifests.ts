/** Reads the YAML given to k8s_yaml() into Kubernetes objects: multi-document streams, `List`s flattened, duplicates refused. */
import yaml from 'js-yaml';
import { DevloopError } from '../model/errors.js';
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

/** 1-based line where each YAML document starts (the line after its `---`). */
function docStartLines(text: string): number[] {
  const starts: number[] = [];
  const lines = text.split('\n');
  let docStart = 1;
  for (let i = 0; i < lines.length; i++) {
    if (!/^---(\s|$)/.test(lines[i])) continue;
    if (i > 0) starts.push(docStart);
    docStart = i + 2;
  }
  starts.push(docStart);
  return starts;
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
    let docs: unknown[];
    try {
      docs = yaml.loadAll(src.text, undefined, { filename: src.path ?? src.source });
    } catch (e) {
      const err = e as { reason?: string; mark?: { line: number; column: number }; message: string };
      throw new DevloopError('yaml-invalid', `${src.path ? 'invalid YAML' : `invalid YAML in ${src.source}`}: ${err.reason ?? err.message.split('\n')[0]}`, {
        location: src.path ? { file: src.path, line: (err.mark?.line ?? 0) + 1, column: (err.mark?.column ?? 0) + 1 } : src.loc,
        hint: 'fix the YAML (indentation, a missing colon or quote are the usual causes)',
      });
    }
    const allStarts = docStartLines(src.text);
    docs.forEach((doc, index) => {
      const items: unknown[] = [];
      flatten(doc, items);
      for (const item of items) {
        const o = item as Partial<K8sObject>;
        const loc = fileLoc(allStarts[index] ?? 1);
        if (typeof o !== 'object' || Array.isArray(o)) {
          throw new DevloopError('yaml-not-object', `document ${index + 1} of ${src.source} is not a Kubernetes object`, { location: loc, hint: 'each YAML document must be a mapping with apiVersion, kind and metadata.name' });
        }
        const missing = ['apiVersion', 'kind'].filter((k) => typeof (o as Record<string, unknown>)[k] !== 'string');
        if (typeof o.metadata?.name !== 'string' || !o.metadata.name) missing.push('metadata.name');
        if (missing.length) {
          throw new DevloopError('yaml-not-object', `document ${index + 1} of ${src.source}${o.kind ? ` (kind ${o.kind})` : ''} has no ${missing.join(', ')}`, {
            location: loc, hint: 'every Kubernetes object needs apiVersion, kind and metadata.name (generateName is not supported)',
          });
        }
        const obj = o as K8sObject;
        const entry: SourcedObject = { object: obj, loc, source: src.source };
        const key = `${obj.apiVersion}|${obj.kind}|${obj.metadata.namespace ?? ''}|${obj.metadata.name}`;
        const prev = seen.get(key);
        if (prev && !src.allowDuplicates) {
          throw new DevloopError('yaml-duplicate', `duplicate YAML: ${objectName(obj)}${obj.metadata.namespace ? ` (namespace ${obj.metadata.namespace})` : ''} is also at ${prev.loc.file}${prev.loc.line ? `:${prev.loc.line}` : ''}`, {
            location: loc, hint: 'remove one of them, or pass k8s_yaml(..., { allow_duplicates: true }) to let the later one win',
          });
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

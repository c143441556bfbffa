/**
 * ConfigMap and Secret objects made as `kubectl create configmap|secret generic --dry-run=client` makes them,
 * without running kubectl: --from-file (KEY=PATH or PATH; a directory adds each regular file in it),
 * --from-env-file and --from-literal, with kubectl's key rules and messages. Text that is not UTF-8 goes to
 * binaryData in a ConfigMap; Secret values are base64. Reading files is the caller's (it records them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';

export interface CreateSources {
  fromFile?: string[];
  fromEnvFile?: string[];
  fromLiteral?: string[];
}

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** Thrown for what kubectl refuses; `message` is kubectl's wording. */
export class CreateError extends Error {}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function checkKey(key: string, kind: 'ConfigMap' | 'Secret'): void {
  if (!CONFIG_KEY.test(key) || key.length > 253 || key === '.' || key === '..' || key.startsWith('..')) {
    throw new CreateError(`"${key}" is not a valid key name for a ${kind}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
  }
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Files a --from-file source reads: [key, path] pairs (a directory gives each regular file directly in it). */
export function fileSources(source: string, resolvePath: (p: string) => string): { key: string; path: string }[] {
  const eq = source.indexOf('=');
  const [key, rel] = eq >= 0 ? [source.slice(0, eq), source.slice(eq + 1)] : [undefined, source];
  if (eq === 0) throw new CreateError(`key names or file paths cannot contain '=' : ${source}`);
  if (rel === '') throw new CreateError(`file path for key "${key}" is empty: ${source}`);
  const path = resolvePath(rel);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new CreateError(`error reading ${rel}: no such file or directory`);
  if (st.isDirectory()) {
    if (key !== undefined) throw new CreateError(`cannot give a key name for a directory path: ${source}`);
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => ({ key: e.name, path: `${path}/${e.name}` }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  return [{ key: key ?? basename(path), path }];
}

/** KEY=VALUE lines of an env file as kubectl reads them (no quote handling; a bare KEY takes the environment's value). */
export function envFileEntries(text: string, env: NodeJS.ProcessEnv = process.env): [string, string][] {
  const out: [string, string][] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.replace(/\r$/, '');
    if (i === 0) line = line.replace(/^\uFEFF/, '');
    line = line.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (!ENV_NAME.test(key)) {
      throw new CreateError(
        `"${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (line ${i + 1})`,
      );
    }
    out.push([key, eq >= 0 ? line.slice(eq + 1) : (env[key] ?? '')]);
  });
  return out;
}

function collect(kind: 'ConfigMap' | 'Secret', name: string, src: CreateSources, resolvePath: (p: string) => string): Map<string, Buffer> {
  if ((src.fromEnvFile?.length ?? 0) > 0 && ((src.fromFile?.length ?? 0) > 0 || (src.fromLiteral?.length ?? 0) > 0)) {
    throw new CreateError('from-env-file cannot be combined with from-file or from-literal');
  }
  const data = new Map<string, Buffer>();
  const add = (key: string, value: Buffer): void => {
    checkKey(key, kind);
    if (data.has(key))
      throw new CreateError(`cannot add key "${key}", another key by that name already exists in ${kind === 'Secret' ? 'data' : 'Data'} for ${kind} "${name}"`);
    data.set(key, value);
  };
  for (const s of src.fromFile ?? []) for (const f of fileSources(s, resolvePath)) add(f.key, readFileSync(f.path));
  for (const l of src.fromLiteral ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new CreateError(`invalid literal source ${l}, expected key=value`);
    add(l.slice(0, eq), Buffer.from(l.slice(eq + 1)));
  }
  for (const e of src.fromEnvFile ?? []) {
    const path = resolvePath(e);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new CreateError(`error reading ${e}: no such file or directory`);
    }
    for (const [k, v] of envFileEntries(text)) add(k, Buffer.from(v));
  }
  return data;
}

function meta(name: string, namespace?: string): KubeObject['metadata'] {
  return namespace ? { name, namespace } : { name };
}

export function makeConfigMap(name: string, namespace: string | undefined, src: CreateSources, resolvePath: (p: string) => string): KubeObject {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const [k, v] of collect('ConfigMap', name, src, resolvePath)) {
    if (isUtf8(v)) data[k] = v.toString('utf8');
    else binaryData[k] = v.toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(name, namespace),
    ...(Object.keys(data).length ? { data } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
}

export function makeSecret(name: string, namespace: string | undefined, src: CreateSources, resolvePath: (p: string) => string, type?: string): KubeObject {
  const data: Record<string, string> = {};
  for (const [k, v] of collect('Secret', name, src, resolvePath)) data[k] = v.toString('base64');
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(name, namespace), ...(Object.keys(data).length ? { data } : {}), ...(type ? { type } : {}) };
}

/**
 * The files a kustomization reads, found by reading kustomization files the way kustomize does: resources,
 * bases and components (directories are followed into their own kustomization), patches of every form,
 * CRDs, configurations, replacements, OpenAPI schemas, helm charts' values files, and the files and env files of
 * ConfigMap and Secret generators. Files that are missing are listed too (watching them notices their creation). Remote
 * resources (URLs, git) are left out. Never throws: a file it cannot read is for kustomize to report.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseYamlStream } from './yaml-codec.js';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

type Obj = Record<string, unknown>;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x)) : []);
const isRemote = (p: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(p) || /\?ref=|\.git(\/\/|$)/.test(p);
/** A patch or generator entry written inline as YAML rather than a file path. */
const isInline = (p: string): boolean => p.includes('\n') || /^\s*(apiVersion|kind)\s*:/.test(p);
const isDir = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** Every file the kustomization in `dir` reads, absolute, without duplicates, the kustomization files first. */
export function kustomizeDeps(dir: string): string[] {
  const out = new Set<string>();
  const visited = new Set<string>();
  walk(resolve(dir), out, visited);
  return [...out];
}

function walk(dir: string, out: Set<string>, visited: Set<string>): void {
  if (visited.has(dir)) return;
  visited.add(dir);
  const found = KUSTOMIZATION_NAMES.map((n) => join(dir, n)).filter((p) => existsSync(p));
  if (found.length === 0) {
    out.add(join(dir, KUSTOMIZATION_NAMES[0]));
    return;
  }
  for (const f of found) out.add(f);
  let k: Obj;
  try {
    const doc = parseYamlStream(readFileSync(found[0], 'utf8'))[0];
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return;
    k = doc as Obj;
  } catch {
    return;
  }
  const file = (p: string): void => {
    if (!p || isRemote(p) || isInline(p)) return;
    out.add(resolve(dir, p));
  };
  for (const p of [...strings(k.bases), ...strings(k.resources), ...strings(k.components)]) {
    if (isRemote(p)) continue;
    const full = resolve(dir, p);
    if (isDir(full)) walk(full, out, visited);
    else out.add(full);
  }
  for (const p of objects(k.patches)) if (typeof p.path === 'string') file(p.path);
  for (const p of strings(k.patchesStrategicMerge)) file(p);
  for (const p of objects(k.patchesStrategicMerge)) if (typeof p.path === 'string') file(p.path);
  for (const p of objects(k.patchesJson6902)) if (typeof p.path === 'string') file(p.path);
  for (const p of [...strings(k.crds), ...strings(k.configurations)]) file(p);
  for (const p of objects(k.replacements)) if (typeof p.path === 'string') file(p.path);
  const openapi = k.openapi as Obj | undefined;
  if (openapi && typeof openapi === 'object' && typeof openapi.path === 'string') file(openapi.path);
  for (const g of [...objects(k.configMapGenerator), ...objects(k.secretGenerator)]) {
    for (const f of strings(g.files)) file(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
    for (const e of [...strings(g.envs), ...strings(g.env)]) file(e);
  }
  for (const h of objects(k.helmCharts)) for (const v of [...strings(h.valuesFile), ...strings(h.additionalValuesFiles)]) file(v);
  for (const p of [...strings(k.generators), ...strings(k.transformers), ...strings(k.validators)]) {
    if (isRemote(p) || isInline(p)) continue;
    const full = resolve(dir, p);
    if (isDir(full)) walk(full, out, visited);
    else out.add(full);
  }
}

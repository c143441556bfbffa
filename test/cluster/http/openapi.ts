// Just enough OpenAPI v3 for kubectl: every kind's PATCH operation declares the fieldValidation query parameter,
// which tells kubectl to let the server validate (so it needs no schemas). There are no component schemas.
import { createHash } from 'node:crypto';
import type { ResourceRegistry, ResourceType } from '../api/resources.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openapiV3Root(reg: ResourceRegistry): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const gvs = new Set(reg.all().map((t) => `${t.group}|${t.version}`));
  for (const gv of gvs) {
    const [group, version] = gv.split('|');
    const doc = JSON.stringify(openapiV3GroupVersion(reg, group, version));
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 64).toUpperCase();
    paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}` };
  }
  return { paths };
}

export function openapiV3GroupVersion(reg: ResourceRegistry, group: string, version: string): object | undefined {
  const types = reg.all().filter((t) => t.group === group && t.version === version);
  if (!types.length) return undefined;
  const paths: Record<string, object> = {};
  for (const t of types) paths[itemPath(t)] = { patch: patchOp(t), get: op(t, 'read'), put: op(t, 'replace'), delete: op(t, 'delete') };
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas: {} } };
}

function itemPath(t: ResourceType): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  return t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}/{name}` : `${base}/${t.plural}/{name}`;
}

function op(t: ResourceType, verb: string): object {
  return { operationId: `${verb}${t.kind}`, 'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind }, responses: {} };
}

function patchOp(t: ResourceType): object {
  const q = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  return {
    ...op(t, 'patch'),
    'x-kubernetes-action': 'patch',
    parameters: [q('dryRun'), q('fieldManager'), q('fieldValidation'), { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }],
  };
}

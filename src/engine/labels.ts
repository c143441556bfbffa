/**
 * The labels that tie every object devloop applies to its project and resource, so `down` finds exactly
 * what was applied (even when devloop.ts no longer evaluates) and pods are attributed to their resource.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { K8sObject } from '../resolve/manifests.js';
import { stringifyJson } from '../model/exact-json.js';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const PROJECT = 'devloop.dev/project';
export const RESOURCE = 'devloop.dev/resource';
export const APPLIED_HASH = 'devloop.dev/applied-hash';
export const CREATED_NAMESPACE = 'devloop.dev/created-namespace';
/** On pod templates: when `devloop trigger` last asked for new pods. */
export const RESTARTED_AT = 'devloop.dev/restarted-at';
/** On pod templates: which render of the template a pod comes from, so status ignores pods of the previous deploy. */
export const TEMPLATE_HASH = 'devloop.dev/pod-template-hash';

function slug(s: string, max: number): string {
  const v = s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (v || 'x').slice(0, max).replace(/[^a-z0-9]+$/, '');
}

/**
 * A label-safe id for a project: its directory's name and a hash of the directory's absolute path. The project is
 * its directory, whichever config file `-f` named, so `down`, `get` and `trigger` find a `devloop up -f other.ts`.
 */
export function projectId(configFile: string): string {
  const dir = dirname(configFile);
  const h = createHash('sha256').update(dir).digest('hex').slice(0, 8);
  return `${slug(basename(dir), 50)}-${h}`;
}

/** The ids of earlier versions, which hashed the config file's path: `down` still finds objects labelled so. */
export function legacyProjectIds(configFile: string): string[] {
  const dir = dirname(configFile);
  const files = new Set([configFile, ...CONFIG_NAMES.map((n) => join(dir, n))]);
  return [...files].map((f) => `${slug(basename(dir), 50)}-${createHash('sha256').update(f).digest('hex').slice(0, 8)}`);
}

const CONFIG_NAMES = ['devloop.ts', 'devloop.mts', 'devloop.js', 'devloop.mjs'];

/** A label value for a resource name (names like `foo:deployment:ns` are not valid label values). */
export function resourceLabel(name: string): string {
  const s = slug(name, 54);
  return s === name ? s : `${s}-${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

export function labelsFor(project: string, resource: string): Record<string, string> {
  return { [MANAGED_BY]: 'devloop', [PROJECT]: project, [RESOURCE]: resourceLabel(resource) };
}

/** The template hash label withLabels() gives this object's pods, if it has a pod template. */
export function templateHashOf(o: K8sObject): string | undefined {
  return podTemplate(o)?.metadata?.labels?.[TEMPLATE_HASH];
}

function podTemplate(o: K8sObject): { metadata?: { labels?: Record<string, string> } } | undefined {
  const spec = o.spec as Record<string, any> | undefined;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template;
  const t = spec?.template;
  return t && typeof t === 'object' && t.spec?.containers ? t : undefined;
}

/** A copy with the labels on the object and on its pod template (so pods carry them too). Selectors are left alone. */
export function withLabels(o: K8sObject, labels: Record<string, string>, templateAnnotations?: Record<string, string>): K8sObject {
  const c = structuredClone(o);
  c.metadata.labels = { ...(c.metadata.labels ?? {}), ...labels };
  const t = podTemplate(c) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined;
  if (t) {
    t.metadata ??= {};
    t.metadata.labels = { ...(t.metadata.labels ?? {}), ...labels };
    if (templateAnnotations) t.metadata.annotations = { ...(t.metadata.annotations ?? {}), ...templateAnnotations };
    t.metadata.labels[TEMPLATE_HASH] = contentHash(t as K8sObject).slice(0, 16);
  }
  return c;
}

export function contentHash(o: K8sObject): string {
  return createHash('sha256').update(stringifyJson(o)).digest('hex').slice(0, 32);
}

// What a create, update, patch or delete means, for the HTTP handlers and the controllers alike:
// defaulting, validation, resourceVersion checks, generation, managedFields, status subresource, graceful deletion.
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { applyDefaults } from './defaults.js';
import { apiVersionOf, storeKey, type ResourceRegistry, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { errors } from './status.js';
import { clone, now, type Json, type KubeObject } from './types.js';
import type { Store } from './store.js';
import { validate, validateUpdate } from './validate.js';
import { typecheck } from './typecheck.js';
import { jsonPatch } from '../patch/jsonpatch.js';
import { recordUpdate, serverSideApply } from '../patch/managed.js';
import { mergePatch, strategicMergePatch } from '../patch/merge.js';

export interface WriteOptions {
  manager?: string;
  dryRun?: boolean;
  subresource?: string;
}
export interface PatchOptions extends WriteOptions {
  force?: boolean;
}
export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class Objects {
  constructor(
    readonly store: Store,
    readonly registry: ResourceRegistry,
  ) {}

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject {
    const o = this.store.get(storeKey(t), scope(t, ns), name);
    if (!o) throw errors.notFound(t.group, t.plural, name);
    return asVersion(t, o);
  }

  find(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(storeKey(t), scope(t, ns), name);
    return o && asVersion(t, o);
  }

  list(t: ResourceType, ns: string | undefined, opts: ListOptions = {}): KubeObject[] {
    const byLabel = parseLabelSelector(opts.labelSelector);
    const byField = parseFieldSelector(opts.fieldSelector);
    return this.store
      .list(storeKey(t), scope(t, ns))
      .filter((o) => byLabel(o) && byField(o))
      .map((o) => asVersion(t, o));
  }

  create(t: ResourceType, ns: string | undefined, body: KubeObject, opts: WriteOptions = {}): KubeObject {
    const o = this.prepareCreate(t, ns, body);
    recordUpdate(undefined, o, opts.manager ?? 'unknown', !t.crd);
    return this.finishCreate(t, o, opts);
  }

  update(t: ResourceType, ns: string | undefined, name: string, body: KubeObject, opts: WriteOptions = {}): KubeObject {
    const before = this.get(t, ns, name);
    checkIdentity(t, ns, name, body);
    if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== before.metadata.resourceVersion)
      throw errors.conflict(t.group, t.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    return this.write(t, before, body, opts, opts.manager ?? 'unknown');
  }

  patch(t: ResourceType, ns: string | undefined, name: string, type: string, raw: string, opts: PatchOptions = {}): KubeObject {
    if (type === PATCH_TYPES.apply) return this.apply(t, ns, name, raw, opts);
    const before = this.get(t, ns, name);
    const patch = parseJson(raw);
    let after: KubeObject;
    if (type === PATCH_TYPES.json) after = jsonPatch(before, patch);
    else if (type === PATCH_TYPES.merge) after = mergePatch(before, patch);
    else if (type === PATCH_TYPES.strategic) after = strategicMergePatch(before, patch, !t.crd);
    else throw errors.unsupportedMedia(type);
    if (patch?.metadata?.resourceVersion && patch.metadata.resourceVersion !== before.metadata.resourceVersion)
      throw errors.conflict(t.group, t.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    checkIdentity(t, ns, name, after);
    return this.write(t, before, after, opts, opts.manager ?? 'unknown');
  }

  delete(t: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject {
    const o = this.get(t, ns, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== o.metadata.uid)
      throw errors.conflict(t.group, t.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${o.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== o.metadata.resourceVersion)
      throw errors.conflict(
        t.group,
        t.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`,
      );
    if (opts.dryRun) return o;
    const policy = opts.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') this.orphanDependents(o.metadata.uid!);
    const finalizers = [...(o.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    const graceful = t.kind === 'Pod' && opts.gracePeriodSeconds !== 0;
    if (finalizers.length || graceful || t.kind === 'Namespace') {
      if (o.metadata.deletionTimestamp) {
        // a pod's final delete (grace 0) while finalizers remain: it goes when they do
        if (t.kind !== 'Pod' || opts.gracePeriodSeconds !== 0 || o.metadata.deletionGracePeriodSeconds === 0) return o;
        o.metadata.deletionGracePeriodSeconds = 0;
        return asVersion(t, this.store.replace(storeKey(t), o));
      }
      o.metadata.deletionTimestamp = now();
      o.metadata.finalizers = finalizers.length ? finalizers : undefined;
      if (t.kind === 'Pod') o.metadata.deletionGracePeriodSeconds = opts.gracePeriodSeconds ?? o.spec?.terminationGracePeriodSeconds ?? 30;
      if (t.kind === 'Namespace') o.status = { ...(o.status ?? {}), phase: 'Terminating' };
      return asVersion(t, this.store.replace(storeKey(t), o));
    }
    return asVersion(t, this.store.remove(storeKey(t), o.metadata.namespace, name)!);
  }

  /** a controller's status write: no resourceVersion check, only status changes */
  updateStatus(t: ResourceType, o: KubeObject, manager: string): KubeObject {
    const before = this.find(t, o.metadata.namespace, o.metadata.name!);
    if (!before) return o;
    return this.write(t, before, { ...before, status: o.status }, { subresource: 'status' }, manager);
  }

  private apply(t: ResourceType, ns: string | undefined, name: string, raw: string, opts: PatchOptions): KubeObject {
    if (!opts.manager) throw errors.badRequest('PATCH requests with Content-Type application/apply-patch+yaml must have a fieldManager');
    let applied: KubeObject;
    try {
      applied = yaml.load(raw) as KubeObject;
    } catch (e) {
      throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!applied || typeof applied !== 'object') throw errors.badRequest('the body of an apply request must be an object');
    if (!applied.apiVersion || !applied.kind) throw errors.badRequest('apiVersion and kind must be set in an applied configuration');
    applied.metadata ??= {};
    checkIdentity(t, ns, name, applied);
    applied.metadata.name = name;
    if (t.namespaced) applied.metadata.namespace = ns;
    typecheck(t, applied);
    const before = this.find(t, ns, name);
    const merged = serverSideApply({ live: before, applied, manager: opts.manager, force: !!opts.force, builtin: !t.crd });
    if (!before) {
      const managed = merged.metadata.managedFields;
      const o = this.prepareCreate(t, ns, merged);
      o.metadata.managedFields = managed;
      return this.finishCreate(t, o, opts);
    }
    return this.write(t, before, merged, opts, opts.manager, true);
  }

  private prepareCreate(t: ResourceType, ns: string | undefined, body: KubeObject): KubeObject {
    if (!body || typeof body !== 'object') throw errors.badRequest('the body of the request must be an object');
    const o = clone(body);
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    o.metadata ??= {};
    if (o.metadata.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    if (t.namespaced) {
      if (o.metadata.namespace && ns && o.metadata.namespace !== ns)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      o.metadata.namespace = ns ?? o.metadata.namespace ?? 'default';
      this.checkNamespace(o.metadata.namespace);
    } else delete o.metadata.namespace;
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomName(5);
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) delete o.metadata[k];
    o.metadata.uid = crypto.randomUUID();
    if (t.subresources.includes('status') && t.kind !== 'CustomResourceDefinition') delete o.status;
    if (t.kind === 'Pod') o.status = { phase: 'Pending', qosClass: 'BestEffort' };
    if (t.hasGeneration) o.metadata.generation = 1;
    if (o.spec || !t.crd) applyDefaults(o);
    validate(t, o);
    if (this.store.get(storeKey(t), o.metadata.namespace, o.metadata.name!)) throw errors.alreadyExists(t.group, t.plural, o.metadata.name!);
    return o;
  }

  private finishCreate(t: ResourceType, o: KubeObject, opts: WriteOptions): KubeObject {
    o.metadata.creationTimestamp = now();
    if (opts.dryRun) return o;
    return asVersion(t, this.store.create(storeKey(t), o));
  }

  /** writes `after` over `before`: keeps what a client may not change, bumps generation, drops finalized objects */
  private write(t: ResourceType, before: KubeObject, body: KubeObject, opts: WriteOptions, manager: string, applied = false): KubeObject {
    let after = clone(body);
    after.apiVersion = apiVersionOf(t);
    after.kind = t.kind;
    const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'] as const;
    after.metadata = { ...after.metadata };
    for (const k of keep) {
      if (before.metadata[k] === undefined) delete after.metadata[k];
      else (after.metadata as Json)[k] = before.metadata[k];
    }
    if (opts.subresource === 'status') after = { ...clone(before), status: after.status, metadata: before.metadata };
    else if (t.subresources.includes('status')) after.status = clone(before.status);
    if (opts.subresource !== 'status') {
      if (after.spec || !t.crd) applyDefaults(after);
      validate(t, after);
      validateUpdate(t, before, after);
      if (applied) after.metadata.managedFields = body.metadata.managedFields;
      else recordUpdate(before, after, manager, !t.crd);
    }
    if (t.hasGeneration && specChanged(t, before, after)) after.metadata.generation = (before.metadata.generation ?? 1) + 1;
    after.metadata.resourceVersion = before.metadata.resourceVersion;
    if (sameObject(before, after)) return before;
    if (opts.dryRun) return asVersion(t, after);
    const released = t.kind === 'Pod' ? after.metadata.deletionGracePeriodSeconds === 0 : t.kind !== 'Namespace';
    if (after.metadata.deletionTimestamp && !(after.metadata.finalizers ?? []).length && released)
      return asVersion(t, this.store.remove(storeKey(t), after.metadata.namespace, after.metadata.name!)!);
    return asVersion(t, this.store.replace(storeKey(t), after));
  }

  private checkNamespace(ns: string): void {
    const n = this.store.get('/namespaces', undefined, ns);
    if (!n) throw errors.notFound('', 'namespaces', ns);
    if (n.metadata.deletionTimestamp) throw errors.forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
  }

  private orphanDependents(uid: string): void {
    for (const t of this.registry.all()) {
      for (const o of this.store.list(storeKey(t))) {
        const refs = o.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === uid)) continue;
        o.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
        this.store.replace(storeKey(t), o);
      }
    }
  }
}

function scope(t: ResourceType, ns: string | undefined): string | undefined {
  return t.namespaced ? ns : undefined;
}

function asVersion(t: ResourceType, o: KubeObject): KubeObject {
  if (t.crd) o.apiVersion = apiVersionOf(t);
  return o;
}

function checkIdentity(t: ResourceType, ns: string | undefined, name: string, body: KubeObject): void {
  if (!body || typeof body !== 'object') throw errors.badRequest('the body of the request must be an object');
  if (body.metadata?.name && body.metadata.name !== name)
    throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
  if (t.namespaced && body.metadata?.namespace && ns && body.metadata.namespace !== ns)
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (body.kind && body.kind !== t.kind) throw errors.badRequest(`the kind of the object (${body.kind}) does not match the URL (${t.kind})`);
}

function specChanged(t: ResourceType, a: KubeObject, b: KubeObject): boolean {
  if (!t.crd || t.subresources.includes('status')) return JSON.stringify(a.spec) !== JSON.stringify(b.spec);
  const strip = (o: KubeObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined });
  return strip(a) !== strip(b);
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, managedFields: (o.metadata.managedFields ?? []).map((m) => ({ ...m, time: '' })) } });
  return strip(a) === strip(b);
}

function parseJson(raw: string): Json {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

export function randomName(n: number): string {
  return [...randomBytes(n)].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
}

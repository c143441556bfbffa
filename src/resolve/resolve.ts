/**
 * Plan -> what devloop will build and deploy: the image graph in build order (FROM / COPY --from / image_deps),
 * a tag per image computed from its inputs, the rendered manifests with refs injected, and the resources.
 * This is all `ci --dry-run` needs; `up` and `ci` run the same function and then act on the result.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DevloopError } from '../model/errors.js';
import { parseRef, makeSelector, bestMatch, type ImageRef, type RefSelector } from '../model/ref.js';
import { makeRegistry, makeRefSet, type RefSet, type Registry } from '../model/registry.js';
import { imageDependencies, requireTarget, rewriteBaseImages } from '../model/dockerfile.js';
import type { Injection } from '../model/inject.js';
import { checkDockerfileSyntax } from './dockerfile-syntax.js';
import type { ImageLocator } from '../model/locator.js';
import { contextIgnore, type PathMatcher } from '../files/ignore.js';
import { walkContext } from '../files/walk.js';
import type { Reported, WalkCache } from '../files/walk-cache.js';
import { hashEntries, hashFiles } from '../files/hash.js';
import { anyFilter, rootedFilter, type FileFilter } from '../files/filter.js';
import { dockerignoreMatcher } from '../files/ignore.js';
import type { ContextEntry } from '../files/types.js';
import type { ImageSpec, Plan } from '../config/spec.js';
import { parseYamlSources, type K8sObject, type SourcedObject } from './manifests.js';
import { assembleResources, type Resource } from './resources.js';
import { locatorsOf } from './locators.js';
import { renderObject } from './render.js';
import { keepSelected } from './select-apply.js';

export const TAG_PREFIX = 'devloop-';

export interface ResolvedImage {
  /** The ref as configured (its id everywhere: plan output, state, logs). */
  id: string;
  spec: ImageSpec;
  ref: ImageRef;
  selector: RefSelector;
  refs: RefSet;
  /** Ids of the images this one builds on, in build order. */
  deps: string[];
  tag: string;
  /** Hash of everything the image is built from: what the engine compares to decide that an image changed. */
  inputs: string;
  /** What devloop builds, tags and pushes. */
  localRef: string;
  /** What is written into the manifests. */
  clusterRef: string;
  /** docker_build: the Dockerfile as sent (base refs rewritten), and the rewrites made. */
  dockerfileText?: string;
  rewrites: { line: number; from: string; to: string }[];
  /** docker_build: the context after ignore rules; custom_build: undefined. */
  entries?: ContextEntry[];
  /** The context/deps ignore matcher (relative to the context), for the watcher and the tar. */
  matcher?: PathMatcher;
  /** Directly used by a deployed object (pushed); false for an image used only as a base. */
  deployed: boolean;
  /** Objects and paths it was injected into. */
  injections: Injection[];
}

export interface Resolved {
  plan: Plan;
  registry?: Registry;
  /** Images to build, dependencies first. */
  images: ResolvedImage[];
  /** Images that match nothing: not built. */
  unused: { id: string; loc: ImageSpec['loc'] }[];
  objects: SourcedObject[];
  /** The objects rendered with the expected refs (what `ci --dry-run` prints); the engine renders again with built refs. */
  rendered: K8sObject[];
  /** Where images are found beyond containers (k8s_kind image_json_path), for rendering again. */
  locators: ImageLocator[];
  resources: Resource[];
  warnings: string[];
}

function hex16(h: ReturnType<typeof createHash>): string {
  return h.digest('hex').slice(0, 16);
}

function dockerfileTextOf(spec: ImageSpec & { type: 'docker' }): string {
  if (spec.dockerfileContents !== undefined) return spec.dockerfileContents;
  try {
    return readFileSync(spec.dockerfile, 'utf8');
  } catch (e) {
    throw new DevloopError('dockerfile-missing', `docker_build('${spec.ref}'): can't read the Dockerfile ${spec.dockerfile}: ${(e as Error).message}`, {
      location: spec.loc,
    });
  }
}

interface Node {
  spec: ImageSpec;
  ref: ImageRef;
  selector: RefSelector;
  deps: string[];
  dockerfile?: string;
}

/** Edges from Dockerfile FROM / --from and image_deps; topological order (declaration order among equals); cycles are errors. */
function imageGraph(specs: ImageSpec[]): Node[] {
  const nodes: Node[] = specs.map((spec) => {
    let ref: ImageRef;
    try {
      ref = parseRef(spec.ref);
    } catch (e) {
      const err = e as DevloopError;
      throw new DevloopError(
        'config-invalid-ref',
        `${spec.type === 'docker' ? 'docker_build' : 'custom_build'}: '${spec.ref}' is not a valid image ref: ${err.message}`,
        {
          location: spec.loc,
          hint: err.hint ?? 'an image ref is lowercase, e.g. my-app or registry.example.com/team/my-app:tag',
        },
      );
    }
    return { spec, ref, selector: makeSelector(ref), deps: [] };
  });
  for (const n of nodes) {
    if (n.spec.type === 'docker') {
      n.dockerfile = dockerfileTextOf(n.spec);
      checkDockerfileSyntax(n.spec, n.dockerfile);
      for (const dep of imageDependencies(n.dockerfile, n.spec.buildArgs)) {
        const parent = bestMatch(nodes, dep.ref);
        if (parent && !n.deps.includes(parent.spec.ref)) n.deps.push(parent.spec.ref);
      }
    } else {
      for (const d of n.spec.imageDeps) {
        const parent = bestMatch(nodes, d);
        if (!parent) {
          throw new DevloopError(
            'config-unknown-image-dep',
            `custom_build('${n.spec.ref}'): image_deps names '${d}', which no docker_build or custom_build builds`,
            {
              location: n.spec.loc,
              hint: `images built here: ${nodes.map((x) => x.spec.ref).join(', ')}`,
            },
          );
        }
        if (!n.deps.includes(parent.spec.ref)) n.deps.push(parent.spec.ref);
      }
    }
  }
  const byId = new Map(nodes.map((n) => [n.spec.ref, n]));
  const order: Node[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (n: Node, path: string[]): void => {
    const s = state.get(n.spec.ref);
    if (s === 2) return;
    if (s === 1) {
      const cycle = [...path.slice(path.indexOf(n.spec.ref)), n.spec.ref].join(' -> ');
      throw new DevloopError('image-cycle', `image dependency cycle: ${cycle}`, {
        location: n.spec.loc,
        hint: 'an image cannot build FROM itself or from an image that builds FROM it',
      });
    }
    state.set(n.spec.ref, 1);
    for (const d of n.deps) visit(byId.get(d)!, [...path, n.spec.ref]);
    state.set(n.spec.ref, 2);
    order.push(n);
  };
  for (const n of nodes) visit(n, []);
  return order;
}

export interface ResolveOptions {
  /** A registry in effect that is not from the config (e.g. advertised by the cluster). default_registry wins. */
  clusterRegistry?: Registry;
  /** The watch loop's kept context walks, and which paths its watcher reports (files/walk-cache.ts). */
  walks?: { cache: WalkCache; reported: Reported };
  /** Absolute paths never taken as build inputs: the files devloop's own stdout/stderr are written to. */
  exclude?: ReadonlySet<string>;
}

export function resolve(plan: Plan, opts: ResolveOptions = {}): Resolved {
  const warnings: string[] = plan.warnings.map((w) => w.message);
  const registry = plan.registry ? registryOf(plan) : opts.clusterRegistry;
  const objects = parseYamlSources(plan.yaml);
  const order = imageGraph(plan.images);

  // Which images the manifests use: inject with placeholder tags first, to learn usage before hashing.
  const locators: ImageLocator[] = locatorsOf(plan);
  const images = new Map<string, ResolvedImage>();
  for (const n of order) {
    const refs = makeRefSet(n.ref, registry);
    let tag: string;
    let dockerfileText: string | undefined;
    let rewrites: ResolvedImage['rewrites'] = [];
    let entries: ContextEntry[] | undefined;
    let matcher: PathMatcher | undefined;
    const h = createHash('sha256');
    const parentTags = n.deps.map((d) => images.get(d)!);
    if (n.spec.type === 'docker') {
      const spec = n.spec;
      const ci = contextIgnore({ context: spec.context, dockerfile: spec.dockerfile, ignore: spec.ignore, only: spec.only });
      matcher = ci.matcher;
      entries = opts.walks ? opts.walks.cache.walk(spec.context, ci.matcher, ci.rules, opts.walks.reported) : walkContext(spec.context, ci.matcher);
      // devloop's own output redirected into the context (`devloop up > up.log`) would change the tag on every line.
      if (opts.exclude?.size) entries = entries.filter((e) => !opts.exclude!.has(join(spec.context, e.path)));
      if (spec.target) {
        try {
          requireTarget(n.dockerfile!, spec.target, spec.dockerfile);
        } catch (e) {
          if (e instanceof DevloopError) e.location = spec.loc;
          throw e;
        }
      }
      const rw = rewriteBaseImages(n.dockerfile!, (ref) => bestMatch(parentTags, ref)?.localRef, spec.buildArgs);
      dockerfileText = rw.text;
      rewrites = rw.rewrites.map((w) => ({ line: w.line, from: w.from, to: w.to }));
      // The Dockerfile as written, not as rewritten: the rewrite names the parent's ref where it is pushed, and a tag
      // depends on the parent's tag (hashed below), never on a registry, so `ci --dry-run` prints the tags `up` deploys.
      h.update('docker\0').update(hashEntries(spec.context, entries)).update('\0').update(n.dockerfile!).update('\0');
      h.update(JSON.stringify(Object.entries(spec.buildArgs).sort()))
        .update('\0')
        .update(spec.target ?? '')
        .update('\0');
      h.update(spec.platform ?? '').update('\0');
    } else {
      const spec = n.spec;
      h.update('custom\0')
        .update(JSON.stringify(spec.command))
        .update('\0')
        .update(hashFiles(plan.configDir, spec.deps, depsFilter(spec.deps, spec.ignore)))
        .update('\0');
      h.update(JSON.stringify(Object.entries(spec.env).sort()))
        .update('\0')
        .update(spec.tag ?? '');
    }
    for (const p of parentTags) h.update(`parent ${p.id} ${p.tag}\0`);
    const inputs = hex16(h);
    tag = TAG_PREFIX + inputs;
    // A custom_build with a fixed tag builds that tag, which devloop then tags with the content tag it deploys (so a
    // change is seen and pods are replaced); one that never reaches the local engine can only be deployed as built.
    if (n.spec.type === 'custom' && n.spec.tag && n.spec.skipsLocalDocker) tag = n.spec.tag;
    images.set(n.spec.ref, {
      id: n.spec.ref,
      spec: n.spec,
      ref: n.ref,
      selector: n.selector,
      refs,
      deps: n.deps,
      tag,
      inputs,
      localRef: refs.local(tag),
      clusterRef: refs.cluster(tag),
      dockerfileText,
      rewrites,
      entries,
      matcher,
      deployed: false,
      injections: [],
    });
  }

  const all = [...images.values()];
  const imagesByObject: string[][] = [];
  const rendered = objects.map((so) => {
    const res = renderObject(so, all, (id) => images.get(id)!.clusterRef, locators);
    for (const inj of res.injections) {
      const img = images.get(inj.targetId)!;
      img.deployed = true;
      img.injections.push(inj);
    }
    imagesByObject.push(res.images);
    return res.object;
  });

  // entrypoint / container_args replace a container's command: an image found only in other fields cannot take them.
  for (const img of all) {
    const option = img.spec.entrypoint ? 'entrypoint' : img.spec.containerArgs ? 'container_args' : undefined;
    if (!option || img.injections.length === 0 || img.injections.some((i) => /container$/i.test(i.kind))) continue;
    const where = img.injections.map((i) => `${(i as Injection & { object: string }).object} ${i.path}`).join(', ');
    throw new DevloopError(
      'override-outside-container',
      `${option} of image '${img.id}' cannot be applied: the image is found only outside containers (${where})`,
      {
        location: img.spec.loc,
        hint: `${option} replaces a container's ${option === 'entrypoint' ? 'command' : 'args'}; for an image in a custom resource's field, set the command in that resource instead, or remove ${option}.`,
      },
    );
  }

  // Images needed: deployed ones and their ancestors. Others are unused (warned, not built).
  const needed = new Set<string>();
  const need = (id: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const d of images.get(id)!.deps) need(d);
  };
  for (const img of all) if (img.deployed) need(img.id);
  const unused: Resolved['unused'] = [];
  let used: string[] | undefined;
  for (const img of all) {
    if (needed.has(img.id)) continue;
    used ??= usedImageNames(objects);
    unused.push({ id: img.id, loc: img.spec.loc });
    warnings.push(
      `image '${img.id}' (${img.spec.loc.file}:${img.spec.loc.line}) is not used in any Kubernetes object, so it is not built; objects use: ${used.join(', ') || 'no images'}`,
    );
  }
  for (const img of all) {
    if (!needed.has(img.id) || img.deployed || img.spec.liveUpdate.length === 0) continue;
    const children = all.filter((c) => c.deps.includes(img.id)).map((c) => c.id);
    throw new DevloopError(
      'live-update-on-base',
      `live_update on '${img.id}', which is only used as a base image (by ${children.join(', ')}): no container runs it, so it would never update anything`,
      {
        location: img.spec.loc,
        hint: `move the live_update to the image that is deployed: ${children.join(', ')}`,
      },
    );
  }
  checkLiveUpdatePaths(
    all.filter((i) => needed.has(i.id)),
    images,
  );

  const { resources, warnings: rw } = assembleResources({ plan, objects, imagesByObject });
  warnings.push(...rw);
  return keepSelected({
    plan,
    registry,
    images: all.filter((i) => needed.has(i.id)),
    unused,
    objects,
    rendered,
    locators,
    resources,
    warnings,
  });
}

function registryOf(plan: Plan): Registry {
  const r = plan.registry!;
  try {
    return makeRegistry(r.host, { hostFromCluster: r.hostFromCluster, singleName: r.singleName });
  } catch (e) {
    if (e instanceof DevloopError) e.location = r.loc;
    throw e;
  }
}

function usedImageNames(objects: SourcedObject[]): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (key === 'image' && typeof v === 'string') names.add(v);
  };
  for (const o of objects) walk(o.object);
  return [...names].slice(0, 8);
}

/** Every sync source and fall_back_on path must lie under what the image (or a base image) watches. */
function checkLiveUpdatePaths(list: ResolvedImage[], images: Map<string, ResolvedImage>): void {
  for (const img of list) {
    const roots: string[] = [];
    const collect = (i: ResolvedImage): void => {
      roots.push(...(i.spec.type === 'docker' ? [i.spec.context] : i.spec.deps));
      for (const d of i.deps) collect(images.get(d)!);
    };
    collect(img);
    const under = (p: string) => roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : `${r}/`));
    for (const s of img.spec.liveUpdate) {
      const paths = s.type === 'sync' ? [s.local] : s.type === 'fall_back_on' ? s.paths : [];
      for (const p of paths) {
        if (!under(p)) {
          throw new DevloopError(
            'live-update-path',
            `${s.type}: '${p}' is not inside what image '${img.id}' is built from (${roots.join(', ')}), so changes there are never seen`,
            {
              location: s.loc,
              hint: 'sync paths must be inside the docker_build context (or custom_build deps) of this image or its base images',
            },
          );
        }
      }
    }
  }
}

/** custom_build deps: ignore= patterns apply relative to each dep directory. */
export function depsFilter(deps: string[], ignore: string[]): FileFilter {
  if (ignore.length === 0) return anyFilter([]);
  const m = dockerignoreMatcher(ignore);
  return anyFilter(deps.map((d) => rootedFilter(d, m)));
}

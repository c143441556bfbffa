/**
 * The one manifest walker: finds image refs in Kubernetes objects (plain objects parsed from YAML) and
 * replaces the ones a built image selects.
 *
 * Where images are found:
 * - `containers`, `initContainers`, `ephemeralContainers` (`image`) and `volumes[].image.reference` of
 *   every pod spec. Built-in kinds (core/apps/batch/extensions groups, or no apiVersion) use their fixed pod
 *   spec path (Pod `spec`, PodTemplate `template.spec`, workloads `spec.template.spec`, CronJob
 *   `spec.jobTemplate.spec.template.spec`). Any other kind is searched for PodTemplateSpec-shaped subtrees,
 *   `template: {spec: {containers: [...]}}`, anywhere outside metadata/status (Argo Rollout, Knative
 *   Service, OpenKruise CloneSet...). Tilt finds nothing in CRDs without a locator.
 * - `env[].value` of those containers, only for selectors that asked for it (match_in_env_vars), and only
 *   when the value parses as a ref the selector matches.
 * - Paths given by image locators (locator.ts) for the objects they select.
 * A container image or located value that is not a valid ref is an error naming the object; a missing or
 * null image is skipped (the API server will say what it thinks of it), as is an empty image volume.
 */
import { DevloopError } from './errors.js';
import { evalJsonPath, formatPath, getAt, isMap, JsonPathError, setAt, type JsonPath, type PathSegment } from './jsonpath.js';
import { locatorMatches, type ImageLocator } from './locator.js';
import { bestMatch, familiarString, parseRef, refProblem, selectorMatches, tryParseRef, type ImageRef, type RefSelector } from './ref.js';

export type K8sObject = Record<string, unknown>;

export interface ObjectKey {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function objectKey(obj: unknown): ObjectKey {
  const o = isMap(obj) ? obj : {};
  const meta = isMap(o.metadata) ? o.metadata : {};
  const key: ObjectKey = {
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
    kind: typeof o.kind === 'string' ? o.kind : '',
    name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '',
  };
  if (typeof meta.namespace === 'string' && meta.namespace !== '') key.namespace = meta.namespace;
  return key;
}

/** `Deployment/web`, as errors and messages name objects. */
export function objectName(obj: unknown): string {
  const { kind, name } = objectKey(obj);
  return `${kind || '<no kind>'}/${name || '<no name>'}`;
}

export type OccurrenceKind = 'container' | 'initContainer' | 'ephemeralContainer' | 'imageVolume' | 'env' | 'jsonPath' | 'imageObject';

export interface ImageOccurrence {
  kind: OccurrenceKind;
  /** `spec.template.spec.containers[0].image`; for imageObject, the path of the map. */
  path: string;
  segments: PathSegment[];
  /** The text found; for imageObject `repo:tag` (or `repo` when there is no tag). */
  value: string;
  ref: ImageRef;
  /** Name of the container the image or env var belongs to. */
  container?: string;
  /** imageObject only. */
  repoField?: string;
  tagField?: string;
}

export interface FindOptions {
  locators?: readonly ImageLocator[];
  /** Selectors of images with match_in_env_vars: env values they match are reported. */
  envSelectors?: readonly RefSelector[];
}

const CONTAINER_FIELDS = [
  ['containers', 'container'],
  ['initContainers', 'initContainer'],
  ['ephemeralContainers', 'ephemeralContainer'],
] as const;

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'extensions']);
const WORKLOAD_TEMPLATE: PathSegment[] = ['spec', 'template', 'spec'];
const BUILTIN_POD_SPECS: Record<string, PathSegment[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: WORKLOAD_TEMPLATE,
  ReplicaSet: WORKLOAD_TEMPLATE,
  StatefulSet: WORKLOAD_TEMPLATE,
  DaemonSet: WORKLOAD_TEMPLATE,
  Job: WORKLOAD_TEMPLATE,
  ReplicationController: WORKLOAD_TEMPLATE,
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Locations of the pod specs in an object (see the file comment for how they are found). */
export function findPodSpecs(obj: unknown): PathSegment[][] {
  if (!isMap(obj)) return [];
  const { apiVersion, kind } = objectKey(obj);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const fixed = BUILTIN_POD_SPECS[kind];
  if (fixed && BUILTIN_GROUPS.has(group)) return isMap(getAt(obj, fixed)) ? [fixed] : [];
  const found: PathSegment[][] = [];
  const walk = (node: unknown, at: PathSegment[]): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, [...at, i]));
      return;
    }
    if (!isMap(node)) return;
    const template = node.template;
    const isPodTemplate = isMap(template) && isMap(template.spec) && Array.isArray(template.spec.containers);
    if (isPodTemplate) found.push([...at, 'template', 'spec']);
    for (const [k, v] of Object.entries(node)) {
      if (at.length === 0 && (k === 'metadata' || k === 'status')) continue;
      if (k === 'template' && isPodTemplate) continue; // no pod templates inside a pod template
      walk(v, [...at, k]);
    }
  };
  walk(obj, []);
  return found;
}

/** Every image ref in the object, in document order, each location once. */
export function findImages(obj: unknown, opts: FindOptions = {}): ImageOccurrence[] {
  const out: ImageOccurrence[] = [];
  const seen = new Set<string>();
  const add = (occ: Omit<ImageOccurrence, 'path'>): void => {
    const path = formatPath(occ.segments);
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ ...occ, path });
  };
  const envSelectors = opts.envSelectors ?? [];

  for (const specPath of findPodSpecs(obj)) {
    const spec = getAt(obj, specPath) as Record<string, unknown>;
    for (const [field, kind] of CONTAINER_FIELDS) {
      const containers = spec[field];
      if (!Array.isArray(containers)) continue;
      containers.forEach((c, i) => {
        if (!isMap(c)) return;
        const at = [...specPath, field, i];
        const container = typeof c.name === 'string' ? c.name : undefined;
        if (c.image !== undefined && c.image !== null) {
          const segments = [...at, 'image'];
          add({
            kind,
            segments,
            value: imageString(obj, c.image, segments),
            ref: mustParse(obj, c.image, segments),
            ...(container !== undefined && { container }),
          });
        }
        if (envSelectors.length && Array.isArray(c.env)) {
          c.env.forEach((e, j) => {
            if (!isMap(e) || typeof e.value !== 'string') return;
            const ref = tryParseRef(e.value);
            if (!ref || !envSelectors.some((s) => selectorMatches(s, ref))) return;
            add({ kind: 'env', segments: [...at, 'env', j, 'value'], value: e.value, ref, ...(container !== undefined && { container }) });
          });
        }
      });
    }
    if (Array.isArray(spec.volumes)) {
      spec.volumes.forEach((v, i) => {
        if (!isMap(v) || !isMap(v.image)) return;
        const reference = v.image.reference;
        if (reference === undefined || reference === null || reference === '') return;
        const segments = [...specPath, 'volumes', i, 'image', 'reference'];
        add({ kind: 'imageVolume', segments, value: imageString(obj, reference, segments), ref: mustParse(obj, reference, segments) });
      });
    }
  }

  for (const locator of opts.locators ?? []) {
    if (!locatorMatches(locator, obj)) continue;
    for (const jp of locator.jsonPaths) {
      for (const { segments, value } of locate(obj, jp, 'image_json_path', locator.description)) {
        if (value === null) continue;
        if (typeof value !== 'string') {
          throw new DevloopError(
            'invalid-manifest-image',
            `image_json_path ${jp.source} reached a ${describeType(value)} at ${formatPath(segments)}, not a string`,
            {
              object: objectName(obj),
              hint: isMap(value)
                ? 'For an image split into repository and tag fields, use k8s_kind(..., image_object=...).'
                : 'Point the JSON path at the string holding the image.',
            },
          );
        }
        add({ kind: 'jsonPath', segments, value, ref: mustParse(obj, value, segments) });
      }
    }
    const io = locator.imageObject;
    if (!io) continue;
    for (const { segments, value } of locate(obj, io.path, 'image_object json_path', locator.description)) {
      if (value === null) continue;
      if (!isMap(value)) {
        throw new DevloopError(
          'invalid-manifest-image',
          `image_object json_path ${io.path.source} reached a ${describeType(value)} at ${formatPath(segments)}, not a map with '${io.repoField}'`,
          {
            object: objectName(obj),
            hint: 'For an image held in one string, use image_json_path instead.',
          },
        );
      }
      const repo = value[io.repoField];
      if (repo === undefined || repo === null) continue;
      const repoSegments = [...segments, io.repoField];
      const repoText = imageString(obj, repo, repoSegments);
      const tag = io.tagField ? value[io.tagField] : undefined;
      // YAML reads `tag: 2` as a number; take it as the tag it was meant to be.
      const text = (typeof tag === 'string' && tag !== '') || typeof tag === 'number' ? `${repoText}:${tag}` : repoText;
      add({ kind: 'imageObject', segments, value: text, ref: mustParse(obj, text, segments), repoField: io.repoField, tagField: io.tagField });
    }
  }
  return out;
}

export interface InjectTarget {
  /** Image target id, reported back in injections. */
  id: string;
  selector: RefSelector;
  /** The ref to write, with its tag (the ClusterRef), e.g. `localhost:5005/app:devloop-0123456789abcdef`. */
  clusterRef: string;
  /** Replaces `command` of injected containers (a string entrypoint is turned into ['sh', '-c', s] by the caller). */
  entrypoint?: readonly string[];
  /** Replaces `args` of injected containers; [] clears them. */
  containerArgs?: readonly string[];
  /** Replaces `command` of injected containers with what it returns for their own command (after `entrypoint`). */
  wrapCommand?: (command: unknown, container: string) => string[];
  matchInEnvVars?: boolean;
}

export interface Injection {
  targetId: string;
  kind: OccurrenceKind;
  path: string;
  container?: string;
  from: string;
  to: string;
}

export interface InjectResult {
  /** A deep copy with the refs replaced; the input is never mutated. */
  object: K8sObject;
  /** What was replaced, in document order. A target absent from this list matched nothing in this object. */
  injections: Injection[];
  /** Every image found, replaced or not: for the match report. */
  occurrences: ImageOccurrence[];
}

/**
 * Replace every image a target selects (overlapping selectors: exact tag beats name, then declaration
 * order). An injected container also gets `imagePullPolicy: IfNotPresent`, `command` = entrypoint and
 * `args` = containerArgs when set; containers devloop did not inject are left alone. An image volume gets
 * `pullPolicy: IfNotPresent`; a located path gets it only if its map already has `imagePullPolicy`.
 */
export function injectImages(obj: K8sObject, targets: readonly InjectTarget[], opts: { locators?: readonly ImageLocator[] } = {}): InjectResult {
  const envTargets = targets.filter((t) => t.matchInEnvVars);
  const occurrences = findImages(obj, { locators: opts.locators, envSelectors: envTargets.map((t) => t.selector) });
  const object = structuredClone(obj);
  const injections: Injection[] = [];
  const parsed = new Map<string, ImageRef>();
  const clusterRefOf = (t: InjectTarget): ImageRef => {
    let ref = parsed.get(t.id);
    if (!ref) parsed.set(t.id, (ref = parseRef(t.clusterRef)));
    return ref;
  };

  for (const occ of occurrences) {
    const target = bestMatch(occ.kind === 'env' ? envTargets : targets, occ.ref);
    if (!target) continue;
    const to = familiarString(clusterRefOf(target));
    const parent = occ.segments.slice(0, -1);
    switch (occ.kind) {
      case 'container':
      case 'initContainer':
      case 'ephemeralContainer': {
        const c = getAt(object, parent) as Record<string, unknown>;
        c.image = to;
        c.imagePullPolicy = 'IfNotPresent';
        if (target.entrypoint) c.command = [...target.entrypoint];
        if (target.containerArgs) c.args = [...target.containerArgs];
        if (target.wrapCommand) c.command = target.wrapCommand(c.command, String(c.name ?? occ.container ?? ''));
        break;
      }
      case 'imageVolume': {
        const source = getAt(object, parent) as Record<string, unknown>;
        source.reference = to;
        source.pullPolicy = 'IfNotPresent';
        break;
      }
      case 'env':
        setAt(object, occ.segments, to);
        break;
      case 'jsonPath': {
        setAt(object, occ.segments, to);
        const holder = getAt(object, parent);
        if (isMap(holder) && Object.hasOwn(holder, 'imagePullPolicy')) holder.imagePullPolicy = 'IfNotPresent';
        break;
      }
      case 'imageObject': {
        const holder = getAt(object, occ.segments) as Record<string, unknown>;
        const ref = clusterRefOf(target);
        if (occ.tagField && ref.tag !== undefined && ref.digest === undefined) {
          holder[occ.repoField!] = ref.familiarName;
          holder[occ.tagField] = ref.tag;
        } else {
          holder[occ.repoField!] = to;
          if (occ.tagField) delete holder[occ.tagField];
        }
        break;
      }
    }
    injections.push({
      targetId: target.id,
      kind: occ.kind,
      path: occ.path,
      ...(occ.container !== undefined && { container: occ.container }),
      from: occ.value,
      to,
    });
  }
  return { object, injections, occurrences };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * The values a locator's path reaches in an object it selects. As in Tilt, a path that does not exist on a
 * selected object is an error, as is a match that is not a field of the object (a literal of the path).
 */
function locate(obj: unknown, path: JsonPath, what: string, locator: string): { segments: PathSegment[]; value: unknown }[] {
  let matches;
  try {
    matches = evalJsonPath(path, obj);
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
    throw new DevloopError('json-path-not-found', `${what} ${path.source} does not match: ${e.message}`, {
      object: objectName(obj),
      hint: `The path must exist on every object its locator (${locator}) selects: fix the path, or select fewer objects with kind/name/namespace.`,
    });
  }
  return matches.map(({ segments, value }) => {
    if (segments) return { segments, value };
    throw new DevloopError('invalid-json-path', `${what} ${path.source} yields ${JSON.stringify(value)}, which is not a field of the object`, {
      object: objectName(obj),
      hint: 'Point the path at the field that holds the image, e.g. {.spec.image}; text outside {…} and quoted strings are literals.',
    });
  });
}

function imageString(obj: unknown, value: unknown, segments: PathSegment[]): string {
  if (typeof value === 'string') return value;
  throw new DevloopError('invalid-manifest-image', `the image at ${formatPath(segments)} is a ${describeType(value)}, not a string`, {
    object: objectName(obj),
    hint: 'Write the image as a string, e.g. image: "redis:7".',
  });
}

function mustParse(obj: unknown, value: unknown, segments: PathSegment[]): ImageRef {
  const text = imageString(obj, value, segments);
  const problem = refProblem(text);
  if (problem === undefined) return parseRef(text);
  throw new DevloopError('invalid-manifest-image', `image ${JSON.stringify(text)} at ${formatPath(segments)} is not a valid image reference: ${problem}`, {
    object: objectName(obj),
    hint: /[${}]/.test(text)
      ? 'This looks like an unrendered template variable; render the YAML (helm template, kustomize build, envsubst) before passing it to devloop.'
      : 'Image references look like name[:tag][@digest], e.g. redis:7 or localhost:5005/app; names are lowercase.',
  });
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return 'map';
  return typeof v;
}

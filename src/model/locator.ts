/**
 * Image locators for custom resources: `k8s_kind(kind, {api_version, image_json_path, image_object})`
 * and `k8s_image_json_path(paths, {api_version, kind, name, namespace})`.
 * Object filters are case-insensitive regular expressions, as in Tilt, but ANCHORED: `kind: 'Env'` matches
 * the kind `Env` (or `env`), not `MyEnvironment` (Tilt matches substrings). `namespace` is matched against
 * the namespace written in the object ('' when there is none).
 */
import { DevloopError } from './errors.js';
import { compileJsonPath, isMap, type JsonPath } from './jsonpath.js';

export interface ImageObjectSpec {
  /** Path to the map holding repository and tag, e.g. `{.spec.image}`. */
  jsonPath: string;
  repoField: string;
  /** '' when the repository field holds the whole ref. */
  tagField: string;
}

export interface LocatorSpec {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPaths?: readonly string[];
  imageObject?: ImageObjectSpec;
}

export interface ImageLocator {
  /** For messages: `kind=Environment apiVersion=example.com/v1`. */
  readonly description: string;
  readonly filters: readonly { field: 'apiVersion' | 'kind' | 'name' | 'namespace'; re: RegExp }[];
  readonly jsonPaths: readonly JsonPath[];
  readonly imageObject?: { path: JsonPath; repoField: string; tagField: string };
}

/** Throws DevloopError `invalid-locator` (or `invalid-json-path`). */
export function compileLocator(spec: LocatorSpec): ImageLocator {
  const fail = (why: string, hint?: string): never => {
    throw new DevloopError('invalid-locator', why, { hint });
  };
  if (!spec.kind && !spec.name && !spec.namespace) fail('at least one of kind, name, or namespace must be specified');
  if (spec.jsonPaths?.length && spec.imageObject) fail('Cannot specify both image_json_path and image_object');
  const filters: { field: 'apiVersion' | 'kind' | 'name' | 'namespace'; re: RegExp }[] = [];
  const described: string[] = [];
  for (const field of ['kind', 'apiVersion', 'name', 'namespace'] as const) {
    const pattern = spec[field];
    if (pattern === undefined || pattern === '') continue;
    try {
      filters.push({ field, re: new RegExp(`^(?:${pattern})$`, 'i') });
    } catch (e) {
      fail(
        `error parsing ${field} regexp ${JSON.stringify(pattern)}: ${(e as Error).message}`,
        'Filters are regular expressions matched against the whole value, ignoring case.',
      );
    }
    described.push(`${field}=${pattern}`);
  }
  const locator: { -readonly [K in keyof ImageLocator]: ImageLocator[K] } = {
    description: described.join(' '),
    filters,
    jsonPaths: (spec.jsonPaths ?? []).map(compileJsonPath),
  };
  if (spec.imageObject) {
    const { jsonPath, repoField, tagField } = spec.imageObject;
    if (!jsonPath || !repoField || typeof tagField !== 'string') {
      fail(
        'Expected image_object of the form {json_path: string, repo_field: string, tag_field: string}',
        "e.g. image_object: {json_path: '{.spec.image}', repo_field: 'repository', tag_field: 'tag'}",
      );
    }
    locator.imageObject = { path: compileJsonPath(jsonPath), repoField, tagField };
  }
  return locator;
}

export function locatorMatches(locator: ImageLocator, obj: unknown): boolean {
  if (!isMap(obj)) return false;
  const meta = isMap(obj.metadata) ? obj.metadata : {};
  const values = {
    apiVersion: str(obj.apiVersion),
    kind: str(obj.kind),
    name: str(meta.name),
    namespace: str(meta.namespace),
  };
  return locator.filters.every(({ field, re }) => re.test(values[field]));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Docker image references: the one ref parser of devloop.
 *
 * Parsing and normalisation follow distribution/reference `ParseNormalizedNamed` (the library Docker,
 * containerd and Tilt use): `foo` → `docker.io/library/foo`, `user/foo` → `docker.io/user/foo`, the first
 * path element is a registry host when it contains `.` or `:`, is `localhost`, or has an uppercase letter.
 * Unlike the library, a failure says which part is wrong (the library mostly says "invalid reference format").
 * One deliberate difference: a first element that Docker would take as a host but that is not a valid host
 * (`my_reg.com/app`) is rejected instead of being read as a host-less path.
 */
import { DevloopError } from './errors.js';

export interface ImageRef {
  /** Registry host, normalised: `docker.io`, `localhost:5005`, `gcr.io`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/redis`, `user/app`, `proj/img`. */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` (or sha384/sha512). */
  readonly digest?: string;
  /** `domain/path`, e.g. `docker.io/library/redis`. */
  readonly name: string;
  /** Docker's short name: `redis`, `user/app`, `localhost:5005/app`. */
  readonly familiarName: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const MAX_PATH_LENGTH = 255;

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const DIGEST_ALGORITHM_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
/** Algorithms go-digest knows, with the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** The reason `s` is not a valid image reference, or undefined when it is. */
export function refProblem(s: string): string | undefined {
  const r = parseParts(s);
  return 'problem' in r ? r.problem : undefined;
}

/** Parse and normalise; throws DevloopError `invalid-ref` saying what is wrong. */
export function parseRef(s: string): ImageRef {
  const r = parseParts(s);
  if ('problem' in r) {
    throw new DevloopError('invalid-ref', `invalid image reference ${JSON.stringify(s)}: ${r.problem}`, {
      hint: 'An image reference looks like name[:tag][@sha256:digest], e.g. redis:7, user/app, localhost:5005/app:dev; names are lowercase.',
    });
  }
  return r;
}

export function tryParseRef(s: string): ImageRef | undefined {
  const r = parseParts(s);
  return 'problem' in r ? undefined : r;
}

/** Docker's short form with tag and digest: `redis:7`, `user/app@sha256:…`, `localhost:5005/app:dev`. */
export function familiarString(ref: ImageRef): string {
  return withSuffix(ref.familiarName, ref);
}

/** The fully normalised form: `docker.io/library/redis:7`. */
export function canonicalString(ref: ImageRef): string {
  return withSuffix(ref.name, ref);
}

/** The ref without tag or digest. */
export function nameOnly(ref: ImageRef): ImageRef {
  return makeRef(ref.domain, ref.path);
}

/**
 * The ref's name with `tag`. Any digest is dropped: a tagged ref names the image devloop built, and a
 * digest of some other content would make the runtime pull that instead. Throws `invalid-ref` on a bad tag.
 */
export function withTag(ref: ImageRef, tag: string): ImageRef {
  const problem = tagProblem(tag);
  if (problem) {
    throw new DevloopError('invalid-ref', `cannot tag ${ref.familiarName} as ${JSON.stringify(tag)}: ${problem}`);
  }
  return makeRef(ref.domain, ref.path, tag);
}

/** The reason `tag` is not a valid tag, or undefined. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'the tag is empty';
  if (tag.length > 128) return `the tag is ${tag.length} characters long; at most 128 are allowed`;
  if (!TAG_RE.test(tag)) {
    return `invalid tag ${JSON.stringify(tag)}: a tag may contain only letters, digits, '_', '.' and '-', and must not start with '.' or '-'`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Selectors: which YAML refs a configured image ref replaces.

export interface RefSelector {
  readonly ref: ImageRef;
  /** true: only refs with this exact name AND tag match. false: every tag and digest of the name. */
  readonly exactTag: boolean;
}

/**
 * A ref without a tag matches every tag and digest of its name; a ref with a tag matches only that tag
 * (a digest in the YAML ref is ignored then: the tag is what the user named). A digest-only ref
 * (`foo@sha256:…`) selects by name, as in Tilt. Unlike Tilt, a selector never changes because another
 * image of the same name exists: pick between overlapping selectors with `bestMatch`.
 */
export function makeSelector(ref: ImageRef | string): RefSelector {
  const r = typeof ref === 'string' ? parseRef(ref) : ref;
  return { ref: r, exactTag: r.tag !== undefined };
}

/** Does a ref found in a manifest match the selector? A string that does not parse never matches. */
export function selectorMatches(sel: RefSelector, candidate: ImageRef | string): boolean {
  const c = typeof candidate === 'string' ? tryParseRef(candidate) : candidate;
  if (!c || c.name !== sel.ref.name) return false;
  return !sel.exactTag || c.tag === sel.ref.tag;
}

/** `redis` or `my-mega-image:service-a`: the selector as the user wrote it, in familiar form. */
export function selectorString(sel: RefSelector): string {
  return sel.exactTag ? `${sel.ref.familiarName}:${sel.ref.tag}` : familiarString(sel.ref);
}

/**
 * Of several items with selectors, the one that should take `candidate`: an exact-tag selector beats a
 * name selector (so `app:jessie` in YAML goes to the `app:jessie` build even when an `app` build exists),
 * then the first in declaration order.
 */
export function bestMatch<T extends { selector: RefSelector }>(items: readonly T[], candidate: ImageRef | string): T | undefined {
  const c = typeof candidate === 'string' ? tryParseRef(candidate) : candidate;
  if (!c) return undefined;
  let best: T | undefined;
  for (const item of items) {
    if (!selectorMatches(item.selector, c)) continue;
    if (item.selector.exactTag) return item;
    best ??= item;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------

function withSuffix(name: string, ref: ImageRef): string {
  return name + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

function makeRef(domain: string, path: string, tag?: string, digest?: string): ImageRef {
  const ref: { -readonly [K in keyof ImageRef]: ImageRef[K] } = {
    domain,
    path,
    name: `${domain}/${path}`,
    familiarName: familiarName(domain, path),
  };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function familiarName(domain: string, path: string): string {
  if (domain !== DEFAULT_DOMAIN) return `${domain}/${path}`;
  if (path.startsWith(OFFICIAL_PREFIX) && !path.slice(OFFICIAL_PREFIX.length).includes('/')) {
    return path.slice(OFFICIAL_PREFIX.length);
  }
  return path;
}

function parseParts(s: string): ImageRef | { problem: string } {
  if (typeof s !== 'string') return { problem: `expected a string, got ${s === null ? 'null' : typeof s}` };
  if (s === '') return { problem: 'the reference is empty' };
  if (/\s/.test(s)) return { problem: 'it contains whitespace' };
  if (IDENTIFIER_RE.test(s)) return { problem: 'a 64-character hex string is an image ID, not a repository name' };

  // A digest follows the first '@'; a tag follows the last ':' when no '/' comes after it (else it is a port).
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) return { problem };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem = tagProblem(tag);
    if (problem) return { problem };
  }
  if (rest === '') return { problem: 'the repository name is empty' };

  const { domain, path, problem } = splitDomain(rest);
  if (problem) return { problem };
  for (const component of path.split('/')) {
    if (component === '') return { problem: `the repository name ${JSON.stringify(path)} has an empty path component` };
    if (!PATH_COMPONENT_RE.test(component)) {
      if (PATH_COMPONENT_RE.test(component.toLowerCase())) {
        return { problem: `repository name must be lowercase (${JSON.stringify(component)})` };
      }
      return {
        problem: `invalid repository name component ${JSON.stringify(component)}: use lowercase letters and digits, separated by '.', '_', '__' or '-'`,
      };
    }
  }
  if (path.length > MAX_PATH_LENGTH) {
    return { problem: `repository name must not be more than ${MAX_PATH_LENGTH} characters (it has ${path.length})` };
  }
  return makeRef(domain, path, tag, digest);
}

/** distribution/reference `splitDockerDomain`, followed by validation of the host. */
function splitDomain(name: string): { domain: string; path: string; problem?: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, path: OFFICIAL_PREFIX + name };
  const first = name.slice(0, slash);
  const remainder = name.slice(slash + 1);
  const isHost = first === 'localhost' || first === LEGACY_DEFAULT_DOMAIN || /[.:]/.test(first) || first.toLowerCase() !== first;
  if (!isHost) return { domain: DEFAULT_DOMAIN, path: name };
  const domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
  if (!DOMAIN_RE.test(domain)) {
    return { domain, path: remainder, problem: `invalid registry host ${JSON.stringify(first)}` };
  }
  const path = domain === DEFAULT_DOMAIN && !remainder.includes('/') ? OFFICIAL_PREFIX + remainder : remainder;
  return { domain, path };
}

/** go-digest `Digest.Validate`, with the algorithms Docker registers. */
function digestProblem(d: string): string | undefined {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon === d.length - 1) {
    return `invalid digest ${JSON.stringify(d)}: expected <algorithm>:<hex>, e.g. sha256:<64 hex digits>`;
  }
  const algorithm = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm) || !/^[0-9a-fA-F]+$/.test(hex)) {
    return `invalid digest ${JSON.stringify(d)}: expected <algorithm>:<hex>, e.g. sha256:<64 hex digits>`;
  }
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm)} (use sha256, sha384 or sha512)`;
  if (hex.length !== length) return `invalid digest length: ${algorithm} needs ${length} hex digits, got ${hex.length}`;
  if (!/^[0-9a-f]+$/.test(hex)) return `invalid digest ${JSON.stringify(d)}: hex digits must be lowercase`;
  return undefined;
}

/**
 * Registry rewriting: from the ref the user configured to the ref devloop builds and pushes (LocalRef)
 * and the ref written into the YAML (ClusterRef). Follows Tilt's `replaceRegistry`
 * (`internal/container/registry.go`), with one difference: a name already under one of the hosts keeps its
 * path under the other host too, so LocalRef and ClusterRef always name the same repository.
 */
import { DevloopError } from './errors.js';
import { familiarString, parseRef, refProblem, withTag, type ImageRef } from './ref.js';

export interface Registry {
  /** Host (optionally with a path, e.g. `gcr.io/my-project`) that devloop pushes to: LocalRef. */
  readonly host: string;
  /** Host the cluster pulls from, written into YAML: ClusterRef. Defaults to `host`. */
  readonly hostFromCluster?: string;
  /** Every image goes to the single repository `<host>/<singleName>`; tags are prefixed with the image name. */
  readonly singleName?: string;
}

export interface RegistryOptions {
  hostFromCluster?: string;
  singleName?: string;
}

/** Validate `default_registry(host, {host_from_cluster, single_name})`. Throws DevloopError `invalid-registry`. */
export function makeRegistry(host: string, opts: RegistryOptions = {}): Registry {
  validateHost(host, 'host');
  const reg: { -readonly [K in keyof Registry]: Registry[K] } = { host };
  if (opts.hostFromCluster !== undefined && opts.hostFromCluster !== '') {
    validateHost(opts.hostFromCluster, 'host_from_cluster');
    reg.hostFromCluster = opts.hostFromCluster;
  }
  if (opts.singleName !== undefined && opts.singleName !== '') {
    const candidate = `${host}/${opts.singleName}`;
    const problem = refProblem(candidate);
    const ref = problem ? undefined : parseRef(candidate);
    if (!ref || ref.tag !== undefined || ref.digest !== undefined) {
      throw new DevloopError(
        'invalid-registry',
        `invalid single_name ${JSON.stringify(opts.singleName)}: ${problem ?? 'it must be a repository name without tag or digest'}`,
        {
          hint: "single_name is a repository path such as 'dev-images' or 'team/dev-images'.",
        },
      );
    }
    reg.singleName = opts.singleName;
  }
  return reg;
}

/** What an image is called at each stage. Names are in familiar form, e.g. `localhost:5005/app`. */
export interface RefSet {
  /** The ref as configured (may carry a tag: it is the selector). */
  readonly configured: ImageRef;
  /** Name without tag devloop builds, tags and pushes. */
  readonly localName: string;
  /** Name without tag written into YAML. */
  readonly clusterName: string;
  /** Put before every tag: `<last path element>-` with single_name, '' otherwise. */
  readonly tagPrefix: string;
  /** `localName:<prefix><tag>`; throws `invalid-ref` if the tag is invalid. */
  local(tag: string): string;
  /** `clusterName:<prefix><tag>`. */
  cluster(tag: string): string;
}

/**
 * LocalRef and ClusterRef of a configured ref. Without a registry both are the configured name (tag
 * dropped). With one: `<host>/<familiar name, '/' ':' '@' → '_'>`, or the name as is if it already lies
 * under the host, or `<host>/<singleName>` with tags prefixed by the name's last path element.
 */
export function makeRefSet(configured: ImageRef, registry?: Registry): RefSet {
  let localName = configured.familiarName;
  let clusterName = configured.familiarName;
  let tagPrefix = '';
  if (registry) {
    const local = hostName(registry.host);
    const cluster = registry.hostFromCluster !== undefined ? hostName(registry.hostFromCluster) : local;
    const inside = pathUnder(configured, local) ?? pathUnder(configured, cluster);
    let repo: string;
    if (inside !== undefined) {
      repo = inside;
    } else if (registry.singleName !== undefined) {
      repo = registry.singleName;
      tagPrefix = `${configured.path.slice(configured.path.lastIndexOf('/') + 1)}-`;
    } else {
      repo = configured.familiarName.replace(/[/:@]/g, '_');
    }
    localName = rewritten(local, repo, configured, registry.host);
    clusterName = rewritten(cluster, repo, configured, registry.hostFromCluster ?? registry.host);
  }
  const localRef = parseRef(localName);
  const clusterRef = parseRef(clusterName);
  return {
    configured,
    localName,
    clusterName,
    tagPrefix,
    local: (tag) => familiarString(withTag(localRef, tagPrefix + tag)),
    cluster: (tag) => familiarString(withTag(clusterRef, tagPrefix + tag)),
  };
}

/** A one-line description for the start-up output: how images reach the cluster. */
export function describeRegistry(registry: Registry | undefined): string {
  if (!registry) return 'no registry: images keep the names in the config';
  const cluster = registry.hostFromCluster && registry.hostFromCluster !== registry.host ? `, cluster pulls from ${registry.hostFromCluster}` : '';
  const single = registry.singleName ? ` (single repository ${registry.singleName})` : '';
  return `images are pushed to ${registry.host}${single}${cluster}`;
}

// ---------------------------------------------------------------------------------------------------------

function validateHost(host: string, what: string): void {
  const fail = (why: string, hint?: string): never => {
    throw new DevloopError('invalid-registry', `invalid registry ${what} ${JSON.stringify(host)}: ${why}`, {
      hint: hint ?? "A registry host needs a '.', a ':port' or to be 'localhost', and may carry a path: 'localhost:5005', 'gcr.io/my-project'.",
    });
  };
  if (typeof host !== 'string' || host === '') fail('it is empty');
  if (host.includes('://'))
    fail('it must not include a scheme', `Write it without the scheme, e.g. '${host.slice(host.indexOf('://') + 3).replace(/\/+$/, '')}'.`);
  if (host.endsWith('/')) fail("it must not end with '/'", `Write it as '${host.replace(/\/+$/, '')}'.`);
  const fake = `${host}/fake`;
  const problem = refProblem(fake);
  if (problem) fail(problem);
  const ref = parseRef(fake);
  if (ref.tag !== undefined || ref.digest !== undefined) fail('it must not carry a tag or digest');
  if (ref.name !== fake) {
    if (/^(index\.)?docker\.io$/.test(host)) fail('Docker Hub needs a user or organisation', "Write it as 'docker.io/<user>'.");
    if (ref.domain === 'docker.io' && host.startsWith('index.docker.io/')) fail("write 'docker.io' instead of 'index.docker.io'");
    fail(`Docker would read ${JSON.stringify(host.split('/')[0])} as a Docker Hub user name, not as a registry host`);
  }
}

/** The normalised name of a registry host (with its path), e.g. `localhost:5005`, `docker.io/me`. */
function hostName(host: string): string {
  const ref = parseRef(`${host}/fake`);
  return ref.name.slice(0, -'/fake'.length);
}

/** Path of `ref` relative to `host` when it lies under it (Tilt issue #4911), else undefined. */
function pathUnder(ref: ImageRef, host: string): string | undefined {
  return ref.name.startsWith(`${host}/`) ? ref.name.slice(host.length + 1) : undefined;
}

function rewritten(host: string, repo: string, configured: ImageRef, writtenHost: string): string {
  const candidate = `${host}/${repo}`;
  const problem = refProblem(candidate);
  if (problem) {
    throw new DevloopError(
      'invalid-ref',
      `image ${configured.familiarName} under registry ${writtenHost} gives ${JSON.stringify(candidate)}, which is not a valid image name: ${problem}`,
      {
        hint: 'Use a shorter image name, or default_registry(..., single_name=...) to push every image to one repository.',
      },
    );
  }
  return parseRef(candidate).familiarName;
}

/**
 * ImageBuilder: what the engine needs from a container engine to build, tag, check and push images.
 * The real implementation is adapters/docker (dockerode); tests of the engine use a fake.
 * Every failure the user can act on is a DevloopError with one of these codes:
 *   docker-unreachable  no engine answers at DOCKER_HOST (or the default socket)
 *   build-failed        a build step failed; details = the step's output tail
 *   push-failed         the registry refused or could not be reached
 */
import type { ContextEntry } from '../files/types.js';

/** Where build and push progress goes: one user-facing line at a time, without trailing newline. */
export interface BuildOutput {
  line(text: string): void;
  /** The same progress as data, for renderers that show it in place (a footer, the web UI). */
  progress?(p: ImageProgress): void;
}

/** A builder's step started, ended or was cached; a pushed layer's progress (`done` when it is in the registry). */
export type ImageProgress =
  | { kind: 'step'; name: string; state: 'started' | 'done' | 'cached' }
  | { kind: 'layer'; id: string; state: 'pushing' | 'done'; progress?: string };

export interface DockerBuildRequest {
  /** Absolute path of the context directory; entry paths are relative to it. */
  contextDir: string;
  /** The files to send, already filtered by ignore rules (files/walk.ts), sorted by path. */
  entries: ContextEntry[];
  /** The Dockerfile as it should be built (base-image refs already rewritten). Sent from memory. */
  dockerfileText: string;
  /**
   * The Dockerfile's path relative to contextDir (POSIX) when it lies inside the context. If that path is
   * among `entries`, the text above replaces the file there (what `COPY . .` of a plain docker build sees);
   * otherwise the Dockerfile travels under a generated name. Also shown in messages.
   */
  dockerfilePath?: string;
  buildArgs: Record<string, string>;
  target?: string;
  /** Network for RUN steps. When absent: the engine default, or `none` if the engine has no bridge. */
  network?: string;
  /** Extra refs to tag the result with (never pushed). */
  extraTags: string[];
  /** Always pull base images. */
  pull: boolean;
  platform?: string;
  cacheFrom: string[];
  /** `host:ip` entries for /etc/hosts of RUN steps. */
  extraHosts: string[];
  /** Local ref, with tag, that the built image gets. */
  ref: string;
  labels?: Record<string, string>;
  signal?: AbortSignal;
}

/** One executed build step, in order of appearance. */
export interface BuildStep {
  name: string;
  cached: boolean;
  /** Wall time of the step in seconds; 0 when cached. */
  seconds: number;
}

export interface BuildResult {
  /** `sha256:<hex>` */
  imageId: string;
  builder: 'buildkit' | 'classic';
  steps: BuildStep[];
}

export interface PushResult {
  /** `sha256:<hex>` of the pushed manifest, when the engine reported it. */
  digest?: string;
}

export interface EngineInfo {
  /** Server version, e.g. "20.10.24". */
  version: string;
  apiVersion: string;
  /** BuildKit builds (API build version 2) are possible and not disabled by DOCKER_BUILDKIT=0. */
  buildkit: boolean;
  /** A network named "bridge" exists; without it RUN steps need network none or host. */
  hasBridge: boolean;
  /** e.g. "amd64" */
  arch: string;
  /** What DOCKER_HOST was used, for messages: "unix:///var/run/docker.sock". */
  host: string;
}

export interface ImageBuilder {
  engineInfo(): Promise<EngineInfo>;
  build(req: DockerBuildRequest, out: BuildOutput): Promise<BuildResult>;
  /** Does the engine have an image under this ref (or ID)? */
  imageExists(ref: string): Promise<boolean>;
  /** Give an existing image (ref or ID) another ref. */
  tag(source: string, target: string): Promise<void>;
  push(ref: string, out: BuildOutput): Promise<PushResult>;
  /** Does the registry named in `ref` already hold its tag? (the "already built and pushed" check) */
  registryHasTag(ref: string): Promise<boolean>;
}

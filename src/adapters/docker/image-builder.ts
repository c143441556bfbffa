/** DockerImageBuilder: the ImageBuilder port on a Docker engine, composed of the pieces in this folder. */
import type { BuildOutput, BuildResult, DockerBuildRequest, EngineInfo, ImageBuilder, PushResult } from '../../ports/image-builder.js';
import { buildImage } from './build.js';
import { createDockerClient, type DockerClient } from './client.js';
import { engineInfo } from './engine.js';
import { imageExists, tagImage } from './images.js';
import { pushImage } from './push.js';
import { registryHasTag } from './registry-http.js';

export class DockerImageBuilder implements ImageBuilder {
  private info?: Promise<EngineInfo>;

  constructor(readonly client: DockerClient = createDockerClient()) {}

  /** Asked once; a failure (engine down) is not remembered, so the next call asks again. */
  engineInfo(): Promise<EngineInfo> {
    this.info ??= engineInfo(this.client).catch((err: unknown) => {
      this.info = undefined;
      throw err;
    });
    return this.info;
  }

  async build(req: DockerBuildRequest, out: BuildOutput): Promise<BuildResult> {
    return buildImage(this.client, await this.engineInfo(), req, out);
  }

  imageExists(ref: string): Promise<boolean> {
    return imageExists(this.client, ref);
  }

  tag(source: string, target: string): Promise<void> {
    return tagImage(this.client, source, target);
  }

  push(ref: string, out: BuildOutput): Promise<PushResult> {
    return pushImage(this.client, ref, out);
  }

  registryHasTag(ref: string): Promise<boolean> {
    return registryHasTag(ref);
  }
}

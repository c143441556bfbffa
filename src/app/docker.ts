/** The Docker engine adapter, checked once at start so an engine that does not answer is one clear error. */
import { DockerImageBuilder } from '../adapters/docker/image-builder.js';
import type { ImageBuilder } from '../ports/image-builder.js';
import type { Log } from '../engine/log.js';

export async function createImageBuilder(log: Log): Promise<ImageBuilder> {
  const builder = new DockerImageBuilder();
  const info = await builder.engineInfo();
  log.line(
    '',
    `Docker engine ${info.version} at ${info.host}${info.buildkit ? ', building with BuildKit' : ', classic builder'}${info.hasBridge ? '' : ' (no bridge network: RUN steps use network none)'}`,
  );
  return builder;
}

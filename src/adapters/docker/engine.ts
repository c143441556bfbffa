/** What the engine can do: version, BuildKit support, whether a bridge network exists. */
import type { EngineInfo } from '../../ports/image-builder.js';
import { engineCall, type DockerClient } from './client.js';

/** BuildKit through the build API (version=2) needs API 1.39 (Docker 18.09) or later, on Linux. */
const MIN_BUILDKIT_API = [1, 39];

export async function engineInfo(client: DockerClient, env: NodeJS.ProcessEnv = process.env): Promise<EngineInfo> {
  return engineCall(client, async (docker) => {
    const [version, networks] = await Promise.all([docker.version(), docker.listNetworks({ filters: { name: ['bridge'] } })]);
    const api = String(version.ApiVersion ?? '0.0');
    const disabled = env.DOCKER_BUILDKIT !== undefined && /^(0|false|no)$/i.test(env.DOCKER_BUILDKIT);
    return {
      version: String(version.Version ?? 'unknown'),
      apiVersion: api,
      buildkit: !disabled && version.Os === 'linux' && apiAtLeast(api, MIN_BUILDKIT_API),
      hasBridge: networks.some((n) => n.Name === 'bridge'),
      arch: String(version.Arch ?? ''),
      host: client.host,
    };
  });
}

function apiAtLeast(api: string, min: number[]): boolean {
  const [major = 0, minor = 0] = api.split('.').map(Number);
  return major > min[0]! || (major === min[0] && minor >= min[1]!);
}

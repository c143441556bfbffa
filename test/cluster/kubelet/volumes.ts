// Pod volumes as directories on this machine, bind-mounted into the containers (the engine is local):
// emptyDir (shared by the pod's containers, writable by any user), configMap and secret (files written once,
// when the pod starts). Other volume types are left out: their mounts are skipped.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Objects } from '../api/objects.js';
import type { ResourceRegistry } from '../api/resources.js';
import type { Json, KubeObject } from '../api/types.js';
import type { Mount } from '../runtime/types.js';
import { ConfigError } from './env.js';

/** creates the pod's volume directories under `podDir`; volume name -> host directory */
export function prepareVolumes(objects: Objects, registry: ResourceRegistry, pod: KubeObject, podDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of (pod.spec?.volumes ?? []) as Json[]) {
    const dir = join(podDir, 'volumes', v.name);
    if (v.emptyDir) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
    } else if (v.configMap || v.secret) {
      const isSecret = !!v.secret;
      const src = v.configMap ?? v.secret;
      const name = isSecret ? src.secretName : src.name;
      const o = objects.find(registry.byPlural('', isSecret ? 'secrets' : 'configmaps')!, pod.metadata.namespace, name);
      if (!o && !src.optional)
        throw new ConfigError(`MountVolume.SetUp failed for volume "${v.name}" : ${isSecret ? 'secret' : 'configmap'} "${name}" not found`);
      const data: Record<string, Buffer> = {};
      for (const [k, val] of Object.entries((o?.data ?? {}) as Record<string, string>)) data[k] = isSecret ? Buffer.from(val, 'base64') : Buffer.from(val);
      for (const [k, val] of Object.entries((o?.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(val, 'base64');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const items: Array<{ key: string; path: string }> = src.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (!data[item.key]) continue;
        const file = join(dir, item.path);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, data[item.key], { mode: 0o644 });
      }
    } else continue;
    out.set(v.name, dir);
  }
  return out;
}

export function mountsFor(c: Json, volumes: Map<string, string>): Mount[] {
  return ((c.volumeMounts ?? []) as Json[])
    .filter((m) => volumes.has(m.name))
    .map((m) => ({ hostPath: m.subPath ? join(volumes.get(m.name)!, m.subPath) : volumes.get(m.name)!, containerPath: m.mountPath, readOnly: !!m.readOnly }));
}

// Removes containers left behind by test clusters whose process is gone (a crashed or killed test run).
// Containers of live servers, in this process or another, are left alone.
import type Docker from 'dockerode';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PID_LABEL, SERVER_LABEL } from './docker.js';

/** the prefix of a server's temporary directory (kubeconfig, pod volumes), followed by its pid */
export const TMP_PREFIX = 'devloop-test-cluster-';

export async function sweepLeftovers(docker: Docker): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [SERVER_LABEL] } });
  const dead = list.filter((c) => !isAlive(Number(c.Labels[PID_LABEL])));
  await Promise.all(
    dead.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
  return dead.length;
}

/** removes the temporary directories of servers whose process is gone */
export function sweepLeftoverDirs(tmp: string): void {
  for (const name of readdirSync(tmp)) {
    const m = new RegExp(`^${TMP_PREFIX}(\\d+)-`).exec(name);
    if (m && !isAlive(Number(m[1]))) rmSync(join(tmp, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

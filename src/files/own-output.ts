/** Where this process's own output goes, so a watch loop never takes it for a source file. */
import { readlinkSync, statSync } from 'node:fs';

/** Regular files this process's stdout and stderr are written to (Linux: /proc/self/fd), e.g. `devloop up > up.log`. */
export function ownOutputFiles(): Set<string> {
  const out = new Set<string>();
  for (const fd of [1, 2]) {
    try {
      const p = readlinkSync(`/proc/self/fd/${fd}`);
      if (p.startsWith('/') && statSync(p).isFile()) out.add(p);
    } catch {
      // Not Linux, or not a file: nothing to ignore.
    }
  }
  return out;
}

/** Which process listens on a local TCP port (Linux: /proc/net/tcp{,6} then /proc/<pid>/fd); best effort. */
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface PortOwner {
  pid: number;
  command: string;
}

export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const inodes = new Set<string>();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(f, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
        if (parseInt(cols[1].split(':')[1], 16) === port && cols[9] !== '0') inodes.add(`socket:[${cols[9]}]`);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (inodes.has(target)) {
          const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          return { pid: Number(pid), command: cmd.split('\0').filter(Boolean).join(' ').slice(0, 80) };
        }
      }
    }
  } catch {
    // best effort only
  }
  return undefined;
}

/**
 * A bench's main with a deadline: the cleanups it registers (last first) run and its temporary directories are
 * removed when it ends, when it fails, and when it runs over `deadlineMs` (then the process exits with 2).
 */
import { rmSync } from 'node:fs';

export type Cleanups = (() => Promise<unknown>)[];

export async function runGuarded(name: string, deadlineMs: number, main: (temps: string[], cleanups: Cleanups) => Promise<void>): Promise<void> {
  const temps: string[] = [];
  const cleanups: Cleanups = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    cleanups.length = 0;
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    console.error(`${name}: over ${deadlineMs} ms, stopping`);
    void cleanup().finally(() => process.exit(2));
  }, deadlineMs);
  try {
    await main(temps, cleanups);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

/** Helpers for the watcher tests: temp trees on disk and a recorder of batches with timeouts. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChangeBatch } from '../../src/ports/file-watcher.js';
import type { DevloopError } from '../../src/model/errors.js';

/** A temp directory with these files (a name ending in '/' makes an empty directory). */
export function makeTree(files: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'devloop-watch-'));
  for (const [name, text] of Object.entries(files)) write(root, name, text);
  return root;
}

export function write(root: string, name: string, text = 'x'): void {
  const p = path.join(root, name);
  if (name.endsWith('/')) return void mkdirSync(p, { recursive: true });
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Recorder {
  readonly batches: ChangeBatch[] = [];
  readonly errors: DevloopError[] = [];
  private seen = 0;
  private wake: (() => void) | undefined;

  readonly onBatch = (b: ChangeBatch): void => {
    this.batches.push(b);
    this.wake?.();
  };
  readonly onError = (e: DevloopError): void => {
    this.errors.push(e);
  };

  /** The next batch not returned before; fails after `ms`. */
  async next(ms = 3000): Promise<ChangeBatch> {
    const deadline = Date.now() + ms;
    while (this.seen >= this.batches.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no batch within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return this.batches[this.seen++]!;
  }

  /** Batches that arrived within `ms` and were not returned before. */
  async drain(ms: number): Promise<ChangeBatch[]> {
    await sleep(ms);
    const out = this.batches.slice(this.seen);
    this.seen = this.batches.length;
    return out;
  }
}

/** A batch as [path relative to root, type] pairs. */
export function rel(root: string, b: ChangeBatch): [string, string][] {
  return b.files.map((f) => [path.relative(root, f.path), f.type]);
}

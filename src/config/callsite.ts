/** Finds the file:line in the user's config that made the current API call, from the JS stack. */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Loc } from './spec.js';

// devloop's own code: dist/src/ and, where source maps rewrite frames, src/.
const distSrc = dirname(dirname(fileURLToPath(import.meta.url)));
const ownDirs = [distSrc + sep, join(dirname(dirname(distSrc)), 'src') + sep];

// A path frame: `at fn (/abs/file:1:2)` or `at /abs/file:1:2`, never the inside of `node:internal/...`.
const FRAME = /(?:\(|^at )((?:file:\/\/)?\/[^():]+(?:\([^)]*\)[^():]*)*):(\d+):(\d+)\)?\s*$/;

export interface Frame {
  file: string;
  line: number;
  column: number;
}

export function parseStack(stack: string | undefined): Frame[] {
  const frames: Frame[] = [];
  for (const raw of (stack ?? '').split('\n').slice(1)) {
    const m = FRAME.exec(raw.trim());
    if (!m) continue;
    let file = m[1];
    if (file.startsWith('file://')) file = fileURLToPath(file);
    frames.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

function isUserFrame(f: Frame): boolean {
  return !ownDirs.some((d) => f.file.startsWith(d)) && !f.file.includes(`${sep}node_modules${sep}`) && !f.file.startsWith('node:');
}

/** The first stack frame outside devloop and node_modules: where the user's code called us. */
export function userLocation(stack: string | undefined, fallbackFile: string): Loc {
  const f = parseStack(stack).find(isUserFrame);
  return f ? { file: f.file, line: f.line } : { file: fallbackFile };
}

export function callerLocation(fallbackFile: string): Loc {
  return userLocation(new Error().stack, fallbackFile);
}

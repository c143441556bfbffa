/** Prints engine lines: each prefixed with its source, right-aligned like Tilt's stream (`  resource │ text`). */
import type { Log } from '../engine/log.js';
import { color, type Output } from './output.js';

const WIDTH = 13;

export function prefix(source: string): string {
  if (!source) return '';
  const s = source.length > WIDTH ? `${source.slice(0, WIDTH - 1)}…` : source.padStart(WIDTH);
  return `${color.dim(s)} │ `;
}

/** The prefix with the name in full (the terminal and `devloop logs`), right-aligned to at least `width` columns. */
export function fullPrefix(source: string, width = WIDTH): string {
  if (!source) return '';
  return `${color.dim(source.padStart(width))} │ `;
}

export function printerLog(o: Output): Log {
  return { line: (source, text) => o.err(`${prefix(source)}${text}`) };
}

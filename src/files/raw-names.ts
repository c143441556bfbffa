/**
 * File names that are not valid UTF-8. Node decodes them lossily (each bad byte becomes U+FFFD), so such a file
 * could be neither opened nor sent under its name. devloop keeps their bytes in the path string instead: every
 * byte ≥ 0x80 of such a name becomes the lone surrogate U+DC80..U+DCFF (the "surrogateescape" scheme), which no
 * valid UTF-8 name can contain. nameBytes() gives the bytes back; fsPath() a path fs calls accept.
 */
import path from 'node:path';

const ESCAPED = /[\uDC80-\uDCFF]/;
/** Escaped names come only from escapeName(): until it made one, no path can hold escapes (a fast path). */
let escapesMade = false;

/** The name as a string: as is when it is valid UTF-8, else with its bytes ≥ 0x80 escaped. */
export function escapeName(raw: Buffer): string {
  const s = raw.toString('utf8');
  if (!s.includes('\uFFFD') || Buffer.from(s, 'utf8').equals(raw)) return s;
  escapesMade = true;
  let out = '';
  for (const b of raw) out += b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b);
  return out;
}

export function hasEscapes(p: string): boolean {
  return escapesMade && ESCAPED.test(p);
}

/** The bytes of a (possibly escaped) path. */
export function nameBytes(p: string): Buffer {
  if (!hasEscapes(p)) return Buffer.from(p, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of p) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([c - 0xdc00]));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** `root` joined with a context-relative path, as a string, or as bytes when the path holds escaped bytes. */
export function fsPath(root: string | Buffer, rel: string): string | Buffer {
  if (typeof root === 'string' && !hasEscapes(rel)) return `${root}${path.sep}${rel}`;
  const r = typeof root === 'string' ? Buffer.from(root, 'utf8') : root;
  return Buffer.concat([r, Buffer.from(path.sep), nameBytes(rel)]);
}

/**
 * A small tar of changed files under their remote absolute paths (as relative names, extracted with -C /).
 * Symbolic links are never followed (as the image build keeps them): a link is sent as a link with its target
 * text, so a link to a host file never copies that file's content into the container.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';

/** A regular file (sha256 and size of what was sent) or a link (`link` is its target, as written). */
export interface PackedFile {
  remote: string;
  sha256: string;
  size: number;
  link?: string;
}

export async function packFiles(files: { local: string; remote: string }[]): Promise<{ tar: Buffer; packed: PackedFile[]; missing: string[] }> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((ok, fail) => {
    p.on('end', ok);
    p.on('error', fail);
  });
  const packed: PackedFile[] = [];
  const missing: string[] = [];
  for (const f of files) {
    let st;
    try {
      st = lstatSync(f.local);
    } catch {
      missing.push(f.local);
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = readlinkSync(f.local);
      } catch {
        missing.push(f.local);
        continue;
      }
      // Made in the container with ln -s (see script.ts), not extracted: nothing of the link goes in the tar.
      packed.push({ remote: f.remote, sha256: '', size: 0, link: target });
      continue;
    }
    if (!st.isFile()) continue;
    const body = readFileSync(f.local);
    p.entry({ name: f.remote.replace(/^\/+/, ''), size: body.length, mode: st.mode & 0o777, mtime: new Date(), type: 'file' }, body);
    packed.push({ remote: f.remote, sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
  }
  p.finalize();
  await ended;
  return { tar: Buffer.concat(chunks), packed, missing };
}

/** Local image store operations: does a ref exist, give an image another ref, remove a ref. */
import { parseRef } from '../../model/ref.js';
import { engineCall, statusOf, type DockerClient } from './client.js';

export async function imageExists(client: DockerClient, ref: string): Promise<boolean> {
  try {
    await engineCall(client, (d) => d.getImage(ref).inspect());
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

export async function tagImage(client: DockerClient, source: string, target: string): Promise<void> {
  const t = parseRef(target);
  await engineCall(client, (d) => d.getImage(source).tag({ repo: t.familiarName, tag: t.tag ?? 'latest' }));
}

/** Remove a ref (and the image when it was its last ref). Missing refs are fine. */
export async function removeImage(client: DockerClient, ref: string): Promise<void> {
  try {
    await engineCall(client, (d) => d.getImage(ref).remove({ force: true, noprune: false }));
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

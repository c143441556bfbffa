/** One entry of a build context or watched tree, after ignore rules. Paths are POSIX, relative to the root. */
export interface ContextEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (e.g. 0o644); the tar and the tag use only these, never owner or mtime. */
  mode: number;
  size: number;
  linkTarget?: string;
}

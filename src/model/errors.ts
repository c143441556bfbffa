/**
 * Errors the user can act on. Every one carries a stable code, a message saying what was wrong,
 * where (file:line for config and YAML, kind/name for manifests), and a hint saying what to do.
 * Only cli/ renders them; anything that is not a DevloopError is reported as a bug.
 */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface DevloopErrorInit {
  hint?: string;
  location?: SourceLocation;
  /** Kubernetes object the error is about, e.g. "Deployment/web". */
  object?: string;
  /** Extra lines (a command's output tail, a build step's log) shown under the message. */
  details?: string[];
  cause?: unknown;
}

export class DevloopError extends Error {
  readonly code: string;
  readonly hint?: string;
  location?: SourceLocation;
  readonly object?: string;
  readonly details?: string[];

  constructor(code: string, message: string, init: DevloopErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DevloopError';
    this.code = code;
    this.hint = init.hint;
    this.location = init.location;
    this.object = init.object;
    this.details = init.details;
  }

  /** "file:line" or "file" or undefined. */
  get where(): string | undefined {
    if (!this.location) return undefined;
    const { file, line, column } = this.location;
    if (line === undefined) return file;
    return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  }
}

export function isDevloopError(e: unknown): e is DevloopError {
  return e instanceof Error && (e as { name?: string }).name === 'DevloopError' && typeof (e as DevloopError).code === 'string';
}

/** Render an error as the lines a user reads (no stack). Used by cli/ and by tests. */
export function formatError(e: DevloopError): string {
  const out: string[] = [];
  const where = e.where ? `${e.where}: ` : '';
  const obj = e.object ? `${e.object}: ` : '';
  out.push(`error: ${where}${obj}${e.message}`);
  for (const d of e.details ?? []) out.push(`  ${d}`);
  if (e.hint) out.push(`hint: ${e.hint}`);
  return out.join('\n');
}

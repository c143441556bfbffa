/**
 * Docker's progress streams (build, push) are JSON objects, one per line. This splits a byte stream into
 * those messages; a line that is not JSON is passed on as `{ stream: line }` so no output is lost.
 */
import { StringDecoder } from 'node:string_decoder';

export interface JsonMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: unknown;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

export async function* jsonMessages(stream: AsyncIterable<Buffer | string>): AsyncGenerator<JsonMessage> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') yield parse(line);
    }
  }
  pending += decoder.end();
  if (pending.trim() !== '') yield parse(pending.trim());
}

function parse(line: string): JsonMessage {
  try {
    const v: unknown = JSON.parse(line);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as JsonMessage;
  } catch {
    // fall through: not JSON
  }
  return { stream: `${line}\n` };
}

/** The error text of a message, if it reports one. */
export function messageError(m: JsonMessage): string | undefined {
  return m.errorDetail?.message ?? m.error;
}

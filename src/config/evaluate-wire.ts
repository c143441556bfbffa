/** Messages between evaluate.ts and its worker (evaluate-worker.ts): plain data, copied between threads. */
import type { SourceLocation } from '../model/errors.js';
import type { Plan } from './spec.js';

export interface WireError {
  code: string;
  message: string;
  hint?: string;
  location?: SourceLocation;
  object?: string;
  details?: string[];
  /** The stack of what the config threw, for --debug. */
  stack?: string;
}

export type WorkerMessage =
  | { type: 'result'; ok: true; plan: Plan }
  | { type: 'result'; ok: false; error: WireError; filesRead: string[] }
  | { type: 'exit'; code: number | string; location: SourceLocation }
  | { type: 'waiting'; resources: string[]; filesRead: string[] }
  | { type: 'crash'; message: string };

/**
 * Everything the engine reports, as typed events. Renderers (the TTY footer and lines, plain lines, the control
 * API's stream, the web UI) consume these; nothing parses printed text back into state. A `log` event is a line a
 * user reads; the other events carry the same facts as data.
 */
import type { ImageProgress } from '../ports/image-builder.js';

export type LogStream = 'build' | 'runtime' | 'system';
/** How a line reads: a warning or an error as devloop words them (log-level.ts); everything else is info. */
export type LogLevel = 'info' | 'warn' | 'error';

export type EngineEvent =
  /** A line for the user; `source` is a resource or image name ('' for devloop itself). */
  | { type: 'log'; source: string; text: string; stream?: LogStream; level?: LogLevel }
  /** An update of a resource starts, and why ("Initial Build", "1 File Changed: [server.js] → rebuilding app"). */
  | { type: 'update-start'; resource: string; reason: string }
  /** A resource's status changed (phase and why). */
  | { type: 'status'; resource: string; phase: string; reason: string; restarts?: number }
  /** A build or push step started: `STEP n/total`. */
  | { type: 'step-start'; source: string; image: string; step: number; total: number; kind: 'build' | 'push'; builder: 'docker' | 'custom'; ref: string }
  /** Progress inside the running step of an image (a builder's step, a pushed layer). */
  | { type: 'image-progress'; source: string; image: string; progress: ImageProgress }
  /** A build or push step ended. */
  | { type: 'step-end'; source: string; image: string; kind: 'build' | 'push'; ms: number }
  /** An image needed no step, failed, or was skipped. */
  | { type: 'image-done'; source: string; image: string; status: 'built' | 'up-to-date' | 'failed' | 'skipped'; reason?: string }
  /** A resource's objects were applied (or found unchanged). */
  | { type: 'applied'; resource: string; objects: { name: string; applied: boolean }[] }
  /** A live update ran. */
  | { type: 'live-update'; resource: string; image: string; files: number; deleted: number; runs: string[]; ms: number; ok: boolean }
  /** The config was evaluated (at start or again). */
  | { type: 'config'; ok: boolean; error?: { message: string; where?: string; hint?: string }; warnings: string[] };

export interface EventSink {
  event(e: EngineEvent): void;
}

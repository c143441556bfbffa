import type { EngineEvent, LogStream } from './events.js';
/** Where the engine reports: one line at a time, tagged with its source (a resource or image name; '' for devloop itself). */
/** What a build line is, for renderers that show builds compactly: a step's title, its output, the per-step summary. */
export type LineRole = 'step' | 'step-output' | 'build-summary';

/** A line's stream ('runtime' for what a container or pod says), or its role in a build (a build line). */
export type LineKind = LogStream | LineRole;

/** The stream of a line of this kind (a build role is the build stream); undefined: derived from its source. */
export function streamOfKind(kind: LineKind | undefined): LogStream | undefined {
  return kind === 'step' || kind === 'step-output' || kind === 'build-summary' ? 'build' : kind;
}

export interface Log {
  /** `kind`: 'runtime' for what a container or pod says, a role for build lines; otherwise derived (log-level.ts). */
  line(source: string, text: string, kind?: LineKind): void;
  /** Renderers that show state (a footer, the control API's stream) take the typed events too. */
  event?(e: EngineEvent): void;
}

/** Sends a typed event to the log when it takes them. */
export function emit(log: Log, e: EngineEvent): void {
  log.event?.(e);
}

export const silentLog: Log = { line: () => {} };

export function prefixed(log: Log, source: string, indent = ''): { line(text: string): void } {
  return { line: (text) => log.line(source, indent + text) };
}

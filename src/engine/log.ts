import type { EngineEvent, LogStream } from './events.js';
/** Where the engine reports: one line at a time, tagged with its source (a resource or image name; '' for devloop itself). */
export interface Log {
  /** `stream`: 'runtime' for what a container or pod says; otherwise derived (log-level.ts). */
  line(source: string, text: string, stream?: LogStream): void;
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

/** Where the engine reports: one line at a time, tagged with its source (a resource or image name; '' for devloop itself). */
export interface Log {
  line(source: string, text: string): void;
}

export const silentLog: Log = { line: () => {} };

export function prefixed(log: Log, source: string, indent = ''): { line(text: string): void } {
  return { line: (text) => log.line(source, indent + text) };
}

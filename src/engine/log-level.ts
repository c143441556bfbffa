/**
 * The stream and level of a line, for `devloop logs --source/--level` and the web UI. A line from a container or
 * about a pod is 'runtime' (the runtime says so when it logs); any other line of a resource is 'build' (its build,
 * apply and live update); devloop's own lines ('' source) are 'system'. The level is read from how devloop words
 * its warnings and failures; a container's own lines are 'info' unless they say otherwise the same way.
 */
import type { LogLevel, LogStream } from './events.js';

export function streamOf(source: string, given?: LogStream): LogStream {
  return given ?? (source ? 'build' : 'system');
}

const ERROR_START = /^\s*(✗|error\b|config error|fatal\b|panic:)/i;
const ERROR_WORD = /\b(ERROR|FATAL)\b/;
const WARN_START = /^\s*(warn(ing)?\b|⚠)/i;
const WARN_WORD = /\bWARN(ING)?\b/;

export function levelOf(text: string): LogLevel {
  if (ERROR_START.test(text) || ERROR_WORD.test(text)) return 'error';
  if (WARN_START.test(text) || WARN_WORD.test(text)) return 'warn';
  return 'info';
}

const ORDER: LogLevel[] = ['info', 'warn', 'error'];

/** `--level warn` keeps warnings and errors. */
export function atLeast(level: LogLevel | undefined, min: LogLevel): boolean {
  return ORDER.indexOf(level ?? 'info') >= ORDER.indexOf(min);
}

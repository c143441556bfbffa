/**
 * Running a command: local_resource's cmd and serve_cmd, custom_build's command, and the config's local(),
 * kustomize and helm. The real implementation is adapters/process (execa); a command's output arrives as lines.
 */

export interface ProcessOptions {
  cwd: string;
  /** Added to (or, with extendEnv false, instead of) devloop's own environment. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  /** Each line of stdout and stderr, interleaved as they come. */
  onLine?(line: string): void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Text written to stdin (runSync; without it stdin is closed). */
  input?: string;
}

export interface ProcessResult {
  exitCode?: number;
  signal?: string;
  /** It did not exit 0 (or could not start, was cancelled or timed out). */
  failed: boolean;
  cancelled: boolean;
  timedOut: boolean;
  /** One line saying how it ended, for messages. */
  summary: string;
  stdout: string;
  stderr: string;
}

export interface RunningProcess {
  readonly done: Promise<ProcessResult>;
  kill(signal?: NodeJS.Signals): void;
}

export interface ProcessRunner {
  /** Starts argv; `done` settles (never rejects) when it has exited and its output has been delivered. */
  start(argv: readonly string[], opts: ProcessOptions): Promise<RunningProcess>;
  /** Runs argv to the end, synchronously (the config's local(), which Tiltfiles call as a function). */
  runSync(argv: readonly string[], opts: Omit<ProcessOptions, 'onLine' | 'signal'>): ProcessResult;
}

/**
 * The Dockerfile mistakes BuildKit's parser rejects that can be told for certain without it (unknown
 * instructions, FROM without one or three words, COPY/ADD without a destination), found when the project is
 * resolved: reported once, at Dockerfile:line, before anything is built or applied. Anything subtler is left to
 * the engine, whose parse errors the Docker adapter locates the same way.
 */
import { lexDockerfile, splitFlags, splitWords } from './dockerfile-lex.js';

/** BuildKit's instruction set (frontend/dockerfile/parser dispatch table). */
const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** With no argument at all, BuildKit refuses these (checked against its parser; CMD, ENTRYPOINT and RUN may be empty). */
const NEEDS_ARGUMENT: Record<string, string> = {
  ARG: 'at least one argument',
  ENV: 'at least one argument',
  EXPOSE: 'at least one argument',
  HEALTHCHECK: 'at least one argument',
  LABEL: 'at least one argument',
  ONBUILD: 'at least one argument',
  SHELL: 'at least one argument',
  VOLUME: 'at least one argument',
  MAINTAINER: 'exactly one argument',
  STOPSIGNAL: 'exactly one argument',
  USER: 'exactly one argument',
  WORKDIR: 'exactly one argument',
};

export interface DockerfileProblem {
  line: number;
  message: string;
}

/** The first parse error BuildKit would report, in its words, or undefined. */
export function dockerfileProblem(text: string): DockerfileProblem | undefined {
  let lexed;
  try {
    lexed = lexDockerfile(text);
  } catch {
    return undefined; // the engine's parser will say what is wrong
  }
  for (const ins of lexed.instructions) {
    const kw = ins.keyword;
    if (!INSTRUCTIONS.has(kw)) return { line: ins.line, message: `unknown instruction: ${ins.text.slice(0, ins.argsStart).trim()}` };
    if (NEEDS_ARGUMENT[kw] && ins.text.slice(ins.argsStart).trim() === '') return { line: ins.line, message: `${kw} requires ${NEEDS_ARGUMENT[kw]}` };
    if (kw === 'FROM') {
      const { args } = splitFlags(ins.text, lexed.escape, ins.argsStart);
      const n = splitWords(ins.text, lexed.escape, args).length;
      if (n !== 1 && n !== 3) return { line: ins.line, message: 'FROM requires either one or three arguments' };
    }
    if (kw === 'COPY' || kw === 'ADD') {
      const rest = ins.text.slice(ins.argsStart).trim();
      if (rest.startsWith('[') || rest.includes('<<')) continue; // JSON form and heredocs: the engine decides
      const { args } = splitFlags(ins.text, lexed.escape, ins.argsStart);
      const n = splitWords(ins.text, lexed.escape, args).length;
      if (n < 2) return { line: ins.line, message: `${kw} requires at least two arguments, but only one was provided. Destination could not be determined` };
    }
  }
  return undefined;
}

/** BuildKit's own parse error text ("dockerfile parse error on line 3: ..."), as line and message. */
export function engineParseError(reason: string): DockerfileProblem | undefined {
  const m = /(?:dockerfile )?parse error (?:on )?line (\d+): (.*)$/s.exec(reason);
  return m ? { line: Number(m[1]), message: m[2]!.split('\n')[0]!.trim() } : undefined;
}

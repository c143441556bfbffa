/** Dockerfiles the engine refuses (name, text, line, BuildKit's words) and ones it parses: shared by the unit and engine tests. */
export const BAD: [string, string, number, string][] = [
  ['unknown instruction', 'FROM busybox:latest\nFROMM x\n', 2, 'unknown instruction: FROMM'],
  [
    'COPY without destination',
    'FROM busybox:latest\nRUN true\nCOPY --chmod=644 a\n',
    3,
    'COPY requires at least two arguments, but only one was provided. Destination could not be determined',
  ],
  ['ADD alone', 'FROM busybox:latest\nADD\n', 2, 'ADD requires at least two arguments, but only one was provided. Destination could not be determined'],
  ['FROM with two words', 'FROM busybox:latest base\n', 1, 'FROM requires either one or three arguments'],
  ['ENV alone after a continuation', 'FROM busybox:latest\nRUN echo a \\\n  b\nENV\n', 4, 'ENV requires at least one argument'],
  ['WORKDIR alone', 'FROM busybox:latest\nWORKDIR\n', 2, 'WORKDIR requires exactly one argument'],
  ['USER alone', 'FROM busybox:latest\nUSER\n', 2, 'USER requires exactly one argument'],
];

export const GOOD: [string, string][] = [
  ['stages, flags, AS', 'FROM --platform=linux/amd64 busybox:latest AS base\nFROM base\nCOPY --from=base /bin/sh /sh\n'],
  // (Heredocs are left out: engines before Dockerfile frontend 1.4 read their lines as instructions; devloop's
  // check accepts them and leaves the verdict to the engine.)
  ['JSON forms and empty CMD/RUN', 'FROM busybox:latest\nCOPY ["a", "/a"]\nCMD\nRUN\nENTRYPOINT ["sh"]\n'],
  ['escape directive and comments', '# escape=`\nFROM busybox:latest\n# a comment\nRUN echo a `\n  b\nONBUILD RUN true\n'],
];

/** A Dockerfile the engine would refuse to parse stops the project when it is resolved: one error at Dockerfile:line. */
import { basename } from 'node:path';
import type { ImageSpec } from '../config/spec.js';
import { dockerfileProblem } from '../model/dockerfile-check.js';
import { DevloopError } from '../model/errors.js';

export function checkDockerfileSyntax(spec: ImageSpec & { type: 'docker' }, text: string): void {
  const p = dockerfileProblem(text);
  if (!p) return;
  const inline = spec.dockerfileContents !== undefined;
  throw new DevloopError(
    'dockerfile-parse',
    `${inline ? `dockerfile_contents of docker_build('${spec.ref}'), line ${p.line}` : `Dockerfile of docker_build('${spec.ref}')`}: ${p.message}`,
    {
      location: inline ? spec.loc : { file: spec.dockerfile, line: p.line },
      hint: inline ? `fix line ${p.line} of the dockerfile_contents text` : `fix line ${p.line} of ${basename(spec.dockerfile)}; nothing was built or applied`,
    },
  );
}

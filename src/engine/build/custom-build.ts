/**
 * custom_build: run the user's command through a shell (execa) with EXPECTED_REF & co. set to the ref
 * devloop expects, stream its output, then check that the image exists under that ref (unless
 * skips_local_docker), or read the ref the script wrote to outputs_image_ref_to.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { DevloopError } from '../../model/errors.js';
import { parseRef, tryParseRef } from '../../model/ref.js';
import type { ImageBuilder } from '../../ports/image-builder.js';
import type { CustomBuildSpec } from '../../config/spec.js';
import type { ProcessRunner } from '../../ports/process.js';

export interface CustomBuildRun {
  spec: CustomBuildSpec;
  /** The local ref (with tag) devloop expects the script to produce. */
  expectedRef: string;
  registryHost?: string;
  /** Local refs of image_deps, in order: given as DEVLOOP_IMAGE_<i> (and TILT_IMAGE_<i> for ported scripts). */
  depRefs: string[];
  builder: ImageBuilder;
  processes: ProcessRunner;
  out: { line(text: string): void };
  signal?: AbortSignal;
}

export function expectedEnv(expectedRef: string, registryHost: string | undefined, depRefs: string[]): Record<string, string> {
  const ref = parseRef(expectedRef);
  const env: Record<string, string> = {
    EXPECTED_REF: expectedRef,
    EXPECTED_IMAGE: ref.path,
    EXPECTED_TAG: ref.tag ?? '',
  };
  if (registryHost) {
    env.EXPECTED_REGISTRY = registryHost;
    env.REGISTRY_HOST = registryHost;
  }
  depRefs.forEach((r, i) => {
    env[`DEVLOOP_IMAGE_${i}`] = r;
    env[`TILT_IMAGE_${i}`] = r;
  });
  return env;
}

/** Runs the command; returns the ref of the image it built. */
export async function runCustomBuild(run: CustomBuildRun): Promise<string> {
  const { spec, out } = run;
  if (spec.outputsImageRefTo) rmSync(spec.outputsImageRefTo, { force: true });
  const env = spec.outputsImageRefTo ? {} : expectedEnv(run.expectedRef, run.registryHost, run.depRefs);
  out.line('Custom Build: Injecting Environment Variables');
  for (const [k, v] of Object.entries(env)) out.line(`  ${k}=${v}`);
  out.line(`Running custom build cmd "${spec.commandText}"`);
  const tail: string[] = [];
  const onLine = (l: string) => {
    out.line(`  ${l}`);
    tail.push(l);
    if (tail.length > 30) tail.shift();
  };
  const child = await run.processes.start(spec.command, { cwd: spec.dir, env: { ...spec.env, ...env }, onLine, signal: run.signal });
  const res = await child.done;
  if (res.failed) {
    throw new DevloopError('custom-build-failed', `custom_build('${spec.ref}'): command "${spec.commandText}" ${res.summary}`, {
      location: spec.loc,
      details: tail.slice(-15),
      hint: `it ran in ${spec.dir}; run it there by hand to see why it fails`,
    });
  }
  if (spec.outputsImageRefTo) {
    if (!existsSync(spec.outputsImageRefTo)) {
      throw new DevloopError('custom-build-no-ref', `custom_build('${spec.ref}'): the command did not write the image ref to ${spec.outputsImageRefTo}`, {
        location: spec.loc,
        hint: 'make the script write the ref it built (e.g. registry/name:tag) into that file',
      });
    }
    const ref = readFileSync(spec.outputsImageRefTo, 'utf8').trim();
    const parsed = tryParseRef(ref);
    if (!parsed || (!parsed.tag && !parsed.digest)) {
      throw new DevloopError(
        'custom-build-no-ref',
        `custom_build('${spec.ref}'): ${spec.outputsImageRefTo} holds '${ref}', which is not an image ref with a tag`,
        { location: spec.loc },
      );
    }
    return ref;
  }
  if (!spec.skipsLocalDocker && !(await run.builder.imageExists(run.expectedRef))) {
    throw new DevloopError(
      'custom-build-no-image',
      `custom_build('${spec.ref}'): the command succeeded but there is no image ${run.expectedRef} in the Docker engine`,
      {
        location: spec.loc,
        hint: 'tag the image your script builds with $EXPECTED_REF (e.g. docker build -t $EXPECTED_REF .); if your builder does not use the local Docker engine, add skips_local_docker: true',
      },
    );
  }
  return run.expectedRef;
}

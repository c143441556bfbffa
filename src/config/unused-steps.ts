/**
 * Live update steps made (sync(), run(), ...) but never given to a live_update are an error, as in Tilt: a step
 * written outside its image's live_update list would otherwise be dropped without a word.
 */
import { basename } from 'node:path';
import { DevloopError } from '../model/errors.js';
import type { Recorder } from './recorder.js';
import type { LiveUpdateStep } from './spec.js';

export function recordStep(r: Recorder, s: LiveUpdateStep): void {
  (r.unusedSteps ??= new Set()).add(s);
}

export function consumeSteps(r: Recorder, steps: LiveUpdateStep[]): void {
  for (const s of steps) r.unusedSteps?.delete(s);
}

/** Throws when a step was made and never used. */
export function checkUnusedSteps(r: Recorder): void {
  const left = [...(r.unusedSteps ?? [])];
  if (left.length === 0) return;
  const where = (s: LiveUpdateStep): string => `${basename(s.loc.file)}:${s.loc.line ?? '?'}`;
  const first = left[0];
  throw new DevloopError(
    'config-unused-live-update-step',
    left.length === 1
      ? `${first.type}() made a live update step that no live_update uses`
      : `${left.length} live update steps were made but no live_update uses them: ${left.map((s) => `${s.type}() at ${where(s)}`).join(', ')}`,
    {
      location: first.loc,
      hint: "put it in the live_update list of the image it belongs to, e.g. docker_build('img', '.', { live_update: [sync('.', '/app')] }), or remove it",
    },
  );
}

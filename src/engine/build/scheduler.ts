/**
 * Builds images in dependency order: independent images in parallel under a bound, a failed parent's
 * children not built (saying why), an image whose content tag already exists (in the engine, and in the
 * registry when it is pushed) reported up to date instead of rebuilt. Output follows Tilt's shape:
 * `STEP 1/3 — Building Dockerfile: [name]`, the Dockerfile as sent, the steps, `Pushing …`, a duration summary.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { DevloopError, isDevloopError } from '../../model/errors.js';
import type { BuildOutput, ImageBuilder } from '../../ports/image-builder.js';
import type { ProcessRunner } from '../../ports/process.js';
import type { ResolvedImage } from '../../resolve/resolve.js';
import { emit, type Log } from '../log.js';
import { runCustomBuild } from './custom-build.js';

export interface PushPolicy {
  /** Push deployed images (a registry is in effect and the cluster does not share the engine). */
  enabled: boolean;
  registryHost?: string;
}

export type ImageStatus = 'built' | 'up-to-date' | 'failed' | 'skipped';

export interface ImageOutcome {
  id: string;
  status: ImageStatus;
  /** The ref deployed (the ClusterRef) — for custom_build with outputs_image_ref_to, the script's ref. */
  ref: string;
  pushed: boolean;
  error?: DevloopError;
  /** Why it was skipped or up to date, in words. */
  reason?: string;
  steps: { name: string; ms: number }[];
}

export interface BuildOptions {
  builder: ImageBuilder;
  /** Runs custom_build commands. */
  processes: ProcessRunner;
  log: Log;
  push: PushPolicy;
  /** The prefix of an image's lines (the resource that uses it, or the image name). */
  sourceOf?: (id: string) => string;
  /** How many images build at once (update_settings' max_parallel_updates); default 2. */
  parallelism?: number;
  /** Why these builds run: printed first ("Initial Build", "1 File Changed: [server.js]"). */
  reason?: string;
  signal?: AbortSignal;
}

const INDENT = '     ';

/** A builder's output: its lines indented under the image's source; its progress as events when the log takes them. */
function outputFor(log: Log, source: string, image: string): BuildOutput {
  const out: BuildOutput = { line: (t) => log.line(source, INDENT + t, 'step-output') };
  if (log.event) out.progress = (progress) => emit(log, { type: 'image-progress', source, image, progress });
  return out;
}

function dockerfileInContext(context: string, dockerfile: string): string | undefined {
  const rel = relative(context, dockerfile);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
}

function needsPush(img: ResolvedImage, push: PushPolicy): boolean {
  if (!push.enabled || !img.deployed) return false;
  return !(img.spec.type === 'custom' && (img.spec.disablePush || img.spec.skipsLocalDocker));
}

function toDevloopError(e: unknown, img: ResolvedImage): DevloopError {
  if (isDevloopError(e)) {
    if (!e.location && (e.code === 'build-failed' || e.code === 'custom-build-failed')) e.location = img.spec.loc;
    return e;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return new DevloopError('build-failed', `building ${img.id} failed: ${err.message}`, { location: img.spec.loc, cause: e });
}

/** Which images need work: checks the engine (and the registry) for each content tag. */
async function checkExisting(images: ResolvedImage[], opts: BuildOptions): Promise<Map<string, { build: boolean; push: boolean }>> {
  const out = new Map<string, { build: boolean; push: boolean }>();
  await Promise.all(
    images.map(async (img) => {
      const pushing = needsPush(img, opts.push);
      if (img.spec.type === 'custom' && (img.spec.skipsLocalDocker || img.spec.outputsImageRefTo)) {
        // Not in the local engine: only a registry can say it exists.
        const inRegistry = img.spec.skipsLocalDocker && opts.push.registryHost ? await opts.builder.registryHasTag(img.localRef).catch(() => false) : false;
        out.set(img.id, { build: !inRegistry, push: false });
        return;
      }
      const local = await opts.builder.imageExists(img.localRef);
      const remote = pushing && local ? await opts.builder.registryHasTag(img.localRef).catch(() => false) : false;
      out.set(img.id, { build: !local, push: pushing && !remote });
    }),
  );
  return out;
}

export async function buildImages(images: ResolvedImage[], opts: BuildOptions): Promise<Map<string, ImageOutcome>> {
  const { log } = opts;
  const src = (id: string) => opts.sourceOf?.(id) ?? id;
  const started = performance.now();
  const work = await checkExisting(images, opts);
  const total =
    [...work.values()].reduce((n, w) => n + (w.build ? 1 : 0) + (w.build || w.push ? 1 : 0) * 0, 0) +
    images.filter((i) => needsPush(i, opts.push) && (work.get(i.id)!.build || work.get(i.id)!.push)).length;
  let step = 0;
  const summary: { name: string; ms: number }[] = [];
  const outcomes = new Map<string, ImageOutcome>();
  const byId = new Map(images.map((i) => [i.id, i]));
  if (opts.reason && total > 0) log.line(src(images[0].id), opts.reason);

  const runOne = async (img: ResolvedImage): Promise<ImageOutcome> => {
    const w = work.get(img.id)!;
    const s = src(img.id);
    const failedDep = img.deps.map((d) => outcomes.get(d)).find((o) => o && (o.status === 'failed' || o.status === 'skipped'));
    if (failedDep) {
      const reason = `not built: its base image ${failedDep.id} ${failedDep.status === 'failed' ? 'failed to build' : 'was not built'}`;
      log.line(s, `Skipping ${img.id}: ${reason}`);
      emit(log, { type: 'image-done', source: s, image: img.id, status: 'skipped', reason });
      return { id: img.id, status: 'skipped', ref: img.clusterRef, pushed: false, reason, steps: [] };
    }
    const steps: { name: string; ms: number }[] = [];
    let ref = img.clusterRef;
    if (!w.build && !w.push) {
      const reason = `${img.localRef} already exists${needsPush(img, opts.push) ? ' in the engine and the registry' : ''} (same inputs, same tag)`;
      log.line(s, `Image ${img.id} is up to date: ${reason}`);
      emit(log, { type: 'image-done', source: s, image: img.id, status: 'up-to-date', reason });
      return { id: img.id, status: 'up-to-date', ref, pushed: false, reason, steps };
    }
    try {
      if (w.build) {
        const name = img.spec.type === 'docker' ? `Building Dockerfile: [${img.id}]` : `Building Custom Build: [${img.id}]`;
        log.line(s, `STEP ${++step}/${total} — ${name}`, 'step');
        emit(log, { type: 'step-start', source: s, image: img.id, step, total, kind: 'build', builder: img.spec.type, ref: img.localRef });
        const t0 = performance.now();
        const out = outputFor(log, s, img.id);
        if (img.spec.type === 'docker' && (img.spec.ssh.length || img.spec.secret.length)) {
          // Forwarding SSH agents and secrets needs a BuildKit session devloop does not open yet: say so rather than build without them.
          throw new DevloopError(
            'build-unsupported',
            `docker_build('${img.id}'): ${img.spec.ssh.length ? 'ssh' : 'secret'} is not supported by devloop's builder yet`,
            {
              location: img.spec.loc,
              hint: `build this image with custom_build instead, e.g. custom_build('${img.id}', 'docker buildx build --load ${img.spec.ssh.length ? '--ssh default' : '--secret id=...'} -t $EXPECTED_REF .', { deps: ['.'] })`,
            },
          );
        }
        if (img.spec.type === 'docker') {
          log.line(s, `Building Dockerfile${img.spec.platform ? ` for platform ${img.spec.platform}` : ''}:`, 'step-output');
          for (const l of img.dockerfileText!.replace(/\n$/, '').split('\n')) log.line(s, `  ${l}`, 'step-output');
          log.line(s, '', 'step-output');
          log.line(s, `${INDENT}Building image`, 'step-output');
          await opts.builder.build(
            {
              contextDir: img.spec.context,
              entries: img.entries ?? [],
              dockerfileText: img.dockerfileText!,
              dockerfilePath: dockerfileInContext(img.spec.context, img.spec.dockerfile),
              buildArgs: img.spec.buildArgs,
              target: img.spec.target,
              network: img.spec.network,
              extraTags: img.spec.extraTag,
              pull: img.spec.pull,
              platform: img.spec.platform,
              cacheFrom: img.spec.cacheFrom,
              extraHosts: img.spec.extraHosts,
              ref: img.localRef,
              labels: { 'dev.devloop.built': 'true' },
              signal: opts.signal,
            },
            out,
          );
        } else {
          // A fixed `tag:` is what the command builds; devloop tags the result with its content tag, which it deploys.
          const retag = img.spec.tag !== undefined && img.spec.tag !== img.tag && !img.spec.skipsLocalDocker && !img.spec.outputsImageRefTo;
          const expectedRef = retag ? img.refs.local(img.spec.tag!) : img.localRef;
          const built = await runCustomBuild({
            spec: img.spec,
            expectedRef,
            registryHost: opts.push.registryHost,
            depRefs: img.deps.map((d) => byId.get(d)?.localRef ?? d),
            builder: opts.builder,
            processes: opts.processes,
            out,
            signal: opts.signal,
          });
          if (retag) {
            await opts.builder.tag(expectedRef, img.localRef);
            out.line(`Tagged ${expectedRef} as ${img.localRef} (the content tag devloop deploys)`);
          }
          if (img.spec.outputsImageRefTo) ref = built;
        }
        steps.push({ name, ms: performance.now() - t0 });
        emit(log, { type: 'step-end', source: s, image: img.id, kind: 'build', ms: performance.now() - t0 });
        log.line(s, '', 'step-output');
      }
      if (w.push || (w.build && needsPush(img, opts.push))) {
        const name = `Pushing ${img.localRef}`;
        log.line(s, `STEP ${++step}/${total} — ${name}`, 'step');
        emit(log, { type: 'step-start', source: s, image: img.id, step, total, kind: 'push', builder: img.spec.type, ref: img.localRef });
        const t0 = performance.now();
        await opts.builder.push(img.localRef, outputFor(log, s, img.id));
        steps.push({ name, ms: performance.now() - t0 });
        emit(log, { type: 'step-end', source: s, image: img.id, kind: 'push', ms: performance.now() - t0 });
        log.line(s, '', 'step-output');
      }
      emit(log, { type: 'image-done', source: s, image: img.id, status: 'built' });
      return { id: img.id, status: 'built', ref, pushed: w.push || (w.build && needsPush(img, opts.push)), steps };
    } catch (e) {
      const error = toDevloopError(e, img);
      log.line(s, `Build Failed: ${error.message}`);
      emit(log, { type: 'image-done', source: s, image: img.id, status: 'failed', reason: error.message });
      return { id: img.id, status: 'failed', ref, pushed: false, error, steps };
    }
  };

  // Topological scheduling with a bound; images arrive dependencies first.
  const limit = Math.max(1, opts.parallelism ?? 2);
  const pending = [...images];
  const running = new Map<string, Promise<void>>();
  while (pending.length || running.size) {
    const ready = pending.filter((img) => img.deps.every((d) => !byId.has(d) || outcomes.has(d)));
    for (const img of ready) {
      if (running.size >= limit) break;
      pending.splice(pending.indexOf(img), 1);
      running.set(
        img.id,
        runOne(img).then((o) => {
          outcomes.set(img.id, o);
          summary.push(...o.steps);
          running.delete(img.id);
        }),
      );
    }
    if (running.size === 0 && pending.length) throw new Error(`build order stuck at ${pending.map((p) => p.id).join(', ')}`);
    await Promise.race(running.values());
  }
  if (summary.length && ![...outcomes.values()].some((o) => o.status === 'failed')) {
    summary.forEach((st, i) => log.line('', `${INDENT}Step ${i + 1} - ${(st.ms / 1000).toFixed(2)}s (${st.name})`, 'build-summary'));
    log.line('', `${INDENT}DONE IN: ${((performance.now() - started) / 1000).toFixed(2)}s`);
  }
  return outcomes;
}

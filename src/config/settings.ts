/**
 * Tilt's settings functions: update_settings, ci_settings, watch_settings, secret_settings, and the ones that mean
 * nothing to devloop (accepted, with one line saying so, so a ported Tiltfile runs unchanged).
 */
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { checkOptions, toList } from './options.js';
import { current, type Recorder } from './recorder.js';
import type { Loc, Settings } from './spec.js';

function begin(fn: string): { r: Recorder; loc: Loc; s: Settings } {
  const r = current(fn);
  r.plan.settings ??= {};
  return { r, loc: callerLocation(r.plan.configFile), s: r.plan.settings };
}

function positive(fn: string, name: string, v: number | undefined, loc: Loc, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw new DevloopError('config-bad-value', `${fn}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} whole number, got ${v}`, { location: loc });
  }
  return v;
}

/** Parses Tilt's duration strings ('30m', '1h30m', '90s') or a number of seconds. */
export function durationSecs(fn: string, name: string, v: string | number | undefined, loc: Loc): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return positive(fn, name, v, loc, true);
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(v.trim());
  if (!m || !v.trim() || m.slice(1).every((x) => x === undefined)) {
    throw new DevloopError('config-bad-value', `${fn}: ${name} '${v}' is not a duration`, {
      location: loc,
      hint: "write e.g. '30m', '1h30m', '90s' or a number of seconds",
    });
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0) / 1000;
}

export interface UpdateSettingsOptions {
  /** How many images build at once (default 2); resources still update one at a time. */
  max_parallel_updates?: number;
  /** Accepted and recorded; devloop has no apply time limit to set yet. */
  k8s_upsert_timeout_secs?: number;
  /** Images not to warn about when no object uses them. */
  suppress_unused_image_warnings?: string | string[];
}

export function update_settings(options?: UpdateSettingsOptions): void {
  const fn = 'update_settings';
  const { loc, s } = begin(fn);
  const o = checkOptions<UpdateSettingsOptions & Record<string, unknown>>(
    fn,
    options,
    {
      max_parallel_updates: 'number',
      k8s_upsert_timeout_secs: 'number',
      suppress_unused_image_warnings: 'stringOrStrings',
    },
    loc,
  );
  if (o.max_parallel_updates !== undefined) s.maxParallelUpdates = positive(fn, 'max_parallel_updates', o.max_parallel_updates, loc);
  if (o.k8s_upsert_timeout_secs !== undefined) s.k8sUpsertTimeoutSecs = positive(fn, 'k8s_upsert_timeout_secs', o.k8s_upsert_timeout_secs, loc);
  if (o.suppress_unused_image_warnings !== undefined)
    s.suppressUnusedImageWarnings = [...(s.suppressUnusedImageWarnings ?? []), ...toList(o.suppress_unused_image_warnings)];
}

export interface CiSettingsOptions {
  /** `devloop ci` gives up after this long ('30m', or seconds); --timeout on the command line wins. */
  timeout?: string | number;
  /** Accepted and recorded; `ci` waits for readiness until its timeout. */
  readiness_timeout?: string | number;
}

export function ci_settings(options?: CiSettingsOptions): void {
  const fn = 'ci_settings';
  const { loc, s } = begin(fn);
  const o = checkOptions<CiSettingsOptions & Record<string, unknown>>(fn, options, { timeout: 'stringOrNumber', readiness_timeout: 'stringOrNumber' }, loc);
  if (o.timeout !== undefined) s.ciTimeoutSecs = durationSecs(fn, 'timeout', o.timeout, loc);
  if (o.readiness_timeout !== undefined) s.ciReadinessTimeoutSecs = durationSecs(fn, 'readiness_timeout', o.readiness_timeout, loc);
}

export interface WatchSettingsOptions {
  /** gitignore-style patterns (relative to devloop.ts's directory) that no file watch reports. */
  ignore?: string | string[];
}

export function watch_settings(options?: WatchSettingsOptions): void {
  const fn = 'watch_settings';
  const { loc, s } = begin(fn);
  const o = checkOptions<WatchSettingsOptions & Record<string, unknown>>(fn, options, { ignore: 'stringOrStrings' }, loc);
  s.watchIgnore = [...(s.watchIgnore ?? []), ...toList(o.ignore)];
}

export interface SecretSettingsOptions {
  /** Keep the values of Secrets devloop deploys in the log (by default they are replaced by [redacted secret]). */
  disable_scrub?: boolean;
}

export function secret_settings(options?: SecretSettingsOptions): void {
  const fn = 'secret_settings';
  const { loc, s } = begin(fn);
  const o = checkOptions<SecretSettingsOptions & Record<string, unknown>>(fn, options, { disable_scrub: 'boolean' }, loc);
  if (o.disable_scrub !== undefined) s.disableScrub = o.disable_scrub;
}

function ignored(fn: string, why: string): void {
  const { r, loc } = begin(fn);
  r.plan.logs.push(`${fn}() at ${loc.file.split('/').pop()}:${loc.line} is ignored: ${why}`);
}

/** Accepted and ignored: devloop has one version and no version check. */
export function version_settings(_options?: Record<string, unknown>): void {
  ignored('version_settings', 'devloop has no Tilt version to check');
}
/** Accepted and ignored: devloop sends no analytics. */
export function analytics_settings(_enable?: boolean): void {
  ignored('analytics_settings', 'devloop sends no analytics');
}
/** Accepted and ignored: devloop does not prune images. */
export function docker_prune_settings(_options?: Record<string, unknown>): void {
  ignored('docker_prune_settings', 'devloop does not prune Docker images');
}
/** Accepted and ignored: devloop has no Tilt Cloud team. */
export function set_team(_team?: string): void {
  ignored('set_team', 'devloop has no Tilt Cloud team');
}
/** Accepted and ignored: devloop has no feature flags. */
export function enable_feature(_name?: string): void {
  ignored('enable_feature', 'devloop has no feature flags');
}
/** Accepted and ignored: devloop takes no snapshots. */
export function disable_snapshots(): void {
  ignored('disable_snapshots', 'devloop takes no snapshots');
}

/**
 * The status footer of a TTY, as plain lines (at most `maxLines`, each at most `width` columns): a summary, a config
 * error if any, then one short line per resource (names in full), the most urgent first:
 *   ⠹ 3 resources: 2 ready, 1 building · last change 4s ago
 *   config error, running the last good config: devloop.ts:12: docker_build: unknown option 'buildargs'
 *   ⠹ web-frontend  STEP 2/3 build web-image 4.2s › [3/4] RUN npm install 2.1s
 *   ✓ api           ready · pod api-7d9f-x2x · 3m ago
 *   ✓ db            ready · pod db-0 · 3m ago
 * Resources that do not fit share the last line (`+2 more: …`). Without resources (`devloop build`), one line per
 * running build. Pure: the renderer passes the clock.
 */
import type { ResourcePhase } from '../engine/engine.js';
import type { Activity } from './build-activity.js';
import { plainText, textWidth, truncate } from './text-width.js';

export interface FooterResource {
  name: string;
  phase: ResourcePhase;
  reason: string;
  triggerMode?: 'auto' | 'manual';
  pendingFiles?: string[];
  /** Its current pod and that pod's restarts (k8s). */
  pod?: string;
  restarts?: number;
  /** When its phase last changed (epoch ms). */
  changedAt?: number;
}

export interface FooterInput {
  now: number;
  width: number;
  /** The resources of up/ci; undefined for `devloop build`. */
  resources?: FooterResource[];
  builds: Activity[];
  /** When a resource last changed phase or reason (epoch ms). */
  lastChange?: number;
  configError?: string;
  maxLines?: number;
}

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/** 2.1s under 10 s, 12s under a minute, then 1m05s. */
export function elapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function ago(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

/**
 * What a build is doing, in `room` columns: `STEP 2/3 build app 4.2s › [3/4] RUN npm install 2.1s`, or while pushing
 * `STEP 3/3 push app 1.0s › 2 layers: 1.2MB/31.4MB, 3.0MB/5.1MB`. A long step is cut so that its timer stays in view.
 */
export function activityText(a: Activity, now: number, room = Infinity): string {
  const head = `${a.step} ${elapsed(now - a.stepStarted)}`;
  let tail = '';
  let time = '';
  if (a.layers.size) {
    const sizes = [...a.layers.values()].map((p) => /(\S+\/\S+)\s*$/.exec(p)?.[1] ?? p).filter(Boolean);
    tail = `${a.layers.size} layer${a.layers.size === 1 ? '' : 's'}${sizes.length ? `: ${sizes.join(', ')}` : ''}`;
  } else if (a.detail) {
    tail = plainText(a.detail);
    time = ` ${elapsed(now - (a.detailStarted ?? a.stepStarted))}`;
  }
  if (!tail) return head;
  const left = room - textWidth(head) - textWidth(' › ') - textWidth(time);
  return `${head} › ${left >= 12 ? truncate(tail, left) : tail}${time}`;
}

const COUNTED: [string, ResourcePhase[]][] = [
  ['ready', ['ready']],
  ['failed', ['failed']],
  ['building', ['building']],
  ['deploying', ['deploying']],
  ['starting', ['runtime']],
  ['waiting', ['pending', 'waiting']],
  ['not started', ['disabled']],
];
/** Which resources get a line of their own, most urgent first. */
const DETAIL_ORDER: ResourcePhase[] = ['failed', 'building', 'deploying', 'runtime', 'waiting', 'pending', 'ready', 'disabled'];

/** One resource's line: mark, name (padded to `nameWidth`), what it does, its pod, when it last changed. */
function resourceLine(r: FooterResource, build: Activity | undefined, now: number, width: number, nameWidth: number, spin: string): string {
  const mark =
    r.phase === 'ready' ? '✓' : r.phase === 'failed' ? '✗' : r.phase === 'disabled' ? '–' : r.phase === 'pending' || r.phase === 'waiting' ? '·' : spin;
  const head = `${mark} ${r.name}${' '.repeat(Math.max(0, nameWidth - textWidth(r.name)))}  `;
  const pending = r.pendingFiles?.length
    ? `${r.pendingFiles.length} changed file${r.pendingFiles.length === 1 ? '' : 's'} wait for devloop trigger ${r.name}`
    : '';
  if (r.phase === 'building' && build) return `${head}${activityText(build, now, width - textWidth(head))}`;
  const what = r.phase === 'ready' ? 'ready' : r.phase === 'disabled' ? r.reason || 'disabled' : r.reason || r.phase;
  const pod = r.pod ? ` · pod ${r.pod}${r.restarts ? ` (${r.restarts} restart${r.restarts === 1 ? '' : 's'})` : ''}` : '';
  const when = r.changedAt !== undefined && (r.phase === 'ready' || r.phase === 'failed' || r.phase === 'disabled') ? ` · ${ago(now - r.changedAt)}` : '';
  return `${head}${what}${pod}${when}${pending ? ` · ${pending}` : ''}`;
}

export function footerLines(input: FooterInput): string[] {
  const { now, resources, builds } = input;
  const width = Math.max(1, input.width);
  const max = input.maxLines ?? (resources ? 10 : 3);
  const spin = SPINNER[Math.floor(now / 100) % SPINNER.length];
  const lines: string[] = [];
  const configLine = input.configError ? `config error, running the last good config: ${input.configError}` : undefined;
  if (!resources) {
    const items = builds.map((b) => `${spin} ${b.source}: ${activityText(b, now, width - textWidth(`${spin} ${b.source}: `))}`);
    if (items.length > max)
      items.splice(
        max - 1,
        items.length,
        `+${items.length - max + 1} more building: ${builds
          .slice(max - 1)
          .map((b) => b.source)
          .join(', ')}`,
      );
    lines.push(...items);
  } else {
    const counts = COUNTED.map(([label, phases]) => [label, resources.filter((r) => phases.includes(r.phase)).length] as const).filter(([, n]) => n > 0);
    const busy = resources.some((r) => r.phase !== 'ready' && r.phase !== 'failed' && r.phase !== 'disabled');
    const mark = resources.some((r) => r.phase === 'failed') ? '✗' : busy ? spin : '✓';
    const summary = `${resources.length} resource${resources.length === 1 ? '' : 's'}: ${counts.map(([l, n]) => `${n} ${l}`).join(', ') || 'none'}`;
    lines.push(`${mark} ${summary}${input.lastChange !== undefined ? ` · last change ${ago(now - input.lastChange)}` : ''}`);
    if (configLine) lines.push(configLine);
    const bySource = new Map(builds.map((b) => [b.source, b]));
    const ordered = [...resources].sort((a, b) => rank(a.phase) - rank(b.phase));
    const room = max - lines.length;
    if (room > 0 && ordered.length) {
      // Names in full, aligned, but never more than a third of the line.
      const nameWidth = Math.min(Math.max(...ordered.map((r) => textWidth(r.name))), Math.max(8, Math.floor(width / 3)));
      const shown = ordered.length <= room ? ordered : ordered.slice(0, room - 1);
      lines.push(...shown.map((r) => resourceLine(r, bySource.get(r.name), now, width, nameWidth, spin)));
      const rest = ordered.slice(shown.length);
      if (rest.length) lines.push(`+${rest.length} more: ${rest.map((r) => `${r.name} ${r.phase}`).join(', ')}`);
    }
  }
  return lines.slice(0, max).map((l) => truncate(plainText(l), width));
}

function rank(p: ResourcePhase): number {
  const i = DETAIL_ORDER.indexOf(p);
  return i < 0 ? DETAIL_ORDER.length : i;
}

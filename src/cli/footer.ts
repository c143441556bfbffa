/**
 * The status footer of a TTY, as plain lines (at most 3, each at most `width` columns):
 *   ⠹ 3 resources: 2 ready, 1 building · last change 4s ago
 *   web: STEP 2/3 build web-image 4.2s › [3/4] RUN npm install 2.1s
 *   config error, running the last good config: devloop.ts:12: docker_build: unknown option 'buildargs'
 * Without resources (`devloop build`), one line per running build. Pure: the renderer passes the clock.
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
  ['ready', ['ready']], ['failed', ['failed']], ['building', ['building']], ['deploying', ['deploying']],
  ['starting', ['runtime']], ['waiting', ['pending', 'waiting']], ['not started', ['disabled']],
];
/** Which resources get a line of their own, most urgent first. */
const DETAIL_ORDER: ResourcePhase[] = ['failed', 'building', 'deploying', 'runtime', 'waiting', 'pending'];

function resourceDetail(r: FooterResource, build: Activity | undefined, now: number, width: number): string | undefined {
  const pending = r.pendingFiles?.length ? `${r.pendingFiles.length} changed file${r.pendingFiles.length === 1 ? '' : 's'} wait for devloop trigger ${r.name}` : '';
  if (r.phase === 'ready' || r.phase === 'disabled') return pending ? `${r.name}: ${pending}` : undefined;
  const what = r.phase === 'building' && build ? activityText(build, now, width - textWidth(`${r.name}: `)) : r.phase === 'failed' ? `✗ ${r.reason}` : r.reason;
  return `${r.name}: ${what}${pending ? ` (${pending})` : ''}`;
}

/** Puts items on at most `lines` lines: one per line, the most urgent first; what does not fit shares the last line. */
function pack(items: string[], lines: number): string[] {
  if (lines <= 0 || !items.length) return [];
  if (items.length <= lines) return items;
  return [...items.slice(0, lines - 1), items.slice(lines - 1).join(' · ')];
}

export function footerLines(input: FooterInput): string[] {
  const { now, resources, builds } = input;
  const width = Math.max(1, input.width);
  const max = input.maxLines ?? 3;
  const spin = SPINNER[Math.floor(now / 100) % SPINNER.length];
  const lines: string[] = [];
  const configLine = input.configError ? `config error, running the last good config: ${input.configError}` : undefined;
  if (!resources) {
    const items = builds.map((b) => `${spin} ${b.source}: ${activityText(b, now, width - textWidth(`${spin} ${b.source}: `))}`);
    if (items.length > max) items.splice(max - 1, items.length, `+${items.length - max + 1} more building: ${builds.slice(max - 1).map((b) => b.source).join(', ')}`);
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
    const details = ordered.map((r) => resourceDetail(r, bySource.get(r.name), now, width)).filter((d): d is string => d !== undefined);
    lines.push(...pack(details, max - lines.length));
  }
  return lines.slice(0, max).map((l) => truncate(plainText(l), width));
}

function rank(p: ResourcePhase): number {
  const i = DETAIL_ORDER.indexOf(p);
  return i < 0 ? DETAIL_ORDER.length : i;
}

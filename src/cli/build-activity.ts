/**
 * What each build is doing now, from the engine's typed events (engine/events.ts): the step that runs
 * (`STEP 2/3 build nodejs-express-app-image`), the builder's step in progress, and each layer's push progress.
 * The TTY footer shows it.
 */
import type { EngineEvent } from '../engine/events.js';

export interface Activity {
  /** The line prefix: a resource name, or an image's. */
  source: string;
  /** `STEP 2/3 build nodejs-express-app-image`, `STEP 3/3 push nodejs-express-app-image`. */
  step: string;
  stepStarted: number;
  /** The builder's step in progress: `[3/4] RUN npm install`. */
  detail?: string;
  detailStarted?: number;
  /** Layer id -> its last push progress (`[==>   ] 1.2MB/3.4MB`), while it is pushed. */
  layers: Map<string, string>;
}

/** `localhost:5005/team/app:devloop-1234` -> `team/app`. */
function shortName(ref: string): string {
  const noTag = ref.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  const parts = noTag.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  return parts.join('/');
}

export class BuildActivity {
  private readonly bySource = new Map<string, Activity>();

  /** Follows one event; returns true when what the footer shows changed. */
  observe(e: EngineEvent, now: number): boolean {
    switch (e.type) {
      case 'step-start':
        this.bySource.set(e.source, {
          source: e.source,
          step: `STEP ${e.step}/${e.total} ${e.kind === 'build' ? `build ${e.image}` : `push ${shortName(e.ref)}`}`,
          stepStarted: now,
          layers: new Map(),
        });
        return true;
      case 'step-end':
      case 'image-done':
        return this.bySource.delete(e.source);
      case 'image-progress': {
        const a = this.bySource.get(e.source);
        if (!a) return false;
        const p = e.progress;
        if (p.kind === 'layer') {
          if (p.state === 'pushing') a.layers.set(p.id, p.progress ?? '');
          else a.layers.delete(p.id);
        } else if (p.state === 'started') {
          a.detail = p.name;
          a.detailStarted = now;
        } else if (a.detail === p.name) {
          a.detail = a.detailStarted = undefined;
        }
        return true;
      }
      default:
        return false;
    }
  }

  of(source: string): Activity | undefined {
    return this.bySource.get(source);
  }

  all(): Activity[] {
    return [...this.bySource.values()];
  }
}

/**
 * What each build is doing now, read from the lines the build scheduler prints (engine/build/scheduler.ts):
 * `STEP 2/3 — Building Dockerfile: [app]`, then the builder's steps indented (`     [3/4] RUN npm install`,
 * classic `     Step 3/4 : RUN npm install`), push progress (`     5f70bf18a086: Pushing [==>  ] 1.2MB/3.4MB`),
 * and a blank line when the step ends. The TTY footer shows it; push progress lines go there instead of the log.
 */

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

const INDENT = '     ';
const STEP = /^STEP (\d+\/\d+) — (?:Building (?:Dockerfile|Custom Build): \[(.+)\]|Pushing (\S+))$/;
const BUILDKIT_STEP = /^(\[[^\]]*\d+\/\d+\] .+?|\[background\] read source files|exporting to image)(?: [\d.]+[kMG]?B)?( \[cached\]| \[done: [^\]]+\])?$/;
const CLASSIC_STEP = /^Step (\d+\/\d+) : (.+)$/;
const PUSH_LAYER = /^([0-9a-f]{12}): (Pushing|Pushed|Layer already exists|Mounted from .*)(?: +(.*))?$/;
const ENDS = /^(Build Failed: |Image \S+ is up to date|Skipping \S+: )/;

/** `localhost:5005/team/app:devloop-1234` -> `team/app`. */
function shortName(ref: string): string {
  const noTag = ref.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  const parts = noTag.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  return parts.join('/');
}

export class BuildActivity {
  private readonly bySource = new Map<string, Activity & { phase: 'dockerfile' | 'building' | 'pushing' }>();

  /** Follows one line; returns true for a push progress line, which a TTY shows in the footer instead. */
  observe(source: string, text: string, now: number): boolean {
    const step = STEP.exec(text);
    if (step) {
      const [, n, image, ref] = step;
      const building = image !== undefined;
      this.bySource.set(source, {
        source, step: `STEP ${n} ${building ? `build ${image}` : `push ${shortName(ref)}`}`, stepStarted: now, layers: new Map(),
        phase: building ? (text.includes('Dockerfile') ? 'dockerfile' : 'building') : 'pushing',
      });
      return false;
    }
    if (ENDS.test(text)) {
      this.bySource.delete(source);
      return false;
    }
    const a = this.bySource.get(source);
    if (!a) return false;
    if (text === '') {
      if (a.phase !== 'dockerfile') this.bySource.delete(source);
      return false;
    }
    if (!text.startsWith(INDENT)) return false;
    const body = text.slice(INDENT.length);
    if (body === 'Building image') {
      a.phase = 'building';
      return false;
    }
    if (a.phase === 'pushing') {
      const p = PUSH_LAYER.exec(body);
      if (!p) return false;
      if (p[2] === 'Pushing') {
        a.layers.set(p[1], (p[3] ?? '').trim());
        return true;
      }
      a.layers.delete(p[1]);
      return false;
    }
    const bk = BUILDKIT_STEP.exec(body);
    if (bk) {
      if (bk[2]) {
        if (a.detail === bk[1]) a.detail = a.detailStarted = undefined;
      } else if (a.detail !== bk[1]) {
        a.detail = bk[1];
        a.detailStarted = now;
      }
      return false;
    }
    const classic = CLASSIC_STEP.exec(body);
    if (classic) {
      a.detail = `[${classic[1]}] ${classic[2]}`;
      a.detailStarted = now;
    }
    return false;
  }

  of(source: string): Activity | undefined {
    return this.bySource.get(source);
  }

  all(): Activity[] {
    return [...this.bySource.values()];
  }
}

// The TTY status footer: the text it shows for given statuses and builds, cut to the terminal's width,
// and what it takes from the engine's build events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildActivity } from '../../src/cli/build-activity.js';
import { elapsed, footerLines, type FooterResource } from '../../src/cli/footer.js';
import { textWidth, truncate, plainText } from '../../src/cli/text-width.js';
import { wantsFooter } from '../../src/cli/tty.js';

const T0 = 1_000_000;
const res = (name: string, phase: FooterResource['phase'], reason = ''): FooterResource => ({ name, phase, reason });

/** The activity of one build, fed with the scheduler's events: a STEP start, then the builder's steps. */
function building(source: string, steps: [number, string, 'started' | 'done' | 'cached'][]): BuildActivity {
  const a = new BuildActivity();
  a.observe(
    { type: 'step-start', source, image: 'web-image', step: 2, total: 3, kind: 'build', builder: 'docker', ref: 'web-image:devloop-0123456789abcdef' },
    T0,
  );
  for (const [t, name, state] of steps) a.observe({ type: 'image-progress', source, image: 'web-image', progress: { kind: 'step', name, state } }, t);
  return a;
}

const stepStart = (source: string, image: string, step: number, total: number, kind: 'build' | 'push' = 'build', ref = `${image}:devloop-0123456789abcdef`) =>
  ({ type: 'step-start', source, image, step, total, kind, builder: 'docker', ref }) as const;
const layer = (source: string, id: string, state: 'pushing' | 'done', progress?: string) =>
  ({ type: 'image-progress', source, image: 'web-image', progress: { kind: 'layer', id, state, progress } }) as const;

test('up footer: a summary, then one line per resource with its name in full, state, pod and last change, the busiest first', () => {
  const builds = building('web', [
    [T0 + 100, '[1/4] FROM docker.io/library/node:20', 'started'],
    [T0 + 200, '[1/4] FROM docker.io/library/node:20', 'done'],
    [T0 + 900, '[3/4] RUN npm install', 'started'],
  ]);
  const lines = footerLines({
    now: T0 + 3000,
    width: 200,
    lastChange: T0 - 9000,
    builds: builds.all(),
    resources: [
      { ...res('api-gateway-service', 'ready', 'pods ready'), pod: 'api-gateway-service-7d9f-x2x', changedAt: T0 - 62_000 },
      { ...res('db', 'ready'), pod: 'db-0', restarts: 2, changedAt: T0 },
      res('web', 'building', 'building images'),
    ],
  });
  assert.deepEqual(lines, [
    `${lines[0][0]} 3 resources: 2 ready, 1 building · last change 12s ago`,
    `${lines[0][0]} web                  STEP 2/3 build web-image 3.0s › [3/4] RUN npm install 2.1s`,
    '✓ api-gateway-service  ready · pod api-gateway-service-7d9f-x2x · 1m ago',
    '✓ db                   ready · pod db-0 (2 restarts) · 3s ago',
  ]);
  assert.match(lines[0][0], /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'a spinner while something is in progress');
});

test('up footer: all ready shows one line with a check mark; a failure shows ✗ and its reason first', () => {
  assert.deepEqual(footerLines({ now: T0 + 65_000, width: 80, lastChange: T0, builds: [], resources: [res('web', 'ready')] }), [
    '✓ 1 resource: 1 ready · last change 1m ago',
    '✓ web  ready',
  ]);
  const lines = footerLines({
    now: T0,
    width: 100,
    lastChange: T0,
    builds: [],
    resources: [res('web', 'runtime', 'waiting for pods: ContainerCreating'), res('api', 'failed', 'CrashLoopBackOff'), res('x', 'disabled')],
  });
  assert.deepEqual(lines, [
    '✗ 3 resources: 1 failed, 1 starting, 1 not started · last change 0s ago',
    '✗ api  CrashLoopBackOff',
    `${lines[2][0]} web  waiting for pods: ContainerCreating`,
    '– x    disabled',
  ]);
});

test('up footer: never more than maxLines; the config error comes before the resources, those that do not fit share the last line', () => {
  const resources = [res('a', 'pending', 'queued'), res('b', 'waiting', 'waiting for a'), res('c', 'deploying', 'applying objects'), res('d', 'ready')];
  const lines = footerLines({
    now: T0,
    width: 200,
    builds: [],
    resources,
    maxLines: 4,
    configError: "devloop.ts:12: docker_build: unknown option 'buildargs'",
  });
  assert.equal(lines.length, 4);
  assert.equal(lines[1], "config error, running the last good config: devloop.ts:12: docker_build: unknown option 'buildargs'");
  assert.match(lines[2], /^. c {2}applying objects$/);
  assert.equal(lines[3], '+3 more: b waiting, a pending, d ready');
  const noErr = footerLines({ now: T0, width: 200, builds: [], resources });
  assert.deepEqual(noErr.slice(2), ['· b  waiting for a', '· a  queued', '✓ d  ready']);
});

test('up footer: changed files of a manual resource are shown even when it is ready', () => {
  const lines = footerLines({
    now: T0,
    width: 200,
    builds: [],
    resources: [{ ...res('web', 'ready'), triggerMode: 'manual', pendingFiles: ['a.js', 'b.js'] }],
  });
  assert.equal(lines[1], '✓ web  ready · 2 changed files wait for devloop trigger web');
});

test('footer lines are cut to the width, counting wide characters, with an ellipsis; escape sequences are dropped', () => {
  const builds = building('web', [[T0, '[3/4] RUN npm install --loglevel verbose && npm run build-all-the-things', 'started']]);
  for (const width of [20, 40, 61]) {
    const lines = footerLines({
      now: T0 + 2100,
      width,
      lastChange: T0,
      builds: builds.all(),
      resources: [res('web', 'building'), res('日本語のリソース', 'pending', 'queued\x1b[31m red\x1b[0m')],
    });
    for (const l of lines) assert.ok(textWidth(l) <= width, `${JSON.stringify(l)} fits in ${width}`);
    assert.ok(lines.some((l) => l.includes('…')));
    assert.ok(lines.every((l) => !l.includes('\x1b')));
  }
  const [, cut] = footerLines({ now: T0 + 2100, width: 72, lastChange: T0, builds: builds.all(), resources: [res('web', 'building')] });
  assert.equal(cut.slice(1), ' web  STEP 2/3 build web-image 2.1s › [3/4] RUN npm install --log… 2.1s', 'a long step is cut, its timer stays');
  assert.equal(textWidth(cut), 72);
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abcd', 4), 'abcd');
  assert.equal(truncate('日本語', 5), '日本…');
  assert.equal(textWidth('日本語'), 6);
  assert.equal(plainText('a\tb\r\x1b[1mc\x1b[0m\x07'), 'a b c');
});

test('build footer: one line per running build, then "+N more"', () => {
  const a = new BuildActivity();
  for (const s of ['one', 'two', 'three', 'four']) a.observe(stepStart(s, `${s}-image`, 1, 4), T0);
  const lines = footerLines({ now: T0 + 1500, width: 200, builds: a.all() });
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^. one: STEP 1\/4 build one-image 1\.5s$/);
  assert.match(lines[2], /^\+2 more building: three, four$/);
  assert.deepEqual(footerLines({ now: T0, width: 80, builds: [] }), []);
});

test('build activity: push progress goes to the footer; finished layers and the end of the step clear it', () => {
  const a = new BuildActivity();
  assert.equal(a.observe(stepStart('web', 'web-image', 3, 3, 'push', 'localhost:5005/team/web-image:devloop-0123456789abcdef'), T0), true);
  assert.equal(a.observe(layer('web', '5f70bf18a086', 'pushing', '[==>          ]  1.2MB/31.4MB'), T0 + 500), true);
  a.observe(layer('web', '0a1b2c3d4e5f', 'done'), T0 + 500);
  let [line] = footerLines({ now: T0 + 1000, width: 200, builds: a.all() });
  assert.equal(line.slice(2), 'web: STEP 3/3 push team/web-image 1.0s › 1 layer: 1.2MB/31.4MB');
  a.observe(layer('web', '5f70bf18a086', 'done'), T0 + 1500);
  [line] = footerLines({ now: T0 + 2000, width: 200, builds: a.all() });
  assert.equal(line.slice(2), 'web: STEP 3/3 push team/web-image 2.0s');
  a.observe({ type: 'step-end', source: 'web', image: 'web-image', kind: 'push', ms: 2000 }, T0 + 2000);
  assert.deepEqual(a.all(), []);
});

test('build activity: a cached step shows nothing in progress; failures and up-to-date images end the activity', () => {
  const a = building('web', [[T0, '[2/4] WORKDIR /app', 'cached']]);
  assert.equal(a.of('web')?.detail, undefined);
  a.observe(
    { type: 'image-progress', source: 'web', image: 'web-image', progress: { kind: 'step', name: '[3/4] RUN npm install', state: 'started' } },
    T0 + 10,
  );
  assert.equal(a.of('web')?.detail, '[3/4] RUN npm install');
  a.observe({ type: 'image-progress', source: 'web', image: 'web-image', progress: { kind: 'step', name: '[3/4] RUN npm install', state: 'done' } }, T0 + 20);
  assert.equal(a.of('web')?.detail, undefined);
  a.observe({ type: 'image-done', source: 'web', image: 'web-image', status: 'failed', reason: 'building web-image failed' }, T0 + 30);
  assert.equal(a.of('web'), undefined);
  const b = new BuildActivity();
  b.observe({ type: 'image-done', source: 'web', image: 'web-image', status: 'up-to-date' }, T0);
  assert.deepEqual(b.all(), []);
});

test('elapsed times', () => {
  assert.deepEqual([0, 2149, 12_900, 65_000, 3_725_000].map(elapsed), ['0.0s', '2.1s', '12s', '1m05s', '1h02m']);
});

test('the footer only on a terminal, and not with --plain, CI or NO_COLOR', () => {
  const tty = { out() {}, err() {}, isTTY: true };
  assert.equal(wantsFooter(tty, {}, {}), true);
  assert.equal(wantsFooter({ ...tty, isTTY: false }, {}, {}), false);
  assert.equal(wantsFooter(tty, { plain: true }, {}), false);
  assert.equal(wantsFooter(tty, {}, { CI: 'true' }), false);
  assert.equal(wantsFooter(tty, {}, { CI: 'false' }), true);
  assert.equal(wantsFooter(tty, {}, { NO_COLOR: '1' }), false);
  assert.equal(wantsFooter(tty, {}, { TERM: 'dumb' }), false);
});

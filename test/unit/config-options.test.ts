/**
 * Options and objects real Tiltfiles pass and the settings functions: what each records and does (readiness probes,
 * build parallelism, Secret scrubbing, deps made later).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateConfig, findConfig, type Invocation } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

const YAML = `${DEPLOYMENT('web', 'web-image')}---\n${DEPLOYMENT('api', 'api-image')}---\n${DEPLOYMENT('db', 'db-image')}`;

function project(config: string, extra: Record<string, string> = {}): string {
  const dir = writeProject({ 'app.yaml': YAML, 'devloop.ts': config, ...extra });
  dirs.push(dir);
  return dir;
}

async function evalIn(dir: string, invocation?: Invocation) {
  return evaluateConfig(findConfig(dir), { invocation });
}

async function plan(config: string, invocation?: Invocation, extra: Record<string, string> = {}) {
  const r = await evalIn(project(config, extra), invocation);
  if (!r.ok) assert.fail(`${r.error.message} ${JSON.stringify(r.error.location)}`);
  return r.plan;
}

async function error(config: string, invocation?: Invocation) {
  const r = await evalIn(project(config), invocation);
  assert.equal(r.ok, false, 'expected an error');
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

test('local_resource options: serve_env, serve_dir, allow_parallel, links, readiness_probe, cmd_bat', async () => {
  const p = await plan(
    [
      "import { local_resource, probe, http_get_action, exec_action, tcp_socket_action, link } from 'devloop';",
      "local_resource('srv', 'true', { serve_cmd: 'sleep 1', serve_env: { PORT: '9' }, serve_dir: 'sub', allow_parallel: true,",
      "  links: ['http://localhost:9', link('http://localhost:9/admin', 'admin')], cmd_bat: 'echo win', serve_cmd_bat: 'x.bat',",
      "  readiness_probe: probe({ period_secs: 2, http_get: http_get_action(9, { path: '/healthz' }) }) });",
      "local_resource('e', { serve_cmd: 'x', readiness_probe: probe({ exec: exec_action(['true']) }) });",
      "local_resource('t', { serve_cmd: 'x', readiness_probe: probe({ tcp_socket: tcp_socket_action(5432, { host: 'localhost' }) }) });",
    ].join('\n'),
    undefined,
    { 'sub/.keep': '' },
  );
  const [srv, e, t] = p.localResources;
  assert.deepEqual(srv.serveEnv, { PORT: '9' });
  assert.equal(srv.serveDir?.endsWith('/sub'), true);
  assert.equal(srv.allowParallel, true);
  assert.deepEqual(srv.links, ['http://localhost:9', 'admin: http://localhost:9/admin']);
  assert.deepEqual(srv.cmd, ['sh', '-c', 'true'], 'cmd_bat is for Windows only');
  assert.deepEqual(srv.readinessProbe, {
    initialDelaySecs: 0,
    timeoutSecs: 1,
    periodSecs: 2,
    successThreshold: 1,
    failureThreshold: 3,
    httpGet: { host: '127.0.0.1', port: 9, scheme: 'http', path: '/healthz' },
  });
  assert.deepEqual(e.readinessProbe?.exec, { command: ['true'] });
  assert.deepEqual(t.readinessProbe?.tcpSocket, { host: 'localhost', port: 5432 });
});

test('objects are checked where they are made', async () => {
  const cases: [string, RegExp][] = [
    ["import { probe } from 'devloop';\nprobe({});", /give exactly one of exec, http_get or tcp_socket, got 0/],
    ["import { probe, exec_action } from 'devloop';\nprobe({ exec: { command: ['x'] } as any });", /exec must be made by exec_action/],
    [
      "import { local_resource } from 'devloop';\nlocal_resource('x', 'true', { readiness_probe: { spec: {} } as any });",
      /readiness_probe must be made by probe/,
    ],
    [
      "import { local_resource, probe, tcp_socket_action } from 'devloop';\nlocal_resource('x', 'true', { readiness_probe: probe({ tcp_socket: tcp_socket_action(1) }) });",
      /readiness_probe is for a serve_cmd/,
    ],
    ["import { port_forward } from 'devloop';\nport_forward(70000);", /local_port must be a port number/],
    ["import { http_get_action } from 'devloop';\nhttp_get_action(80, { scheme: 'ftp' });", /scheme must be 'http' or 'https'/],
    [
      "import { k8s_yaml, k8s_resource } from 'devloop';\nk8s_yaml('app.yaml');\nk8s_resource('web', { discovery_strategy: 'magic' as any });",
      /discovery_strategy must be 'default' or 'selectors-only'/,
    ],
  ];
  for (const [config, want] of cases) {
    const e = await error(config);
    assert.match(e.message, want, config);
    assert.equal(e.location?.line, config.split('\n').length, `${config}: located at the call`);
  }
});

test('port_forward() and link() in k8s_resource; discovery_strategy recorded', async () => {
  const p = await plan(
    [
      "import { k8s_yaml, k8s_resource, port_forward, link } from 'devloop';",
      "k8s_yaml('app.yaml');",
      "k8s_resource('web', { port_forwards: [port_forward(8000, 80, { name: 'ui', link_path: '/app' }), port_forward(9000, { host: '0.0.0.0' }), '7000:70'],",
      "  links: link('http://localhost:8000', 'web'), discovery_strategy: 'selectors-only' });",
    ].join('\n'),
  );
  const r = p.k8sResources[0];
  assert.deepEqual(r.portForwards, [
    { host: '127.0.0.1', localPort: 8000, containerPort: 80, text: '8000:80', name: 'ui', linkPath: '/app' },
    { host: '0.0.0.0', localPort: 9000, containerPort: 9000, text: '0.0.0.0:9000:9000', name: undefined, linkPath: undefined },
    { host: '127.0.0.1', localPort: 7000, containerPort: 70, text: '7000:70' },
  ]);
  assert.deepEqual(r.links, ['web: http://localhost:8000']);
  assert.equal(r.discoveryStrategy, 'selectors-only');
});

test('local() takes echo_off, stdin and command_bat; run() takes echo_off', async () => {
  const p = await plan(
    [
      "import { local, k8s_yaml, docker_build, sync, run } from 'devloop';",
      "const out = local('cat', { stdin: 'from stdin', echo_off: true, command_bat: 'type con' });",
      "local('echo shown');",
      "if (out !== 'from stdin') throw new Error('stdin not given: ' + out);",
      "k8s_yaml('app.yaml');",
      "docker_build('web-image', '.', { live_update: [sync('.', '/app'), run('true', { echo_off: true })] });",
    ].join('\n'),
    undefined,
    { Dockerfile: 'FROM busybox\n' },
  );
  assert.ok(!p.logs.some((l) => l === 'local: cat'), 'echo_off hides the command');
  assert.ok(p.logs.includes('local: echo shown'));
});

test('settings functions record their values; meaningless ones are accepted with one line each', async () => {
  const p = await plan(
    [
      "import * as d from 'devloop';",
      "d.update_settings({ max_parallel_updates: 4, k8s_upsert_timeout_secs: 60, suppress_unused_image_warnings: ['x'] });",
      "d.ci_settings({ timeout: '1h30m', readiness_timeout: 90 });",
      "d.watch_settings({ ignore: ['*.tmp'] });",
      'd.secret_settings({ disable_scrub: true });',
      "d.version_settings({ constraint: '>=0.22' });",
      'd.analytics_settings(false);',
      'd.docker_prune_settings({ disable: true });',
      "d.set_team('abc');",
      "d.enable_feature('x');",
      'd.disable_snapshots();',
    ].join('\n'),
  );
  assert.deepEqual(p.settings, {
    maxParallelUpdates: 4,
    k8sUpsertTimeoutSecs: 60,
    suppressUnusedImageWarnings: ['x'],
    ciTimeoutSecs: 5400,
    ciReadinessTimeoutSecs: 90,
    watchIgnore: ['*.tmp'],
    disableScrub: true,
  });
  const ignored = p.logs.filter((l) => / is ignored: /.test(l));
  assert.deepEqual(
    ignored.map((l) => l.split('(')[0]),
    ['version_settings', 'analytics_settings', 'docker_prune_settings', 'set_team', 'enable_feature', 'disable_snapshots'],
  );
  assert.match(ignored[0], /at devloop\.ts:6 is ignored/);
  const bad = await error("import { update_settings } from 'devloop';\nupdate_settings({ max_parallel_updates: 0 });");
  assert.match(bad.message, /max_parallel_updates must be a positive whole number/);
  const badDur = await error("import { ci_settings } from 'devloop';\nci_settings({ timeout: 'soon' });");
  assert.match(badDur.message, /timeout 'soon' is not a duration/);
});

test('suppress_unused_image_warnings silences the unused-image warning of those images only', async () => {
  const p = await plan(
    [
      "import { k8s_yaml, docker_build, update_settings } from 'devloop';",
      "k8s_yaml('app.yaml');",
      "docker_build('unused-a', '.');",
      "docker_build('unused-b', '.');",
      "update_settings({ suppress_unused_image_warnings: 'unused-a' });",
    ].join('\n'),
    undefined,
    { Dockerfile: 'FROM busybox\n' },
  );
  const w = resolve(p).warnings.filter((x) => /is not used/.test(x));
  assert.equal(w.length, 1);
  assert.match(w[0], /^image 'unused-b'/);
});

test("update_settings' max_parallel_updates bounds how many images build at once (default 2)", async () => {
  const { buildImages } = await import('../../src/engine/build/scheduler.js');
  const { FakeBuilder } = await import('../fakes/ports.js');
  const { execaRunner } = await import('../../src/adapters/process/execa-runner.js');
  const { silentLog } = await import('../../src/engine/log.js');
  const images = ['a', 'b', 'c', 'd', 'e'];
  const yamlText = images.map((i) => DEPLOYMENT(i, `img-${i}`)).join('---\n');
  const peak = async (settings: string): Promise<number> => {
    const p = await plan(
      [
        "import { docker_build, k8s_yaml, update_settings } from 'devloop';",
        "k8s_yaml('all.yaml');",
        ...images.map((i) => `docker_build('img-${i}', '${i}');`),
        settings,
      ].join('\n'),
      undefined,
      { 'all.yaml': yamlText, ...Object.fromEntries(images.map((i) => [`${i}/Dockerfile`, `FROM busybox\nENV X=${i}\n`])) },
    );
    const builder = new FakeBuilder();
    let now = 0;
    let max = 0;
    const build = builder.build.bind(builder);
    builder.buildMs = () => 30;
    builder.build = async (req, out) => {
      max = Math.max(max, ++now);
      try {
        return await build(req, out);
      } finally {
        now--;
      }
    };
    const res = resolve(p);
    const outcomes = await buildImages(res.images, {
      builder,
      processes: execaRunner,
      log: silentLog,
      push: { enabled: false },
      parallelism: res.plan.settings?.maxParallelUpdates,
    });
    assert.equal([...outcomes.values()].filter((o) => o.status === 'built').length, 5);
    return max;
  };
  assert.equal(await peak(''), 2);
  assert.equal(await peak('update_settings({ max_parallel_updates: 4 });'), 4);
  assert.equal(await peak('update_settings({ max_parallel_updates: 1 });'), 1);
});

test('Secret values (data and stringData, plain and base64) are scrubbed from every log line and log event, as in Tilt', async () => {
  const { SecretScrubber, scrubbingLog } = await import('../../src/engine/secret-scrub.js');
  const p = await plan(
    [
      "import { k8s_yaml, secret_from_dict } from 'devloop';",
      "k8s_yaml('app.yaml');",
      "k8s_yaml(secret_from_dict('db', { inputs: { password: 's3cr3t-pw', pin: '1234' } }));",
    ].join('\n'),
  );
  const res = resolve(p);
  const lines: string[] = [];
  const events: unknown[] = [];
  const log = scrubbingLog({ line: (s, t) => lines.push(`${s}|${t}`), event: (e) => events.push(e) }, new SecretScrubber(), () => res.rendered);
  log.line('web', 'connecting with s3cr3t-pw now');
  log.line('web', `env: ${Buffer.from('s3cr3t-pw').toString('base64')}`);
  log.line('web', 'pin 1234 is too short to scrub');
  log.event!({ type: 'log', source: 'api', text: 'pw=s3cr3t-pw' });
  log.event!({ type: 'status', resource: 'api', phase: 'ready', reason: 'ok' });
  assert.deepEqual(lines, [
    'web|connecting with [redacted secret db:password] now',
    'web|env: [redacted secret db:password]',
    'web|pin 1234 is too short to scrub',
  ]);
  assert.deepEqual(events, [
    { type: 'log', source: 'api', text: 'pw=[redacted secret db:password]' },
    { type: 'status', resource: 'api', phase: 'ready', reason: 'ok' },
  ]);
  // Once seen, a secret stays scrubbed even when a later plan no longer has it.
  const s = new SecretScrubber();
  s.addObjects([{ kind: 'Secret', metadata: { name: 'tok' }, stringData: { token: 'abcdefgh' } }]);
  s.addObjects([]);
  assert.equal(s.scrub('token abcdefgh'), 'token [redacted secret tok:token]');
});

test('a custom_build or local_resource dep a build makes later may be missing at load: a warning, watched, and the tag follows it once it exists', async () => {
  const { mkdirSync } = await import('node:fs');
  const { watchRoots } = await import('../../src/engine/watch-roots.js');
  const dir = project(
    [
      "import { custom_build, k8s_yaml, local_resource } from 'devloop';",
      "k8s_yaml('app.yaml');",
      "local_resource('compile', 'mkdir -p build/classes && touch build/classes/A.class', { deps: ['src/gen'] });",
      "custom_build('web-image', 'docker build -t $EXPECTED_REF build', { deps: ['build/classes'] });",
    ].join('\n'),
  );
  const r = await evalIn(dir);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const warnings = r.plan.warnings.map((w) => w.message);
  assert.ok(warnings.includes("custom_build: dep 'build/classes' does not exist yet (devloop.ts:4); watching . until it appears"), warnings.join('\n'));
  assert.ok(warnings.includes("local_resource: dep 'src/gen' does not exist yet (devloop.ts:3); watching . until it appears"), warnings.join('\n'));
  const before = resolve(r.plan);
  assert.ok(
    before.warnings.some((w) => w.startsWith("custom_build: dep 'build/classes'")),
    'shown with the other warnings',
  );
  const roots = watchRoots(before).map((x) => x.path);
  assert.ok(roots.includes(join(dir, 'build/classes')) && roots.includes(join(dir, 'src/gen')), roots.join('\n'));
  mkdirSync(join(dir, 'build/classes'), { recursive: true });
  writeFileSync(join(dir, 'build/classes/A.class'), 'x');
  const after = resolve(r.plan);
  assert.notEqual(after.images[0].tag, before.images[0].tag, 'the files appearing change the tag, so the image builds from them');
});

test('a serve_cmd with a readiness_probe is ready only once its probe passes (tcp, real process); serve_env and serve_dir reach it', async () => {
  const { StatusBoard } = await import('../../src/engine/status-board.js');
  const { LocalTarget } = await import('../../src/engine/targets/local.js');
  const { execaRunner } = await import('../../src/adapters/process/execa-runner.js');
  const { createServer } = await import('node:net');
  const free = await new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as { port: number };
      s.close(() => ok(a.port));
    });
  });
  const server = `const fs = require('fs'); fs.writeFileSync('where.txt', process.cwd() + ' ' + process.env.GREETING); setTimeout(() => require('net').createServer().listen(${free}, '127.0.0.1'), 700)`;
  const p = await plan(
    [
      "import { local_resource, probe, tcp_socket_action } from 'devloop';",
      `local_resource('srv', { serve_cmd: ['node', '-e', ${JSON.stringify(server)}], serve_dir: 'sub', serve_env: { GREETING: 'hi' },`,
      `  readiness_probe: probe({ period_secs: 1, timeout_secs: 1, tcp_socket: tcp_socket_action(${free}) }) });`,
    ].join('\n'),
    undefined,
    { 'sub/.keep': '' },
  );
  const res = resolve(p);
  const lines: string[] = [];
  const log = { line: (s: string, t: string) => lines.push(`${s}|${t}`) };
  const board = new StatusBoard(log, () => {});
  board.setResources(res.resources);
  const target = new LocalTarget(board, log, execaRunner);
  target.setResources(res.resources);
  try {
    const t0 = Date.now();
    await target.update(res.resources[0], { resource: 'srv', reason: 'Initial Build' } as any);
    assert.equal(board.get('srv')?.phase, 'runtime', 'not ready before the probe passes');
    while (board.get('srv')?.phase !== 'ready' && Date.now() - t0 < 8000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(board.get('srv')?.phase, 'ready', lines.join('\n'));
    assert.ok(Date.now() - t0 >= 700, 'ready only after the server listens');
    assert.equal(readFileSync(join(res.plan.configDir, 'sub/where.txt'), 'utf8'), `${join(res.plan.configDir, 'sub')} hi`);
  } finally {
    await target.stop();
  }
});

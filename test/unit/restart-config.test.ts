/**
 * restart_process(): what the config records (docker_build_with_restart, custom_build_with_restart, the step in any
 * live_update), its mistakes as errors at file:line, the plan's restart (with trigger), the update script's
 * restart lines and their markers, and the containers' command wrapped in the supervisor when rendered.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateConfig, findConfig } from '../../src/config/evaluate.js';
import { resolve } from '../../src/resolve/resolve.js';
import type { LiveUpdateStep, Plan, RestartProcessStep } from '../../src/config/spec.js';
import { planLiveUpdate } from '../../src/engine/live-update/plan.js';
import { parseScriptOutput, updateScript, MARK } from '../../src/engine/live-update/script.js';
import { SUPERVISOR_SCRIPT, SUPERVISOR_NAME } from '../../src/model/supervisor.js';
import { writeProject, removeProject, DEPLOYMENT } from '../helpers/project.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeProject));

async function evalPlan(config: string, files: Record<string, string> = {}): Promise<{ dir: string; plan: Plan }> {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', 'app.yaml': DEPLOYMENT('web', 'web-image'), 'devloop.ts': config, ...files });
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  if (!ev.ok) throw ev.error;
  return { dir, plan: ev.plan };
}

async function evalError(config: string) {
  const dir = writeProject({ Dockerfile: 'FROM busybox\n', 'app.yaml': DEPLOYMENT('web', 'web-image'), 'devloop.ts': config });
  dirs.push(dir);
  const ev = await evaluateConfig(findConfig(dir));
  assert.equal(ev.ok, false, 'expected the config to fail');
  if (ev.ok) throw new Error('unreachable');
  return ev.error;
}

const restartOf = (steps: LiveUpdateStep[]) => steps.find((s): s is RestartProcessStep => s.type === 'restart_process');

test("docker_build_with_restart records the entrypoint and a restart_process() step last, with the extension's defaults", async () => {
  const { dir, plan } = await evalPlan(`import { docker_build_with_restart, sync, run } from 'devloop';
docker_build_with_restart('web-image', '.', '/app/server --port 80', {
  live_update: [sync('.', '/app'), run('make')],
  build_args: { A: '1' },
});
`);
  const img = plan.images[0];
  assert.equal(img.type, 'docker');
  assert.deepEqual(img.entrypoint, ['sh', '-c', '/app/server --port 80']);
  assert.deepEqual(
    img.liveUpdate.map((s) => s.type),
    ['sync', 'run', 'restart_process'],
  );
  const r = restartOf(img.liveUpdate)!;
  assert.equal(r.file, '/tmp/.restart-proc');
  assert.equal(r.exitPolicy, 'restart');
  assert.deepEqual(r.triggers, []);
  assert.equal(r.loc.file, join(dir, 'devloop.ts'));
  assert.equal(r.loc.line, 2);
  assert.deepEqual(img.type === 'docker' && img.buildArgs, { A: '1' });
});

test('docker_build_with_restart: restart_file, trigger (config-relative), exit_policy and base_suffix (no effect) are taken', async () => {
  const { dir, plan } = await evalPlan(`import { docker_build_with_restart, sync } from 'devloop';
docker_build_with_restart('web-image', '.', ['/app/server'], {
  live_update: [sync('.', '/app')], restart_file: '/var/run/app.restart', trigger: ['src', 'go.mod'], exit_policy: 'continue', base_suffix: '-base',
});
`);
  const img = plan.images[0];
  assert.equal(plan.images.length, 1, 'no separate base image');
  assert.deepEqual(img.entrypoint, ['/app/server']);
  const r = restartOf(img.liveUpdate)!;
  assert.deepEqual([r.file, r.exitPolicy, r.triggers], ['/var/run/app.restart', 'continue', [join(dir, 'src'), join(dir, 'go.mod')]]);
});

test('custom_build_with_restart passes command, deps and options to custom_build and adds the restart', async () => {
  const { dir, plan } = await evalPlan(`import { custom_build_with_restart, sync } from 'devloop';
custom_build_with_restart('web-image', 'docker build -t $EXPECTED_REF .', ['.'], ['/app/server'], {
  live_update: [sync('.', '/app')], env: { X: '1' },
});
`);
  const img = plan.images[0];
  assert.equal(img.type, 'custom');
  if (img.type !== 'custom') return;
  assert.deepEqual(img.deps, [dir]);
  assert.equal(img.commandText, 'docker build -t $EXPECTED_REF .');
  assert.deepEqual(img.env, { X: '1' });
  assert.deepEqual(img.entrypoint, ['/app/server']);
  assert.equal(img.liveUpdate.at(-1)?.type, 'restart_process');
});

test('restart_process() is a step of any live_update', async () => {
  const { plan } = await evalPlan(`import { docker_build, sync, restart_process } from 'devloop';
docker_build('web-image', '.', { entrypoint: ['node', 'server.js'], live_update: [sync('.', '/app'), restart_process({ trigger: 'server.js' })] });
`);
  const r = restartOf(plan.images[0].liveUpdate)!;
  assert.equal(r.exitPolicy, 'restart');
  assert.equal(r.triggers.length, 1);
});

const errorCases: { name: string; config: string; code: string; line: number; message: RegExp; hint?: RegExp }[] = [
  {
    name: 'docker_build_with_restart without live_update steps',
    config: "import { docker_build_with_restart } from 'devloop';\n\ndocker_build_with_restart('web-image', '.', '/app/server', {});\n",
    code: 'config-bad-value',
    line: 3,
    message: /docker_build_with_restart requires at least one live_update step/,
    hint: /sync/,
  },
  {
    name: 'docker_build_with_restart with restart_container()',
    config:
      "import { docker_build_with_restart, sync, restart_container } from 'devloop';\ndocker_build_with_restart('web-image', '.', '/s', { live_update: [sync('.', '/app'), restart_container()] });\n",
    code: 'config-bad-value',
    line: 2,
    message: /not compatible with the live_update step restart_container\(\)/,
  },
  {
    name: 'docker_build_with_restart with restart_process() in its live_update',
    config:
      "import { docker_build_with_restart, sync, restart_process } from 'devloop';\ndocker_build_with_restart('web-image', '.', '/s', { live_update: [sync('.', '/app'), restart_process()] });\n",
    code: 'config-bad-value',
    line: 2,
    message: /already restarts the process/,
    hint: /trigger/,
  },
  {
    name: 'an error of the wrapped docker_build names docker_build_with_restart',
    config:
      "import { docker_build_with_restart, sync } from 'devloop';\ndocker_build_with_restart('web-image', '.', '/s', { live_update: [sync('.', '/app')], buildargs: {} });\n",
    code: 'config-unknown-option',
    line: 2,
    message: /^docker_build_with_restart: unknown option 'buildargs'/,
  },
  {
    name: 'an entrypoint that is not a string or list',
    config:
      "import { docker_build_with_restart, sync } from 'devloop';\ndocker_build_with_restart('web-image', '.', 5 as any, { live_update: [sync('.', '/app')] });\n",
    code: 'config-bad-type',
    line: 2,
    message: /argument 'entrypoint' must be a string or a list of strings/,
  },
  {
    name: 'a bad exit_policy',
    config:
      "import { docker_build_with_restart, sync } from 'devloop';\ndocker_build_with_restart('web-image', '.', '/s', { live_update: [sync('.', '/app')], exit_policy: 'again' as any });\n",
    code: 'config-bad-value',
    line: 2,
    message: /exit_policy must be 'restart' or 'continue', got the string "again"/,
  },
  {
    name: 'a relative restart_file',
    config: "import { restart_process } from 'devloop';\nrestart_process({ restart_file: 'tmp/x' });\n",
    code: 'config-bad-value',
    line: 2,
    message: /restart_file 'tmp\/x' must be an absolute path/,
  },
  {
    name: 'restart_process() that is not the last step',
    config:
      "import { docker_build, sync, run, restart_process } from 'devloop';\ndocker_build('web-image', '.', { live_update: [\n  sync('.', '/app'),\n  restart_process(),\n  run('make'),\n] });\n",
    code: 'config-live-update-order',
    line: 4,
    message: /restart_process\(\) must be the last live_update step/,
    hint: /run\(\.\.\.\)\*, \[restart_process\(\)\]/,
  },
  {
    name: 'restart_process() twice',
    config:
      "import { docker_build, sync, restart_process } from 'devloop';\ndocker_build('web-image', '.', { live_update: [\n  sync('.', '/app'),\n  restart_process(),\n  restart_process(),\n] });\n",
    code: 'config-live-update-order',
    line: 4,
    message: /restart_process\(\) must be the last live_update step, at most once/,
  },
];

for (const c of errorCases) {
  test(`restart config error: ${c.name}`, async () => {
    const error = await evalError(c.config);
    assert.equal(error.code, c.code, `${error.code}: ${error.message}`);
    assert.match(error.message, c.message);
    assert.equal(error.location?.line, c.line, `line of ${error.message}`);
    if (c.hint) assert.match(error.hint ?? '', c.hint);
  });
}

const loc = { file: '/p/devloop.ts', line: 1 };
const restartStep = (triggers: string[] = []): RestartProcessStep => ({
  type: 'restart_process',
  file: '/tmp/.restart-proc',
  exitPolicy: 'restart',
  triggers,
  loc,
});

test('plan: restart_process() restarts after every sync; with a trigger only when a changed file is under it, saying which', () => {
  const sync = { type: 'sync', local: '/p', remote: '/app', loc } as const;
  const rel = (p: string) => p.replace(/^\/p\//, '');
  const always = planLiveUpdate([sync, restartStep()], [{ path: '/p/a.js', deleted: false }], rel);
  assert.equal(always.kind === 'sync' && always.restart?.step.type, 'restart_process');
  assert.equal(always.kind === 'sync' && always.restart?.trigger, undefined);
  const hit = planLiveUpdate(
    [sync, restartStep(['/p/src'])],
    [
      { path: '/p/README', deleted: false },
      { path: '/p/src/main.go', deleted: false },
    ],
    rel,
  );
  assert.equal(hit.kind === 'sync' && hit.restart?.trigger, 'src/main.go');
  const miss = planLiveUpdate([sync, restartStep(['/p/src'])], [{ path: '/p/README', deleted: false }], rel);
  assert.ok(miss.kind === 'sync' && !('restart' in miss), 'no restart when no trigger changed');
  const none = planLiveUpdate([sync], [{ path: '/p/a.js', deleted: false }], rel);
  assert.ok(none.kind === 'sync' && !('restart' in none));
});

test('script: the restart comes after the run steps and before done; its markers are parsed', () => {
  const s = updateScript({ deletes: [], copies: ['/app/a'], hasTar: true, runs: [['make']], restart: '/tmp/.restart-proc' });
  const runAt = s.indexOf(`${MARK} run 0`);
  const restartAt = s.indexOf(`${MARK} restart"`);
  assert.ok(runAt > 0 && restartAt > runAt && s.indexOf(`${MARK} done`) > restartAt);
  assert.match(s, /f='\/tmp\/\.restart-proc'/);
  assert.ok(!updateScript({ deletes: [], copies: [], hasTar: false, runs: [] }).includes('restart'));
  const ok = parseScriptOutput(
    [`${MARK} run 0`, 'made', `${MARK} run-exit 0 0`, `${MARK} restart`, 'noise', `${MARK} restarted 42`, `${MARK} done`].join('\n'),
  );
  assert.deepEqual(ok.restart, { pid: 42 });
  assert.deepEqual(ok.runs[0].output, ['made'], "lines after the restart marker are not the run step's");
  assert.deepEqual(parseScriptOutput(`${MARK} restart\n${MARK} restart-exited 3\n`).restart, { exited: 3 });
  assert.deepEqual(parseScriptOutput(`${MARK} restart\n${MARK} restart-failed no-supervisor\n`).restart, { problem: 'no-supervisor' });
});

test("render: the entrypoint runs under the supervisor; the container's args still follow it", async () => {
  const yaml = DEPLOYMENT('web', 'web-image').replace('image: web-image', 'image: web-image\n          args: ["--verbose"]');
  const { plan } = await evalPlan(
    `import { docker_build_with_restart, k8s_yaml, sync } from 'devloop';
k8s_yaml('app.yaml');
docker_build_with_restart('web-image', '.', ['/app/server', '--port', '80'], { live_update: [sync('.', '/app')], exit_policy: 'continue' });
`,
    { 'app.yaml': yaml },
  );
  const r = resolve(plan);
  const c = (r.rendered[0] as any).spec.template.spec.containers[0];
  assert.deepEqual(c.command, ['sh', '-c', SUPERVISOR_SCRIPT, SUPERVISOR_NAME, '/tmp/.restart-proc', 'continue', '/app/server', '--port', '80']);
  assert.deepEqual(c.args, ['--verbose']);
});

test("render: without an entrypoint, the container's own command is wrapped; with neither, an error says what to give", async () => {
  const yaml = DEPLOYMENT('web', 'web-image').replace('image: web-image', 'image: web-image\n          command: ["/bin/app"]');
  const { plan } = await evalPlan(
    `import { docker_build, k8s_yaml, sync, restart_process } from 'devloop';
k8s_yaml('app.yaml');
docker_build('web-image', '.', { live_update: [sync('.', '/app'), restart_process()] });
`,
    { 'app.yaml': yaml },
  );
  const c = (resolve(plan).rendered[0] as any).spec.template.spec.containers[0];
  assert.deepEqual(c.command.slice(3), [SUPERVISOR_NAME, '/tmp/.restart-proc', 'restart', '/bin/app']);

  const { plan: bare } = await evalPlan(`import { docker_build, k8s_yaml, sync, restart_process } from 'devloop';
k8s_yaml('app.yaml');
docker_build('web-image', '.', { live_update: [sync('.', '/app'), restart_process()] });
`);
  assert.throws(
    () => resolve(bare),
    (e: any) =>
      e.code === 'restart-process-no-command' &&
      /container 'main' has no command/.test(e.message) &&
      /entrypoint/.test(e.hint) &&
      /app\.yaml$/.test(e.location?.file ?? ''),
  );
});

test('fixtures/tilt-example-go-restart (ported from tilt-dev/tilt-example-go): dry-run injects example-go-image into container example-go of Deployment/example-go, as Tilt does, under the supervisor', async () => {
  const { fixturesDir } = await import('../helpers/project.js');
  const ev = await evaluateConfig(findConfig(join(fixturesDir, 'tilt-example-go-restart')));
  if (!ev.ok) throw ev.error;
  const r = resolve(ev.plan);
  const deploys = r.rendered.filter((o: any) => o.kind === 'Deployment');
  assert.deepEqual(
    deploys.map((o: any) => o.metadata.name),
    ['example-go'],
  );
  const c = (deploys[0] as any).spec.template.spec.containers[0];
  assert.equal(c.name, 'example-go');
  assert.match(c.image, /^example-go-image:devloop-[0-9a-f]{16}$/);
  assert.deepEqual(c.command.slice(3), [SUPERVISOR_NAME, '/tmp/.restart-proc', 'restart', '/app/build/tilt-example-go']);
  assert.equal(c.args, undefined);
  assert.deepEqual(r.resources.map((x) => x.name).sort(), ['deploy', 'example-go', 'example-go-compile']);
});

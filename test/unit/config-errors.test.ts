/**
 * Issue 10 items 6 and 15, through the CLI as users run it: a config that never finishes, loops, exits, is a
 * directory or imports what does not exist is an error at devloop.ts's line (or names devloop.ts), with a hint,
 * exit code 1, no stack trace and nothing printed as deployed. The time limit is DEVLOOP_CONFIG_TIMEOUT.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, writeProject, DEPLOYMENT } from '../helpers/project.js';

const bin = join(repoRoot, 'bin/devloop.js');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  onSpawn?: (kill: (s: NodeJS.Signals) => void) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((ok) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', DEVLOOP_CONFIG_TIMEOUT: '3s', KUBECONFIG: '/nonexistent/kubeconfig', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    onSpawn?.((s) => child.kill(s));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const YAML = { 'app.yaml': DEPLOYMENT('web', 'busybox') };
const HEAD = "import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n";

interface Case {
  name: string;
  files: Record<string, string>;
  dirs?: string[];
  where: RegExp;
  message: RegExp;
  hint: RegExp;
  maxMs?: number;
}

const cases: Case[] = [
  {
    name: 'a promise nothing settles',
    files: { 'devloop.ts': `${HEAD}await new Promise(() => {});\n` },
    where: /^error: devloop\.ts: /m,
    message: /never finished: it awaits something that nothing is left to settle/,
    hint: /awaits in devloop\.ts/,
    maxMs: 2500,
  },
  {
    name: 'a loop that never ends is cut by the time limit',
    files: { 'devloop.ts': `${HEAD}while (true) {}\n` },
    where: /^error: devloop\.ts: /m,
    message: /did not finish within 3s: it is still running code/,
    hint: /DEVLOOP_CONFIG_TIMEOUT/,
  },
  {
    name: 'a timer that outlasts the limit, named',
    files: { 'devloop.ts': `${HEAD}await new Promise((r) => setTimeout(r, 600_000));\n` },
    where: /^error: devloop\.ts: /m,
    message: /did not finish within 3s; it was waiting on a timer/,
    hint: /DEVLOOP_CONFIG_TIMEOUT/,
  },
  {
    name: 'process.exit in the config',
    files: { 'devloop.ts': `${HEAD}\nprocess.exit(3);\n` },
    where: /^error: devloop\.ts:4: /m,
    message: /the config called process\.exit\(3\)/,
    hint: /throw an Error/,
    maxMs: 2500,
  },
  {
    name: 'an import of a missing file',
    files: { 'devloop.ts': `${HEAD}import { x } from './lib/missing';\nconsole.log(x);\n` },
    where: /^error: devloop\.ts:3: /m,
    message: /Cannot find module '\.\/lib\/missing'/,
    hint: /check the import path/,
  },
  {
    name: 'a missing package',
    files: { 'devloop.ts': `import { k8s_yaml } from 'devloop';\nimport { pad } from 'left-pad-not-installed';\nk8s_yaml(pad);\n` },
    where: /^error: devloop\.ts:2: /m,
    message: /Cannot find module 'left-pad-not-installed'/,
    hint: /check the import path/,
  },
  {
    name: 'a missing file imported by an imported file',
    files: { 'devloop.ts': `${HEAD}import { y } from './lib/a';\nconsole.log(y);\n`, 'lib/a.ts': "\nexport { z as y } from './gone';\n" },
    where: /^error: lib\/a\.ts:2: /m,
    message: /Cannot find module '\.\/gone'/,
    hint: /check the import path/,
  },
  {
    name: 'devloop.ts is a directory',
    files: YAML,
    dirs: ['devloop.ts'],
    where: /^error: devloop\.ts: /m,
    message: /devloop\.ts is a directory, not a config file/,
    hint: /rename or remove that directory/,
  },
  {
    name: 'a bad DEVLOOP_CONFIG_TIMEOUT',
    files: { 'devloop.ts': HEAD },
    where: /^error: /m,
    message: /DEVLOOP_CONFIG_TIMEOUT='soon' is not a duration/,
    hint: /30s, 2m/,
  },
];

for (const c of cases) {
  for (const args of [['ci', '--dry-run'], ['ci']]) {
    test(`${args.join(' ')}: ${c.name}`, async () => {
      const dir = writeProject({ ...YAML, ...c.files });
      dirs.push(dir);
      for (const d of c.dirs ?? []) mkdirSync(join(dir, d));
      const r = await run(args, dir, c.name.includes('DEVLOOP_CONFIG_TIMEOUT') ? { DEVLOOP_CONFIG_TIMEOUT: 'soon' } : {});
      assert.equal(r.code, 1, `exit code; stderr:\n${r.stderr}`);
      assert.match(r.stderr, c.where);
      assert.match(r.stderr, c.message);
      assert.match(r.stderr, new RegExp(`^hint: .*${c.hint.source}`, 'm'));
      assert.equal(r.stderr.match(/^error: /gm)?.length, 1, 'one error');
      assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|\/modules\/cjs\/loader|internal error/, 'no stack trace, no loader internals');
      assert.equal(r.stdout, '', 'nothing rendered as deployed');
      assert.doesNotMatch(r.stderr, /Loaded |context|Building|Applying|SUCCESS/, 'stopped before connecting, building or applying');
      if (c.maxMs) assert.ok(r.ms < c.maxMs + 1500, `took ${r.ms} ms`);
    });
  }
}

test('SIGTERM and Ctrl-C end devloop while the config loops', async () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const dir = writeProject({ ...YAML, 'devloop.ts': `${HEAD}while (true) {}\n` });
    dirs.push(dir);
    const r = await run(['ci'], dir, { DEVLOOP_CONFIG_TIMEOUT: '60s' }, (kill) => setTimeout(() => kill(sig), 1500));
    assert.ok(r.ms < 5000, `${sig}: ended after ${r.ms} ms`);
    assert.ok(r.code !== 0, `${sig}: not a success`);
  }
});

test('down never waits long for a config that does not finish: it warns and goes on by labels', async () => {
  const dir = writeProject({ ...YAML, 'devloop.ts': `${HEAD}while (true) {}\n` });
  dirs.push(dir);
  const r = await run(['down'], dir, { DEVLOOP_CONFIG_TIMEOUT: '10m' });
  assert.ok(r.ms < 9000, `took ${r.ms} ms`);
  assert.match(r.stderr, /warning: devloop\.ts does not evaluate \(the config did not finish within 5s.*\); deleting by labels anyway/);
});

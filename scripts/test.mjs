#!/usr/bin/env node
// The test command: lint and format check, compile and bundle, make sure the engine, registry and base images are up (scripts/dev-env.sh),
// then run every test file under dist/test with node's test runner.
// Usage: npm test [-- --unit] [-- FILTER...]   (--unit: only test/unit, no engine needed)
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

// Lint and format check (Biome), then the type check and the build.
execFileSync(process.execPath, [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', root], { stdio: 'inherit', cwd: root });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
// The bundle bin/devloop.js runs (tests that spawn the CLI run what users run).
execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs')], { stdio: 'inherit' });
// The web UI's files (dist/ui), which the browser tests load from a running devloop up.
execFileSync(process.execPath, [join(root, 'scripts/bundle-ui.mjs')], { stdio: 'inherit' });

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files = walk(join(root, 'dist/test'));
if (unitOnly) files = files.filter((f) => f.includes('/dist/test/unit/'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

const env = { ...process.env };
if (!unitOnly && !process.env.DEVLOOP_TEST_SKIP_ENV) {
  // Start (or find) the Docker engine, the registry and the local base images; take the environment it prints.
  const r = spawnSync('bash', [join(root, 'scripts/dev-env.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    console.error('scripts/dev-env.sh up failed');
    process.exit(1);
  }
  for (const line of r.stdout.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env, cwd: root });
process.exit(r.status ?? 1);

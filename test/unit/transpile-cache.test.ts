/**
 * Issue 10 item 1: the transpiled copy of devloop.ts is cached only in a directory private to the user, never in a
 * shared $TMPDIR/jiti that another local user could prepare, and a cache that is not the user's own is not used.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeProject, DEPLOYMENT, repoRoot } from '../helpers/project.js';
import { asOtherUser, OTHER_UID, otherUserSkip, sharedTmp } from '../helpers/other-user.js';

const bin = join(repoRoot, 'bin/devloop.js');
const cleanup: string[] = [];
after(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(marker: string): string {
  const dir = writeProject({
    'app.yaml': DEPLOYMENT('web', 'busybox'),
    'devloop.ts': `import { k8s_yaml } from 'devloop';\nk8s_yaml('app.yaml');\n// ${marker}\n`,
  });
  cleanup.push(dir);
  return dir;
}

function dryRun(cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [bin, 'ci', '--dry-run'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: '', ...env } });
}

test("another user's $TMPDIR/jiti is never used: the cache is private to the user (0700, theirs)", { skip: otherUserSkip }, () => {
  const shared = sharedTmp('devloop-shared-tmp-');
  const home = mkdtempSync(join(tmpdir(), 'devloop-home-'));
  cleanup.push(shared, home);
  // The other user prepares the shared cache directory first, open to everyone, as an attacker would.
  const made = asOtherUser(['sh', '-c', `mkdir -m 777 ${shared}/jiti`]);
  assert.equal(made.status, 0, made.stderr);
  const dir = project('one');
  const r = dryRun(dir, { TMPDIR: shared, HOME: home });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(join(shared, 'jiti')), [], 'nothing may be written to (or read from) the shared directory');
  const cache = join(home, '.cache/devloop/jiti');
  const st = statSync(cache);
  assert.equal(st.mode & 0o777, 0o700);
  assert.equal(st.uid, process.getuid!());
  assert.ok(
    readdirSync(cache).some((f) => f.startsWith(`${dir.split('/').pop()}-devloop`)),
    `a cached transpile of devloop.ts in ${cache}`,
  );
});

test('a cache directory that belongs to another user is not used, and devloop says why', { skip: otherUserSkip }, () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'devloop-cachehome-'));
  cleanup.push(cacheHome);
  const dir = project('two');
  assert.equal(dryRun(dir, { XDG_CACHE_HOME: cacheHome }).status, 0);
  const cache = join(cacheHome, 'devloop/jiti');
  // Plant code in the cached transpile (keeping its validity mark at the end), and hand the directory to the other user.
  const marker = join(cacheHome, 'planted-code-ran');
  for (const f of readdirSync(cache)) {
    const p = join(cache, f);
    writeFileSync(p, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n${readFileSync(p, 'utf8')}`);
    chownSync(p, OTHER_UID, OTHER_UID);
  }
  chownSync(cache, OTHER_UID, OTHER_UID);
  const r = dryRun(dir, { XDG_CACHE_HOME: cacheHome });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(marker), false, 'the planted code must not run');
  assert.match(r.stderr, /warning: not caching transpiled configs: refusing to use the transpile cache .*belongs to uid 1000/);
});

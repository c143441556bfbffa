/**
 * Issue 10 item 14 (part): a Dockerfile the engine cannot parse is one error at Dockerfile:line, found before
 * anything is built or applied (`ci --dry-run` too), with a hint to fix that line and none about saving files.
 * The same Dockerfiles go through the real engine in test/docker/dockerfile-parse.test.ts (the oracle).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { dockerfileProblem } from '../../src/model/dockerfile-check.js';
import { buildFailed } from '../../src/adapters/docker/build-errors.js';
import { repoRoot, writeProject, DEPLOYMENT } from '../helpers/project.js';
import { BAD, GOOD } from '../helpers/dockerfile-cases.js';

test('dockerfileProblem finds the first line BuildKit refuses, in its words', () => {
  for (const [name, text, line, message] of BAD) assert.deepEqual(dockerfileProblem(text), { line, message }, name);
  for (const [name, text] of GOOD) assert.equal(dockerfileProblem(text), undefined, name);
});

test('a parse error from the engine becomes one located error with no "save a file" hint', () => {
  const e = buildFailed({
    ref: 'web:tag',
    error: 'failed to solve: failed to create LLB definition: dockerfile parse error line 3: SHELL requires the arguments to be in JSON form',
    contextDir: '/p',
    dockerfilePath: 'docker/Dockerfile',
  });
  assert.equal(e.code, 'dockerfile-parse');
  assert.equal(e.where, '/p/docker/Dockerfile:3');
  assert.equal(e.message, 'the Dockerfile of web:tag does not parse: SHELL requires the arguments to be in JSON form');
  assert.equal(e.hint, 'fix line 3 of docker/Dockerfile');
});

const bin = join(repoRoot, 'bin/devloop.js');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const [name, text, line, message] of BAD) {
  {
    const args = ['ci', '--dry-run'];
    test(`${args.join(' ')}: ${name} is one error at Dockerfile:${line}, before anything is built or applied`, () => {
      const dir = writeProject({
        'app.yaml': DEPLOYMENT('web', 'web-image'),
        'docker/Dockerfile': text,
        'devloop.ts':
          "import { k8s_yaml, docker_build } from 'devloop';\nk8s_yaml('app.yaml');\ndocker_build('web-image', '.', { dockerfile: 'docker/Dockerfile' });\n",
      });
      dirs.push(dir);
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent/kubeconfig' },
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.match(/^error: /gm)?.length, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^error: docker/Dockerfile:${line}: Dockerfile of docker_build\\('web-image'\\): ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      );
      assert.match(r.stderr, new RegExp(`^hint: fix line ${line} of Dockerfile; nothing was built or applied$`, 'm'));
      assert.doesNotMatch(r.stderr, /save a file|\n\s+at |internal error|Building|Applying/);
      assert.equal(r.stdout, '');
    });
  }
}

/**
 * `devloop build` for real: the seed's two-image example on the Docker engine and the registry started by
 * scripts/dev-env.sh, custom_build, and every bad input the build issue lists.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { copyFixture, registryHasTag, runDevloop, REGISTRY } from './helpers.js';
import { removeProject, writeProject, DEPLOYMENT } from '../helpers/project.js';

const docker = new Docker();
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
});

/** Runs the image's entrypoint in a container with no network and asks it for / from inside. */
async function answerOf(image: string): Promise<string> {
  const c = await docker.createContainer({ Image: image, HostConfig: { NetworkMode: 'none', AutoRemove: false }, Labels: { 'devloop-e2e': '1' } });
  cleanup.push(() => c.remove({ force: true }));
  await c.start();
  const script =
    "const h=require('http');let n=0;(function go(){h.get('http://127.0.0.1:3000',r=>{let d='';r.on('data',c=>d+=c);r.on('end',()=>console.log(d.trim()))}).on('error',()=>{if(++n<50)setTimeout(go,100)})})()";
  const ex = await c.exec({ Cmd: ['node', '-e', script], AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((ok) => {
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', ok);
  });
  // Docker multiplexes stdout/stderr with 8-byte frame headers.
  const buf = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  await c.remove({ force: true });
  return out.trim();
}

function tagsFrom(stderr: string, name: string): string | undefined {
  return new RegExp(`${name}:(devloop-[0-9a-f]{16})`).exec(stderr)?.[1];
}

let project: { dir: string; remove(): void };
before(() => {
  project = copyFixture('nodejs-express', ['.', 'package']);
  appendFileSync(join(project.dir, 'devloop.ts'), `\nimport { default_registry } from 'devloop';\ndefault_registry('${REGISTRY}');\n`);
  cleanup.push(() => project.remove());
});

test('the seed example builds for real: base first, app FROM the base ref, app pushed, and the app serves server.js', async () => {
  const r = await runDevloop(['build'], { cwd: project.dir });
  assert.equal(r.code, 0, r.stderr);
  const baseStep = r.stderr.indexOf('STEP 1/3 — Building Dockerfile: [nodejs-express-base-image]');
  const appStep = r.stderr.indexOf('STEP 2/3 — Building Dockerfile: [nodejs-express-app-image]');
  assert.ok(baseStep >= 0 && appStep > baseStep, r.stderr);
  const baseTag = tagsFrom(r.stderr, 'nodejs-express-base-image')!;
  const appTag = tagsFrom(r.stderr, 'nodejs-express-app-image')!;
  assert.match(r.stderr, new RegExp(`FROM ${REGISTRY.replace(/\./g, '\\.')}/nodejs-express-base-image:${baseTag}`));
  assert.match(r.stderr, /RUN npm install/);
  assert.match(r.stderr, new RegExp(`STEP 3/3 — Pushing ${REGISTRY.replace(/\./g, '\\.')}/nodejs-express-app-image:${appTag}`));
  assert.ok(await registryHasTag('nodejs-express-app-image', appTag), 'app image is in the registry');
  assert.equal(await registryHasTag('nodejs-express-base-image', baseTag), false, 'an image used only as a base is not pushed');
  assert.match(r.stderr, /Step 1 - [\d.]+s \(Building Dockerfile: \[nodejs-express-base-image\]\)/);
  assert.equal(await answerOf(`${REGISTRY}/nodejs-express-app-image:${appTag}`), 'Hello from nodejs-express-app!');
});

test('no change builds nothing and says so; server.js rebuilds only the app; package.json rebuilds both', async () => {
  const again = await runDevloop(['build'], { cwd: project.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Image nodejs-express-base-image is up to date/);
  assert.match(again.stderr, /Image nodejs-express-app-image is up to date/);
  assert.doesNotMatch(again.stderr, /STEP \d/);
  assert.match(again.stderr, /0 built, 2 up to date/);

  const server = join(project.dir, 'server.js');
  writeFileSync(server, readFileSync(server, 'utf8').replace('Hello from', 'Rebuilt:'));
  const r1 = await runDevloop(['build'], { cwd: project.dir });
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stderr, /Image nodejs-express-base-image is up to date/);
  assert.match(r1.stderr, /Building Dockerfile: \[nodejs-express-app-image\]/);
  const appTag = tagsFrom(r1.stderr, 'nodejs-express-app-image')!;
  assert.equal(await answerOf(`${REGISTRY}/nodejs-express-app-image:${appTag}`), 'Rebuilt: nodejs-express-app!');

  appendFileSync(join(project.dir, 'package/package.json'), '\n');
  const r2 = await runDevloop(['build'], { cwd: project.dir });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /Building Dockerfile: \[nodejs-express-base-image\]/);
  assert.match(r2.stderr, /Building Dockerfile: \[nodejs-express-app-image\]/);
  assert.match(r2.stderr, /2 built, 0 up to date/);
});

test('a removed local image is rebuilt', async () => {
  const dry = await runDevloop(['ci', '--dry-run'], { cwd: project.dir });
  const appTag = tagsFrom(dry.stdout, 'nodejs-express-app-image')!;
  await docker.getImage(`${REGISTRY}/nodejs-express-app-image:${appTag}`).remove({ force: true });
  const r = await runDevloop(['build'], { cwd: project.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Image nodejs-express-base-image is up to date/);
  assert.match(r.stderr, /Building Dockerfile: \[nodejs-express-app-image\]/);
});

test('kim-style custom_build receives EXPECTED_REF and is not pushed', async () => {
  const p = copyFixture('kim-build');
  cleanup.push(() => p.remove());
  appendFileSync(join(p.dir, 'devloop.ts'), `\nimport { default_registry } from 'devloop';\ndefault_registry('${REGISTRY}');\n`);
  const r = await runDevloop(['build'], { cwd: p.dir });
  assert.equal(r.code, 0, r.stderr);
  const ref = readFileSync(join(p.dir, '.kim-last-ref'), 'utf8').trim();
  assert.match(ref, new RegExp(`^${REGISTRY.replace(/\./g, '\\.')}/my-static-site:devloop-[0-9a-f]{16}$`));
  assert.match(r.stderr, new RegExp(`EXPECTED_REF=${ref.replace(/\./g, '\\.')}`));
  assert.doesNotMatch(r.stderr, /Pushing/);
  assert.equal(await registryHasTag('my-static-site', ref.split(':').pop()!), false);
});

function badProject(files: Record<string, string>): string {
  const dir = writeProject({ 'app.yaml': DEPLOYMENT('web', 'web-image'), ...files });
  cleanup.push(() => removeProject(dir));
  return dir;
}

const header = "import { docker_build, custom_build, k8s_yaml, default_registry } from 'devloop';\nk8s_yaml('app.yaml');\n";

test('a custom_build that forgets to tag the image gets the error that says so', async () => {
  const dir = badProject({ 'devloop.ts': `${header}custom_build('web-image', 'echo building but not tagging', { deps: ['app.yaml'] });\n` });
  const r = await runDevloop(['build'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error: devloop\.ts:3: custom_build\('web-image'\): the command succeeded but there is no image web-image:devloop-[0-9a-f]{16} in the Docker engine/,
  );
  assert.match(r.stderr, /hint: tag the image your script builds with \$EXPECTED_REF.*skips_local_docker: true/);
});

test('a custom_build that exits 1 shows the command, exit code and output tail', async () => {
  const dir = badProject({ 'devloop.ts': `${header}custom_build('web-image', 'echo compiling; echo broken thing >&2; exit 1', { deps: ['app.yaml'] });\n` });
  const r = await runDevloop(['build'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /custom_build\('web-image'\): command "echo compiling; echo broken thing >&2; exit 1" exited with code 1/);
  assert.match(r.stderr, /^ {2}broken thing$/m);
});

test('a failing RUN shows the step and its output, exit 1', async () => {
  const dir = badProject({
    Dockerfile: 'FROM busybox:latest\nRUN echo about to fail && ls /no-such-dir\n',
    'devloop.ts': `${header}docker_build('web-image', '.');\n`,
  });
  const r = await runDevloop(['build'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR IN: \[2\/2\] RUN echo about to fail && ls \/no-such-dir/);
  assert.match(r.stderr, /about to fail/);
  assert.match(r.stderr, /No such file or directory/);
  assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/);
});

test('a missing context dir and a missing Dockerfile are config errors with file:line', async () => {
  const a = badProject({ 'devloop.ts': `${header}docker_build('web-image', './src');\n` });
  const ra = await runDevloop(['build'], { cwd: a });
  assert.equal(ra.code, 1);
  assert.match(ra.stderr, /error: devloop\.ts:3: docker_build: build context '\.\/src' does not exist/);
  const b = badProject({ 'devloop.ts': `${header}docker_build('web-image', '.', { dockerfile: 'web.Dockerfile' });\n` });
  const rb = await runDevloop(['build'], { cwd: b });
  assert.equal(rb.code, 1);
  assert.match(rb.stderr, /error: devloop\.ts:3: docker_build: dockerfile 'web\.Dockerfile' does not exist/);
});

test('an engine that does not answer: a message naming DOCKER_HOST, no stack trace', async () => {
  const dir = badProject({ Dockerfile: 'FROM busybox:latest\n', 'devloop.ts': `${header}docker_build('web-image', '.');\n` });
  const r = await runDevloop(['build'], { cwd: dir, env: { DOCKER_HOST: 'unix:///tmp/devloop-no-such-engine.sock' } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unix:\/\/\/tmp\/devloop-no-such-engine\.sock/);
  assert.match(r.stderr, /DOCKER_HOST/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a registry that refuses the push: push-failed naming the registry, exit 1', async () => {
  const dir = badProject({
    Dockerfile: `FROM busybox:latest\nCOPY app.yaml /x-${Date.now()}\n`,
    'devloop.ts': `${header}docker_build('web-image', '.');\ndefault_registry('127.0.0.1:9');\n`,
  });
  const r = await runDevloop(['build'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /127\.0\.0\.1:9/);
  assert.match(r.stderr, /push/i);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

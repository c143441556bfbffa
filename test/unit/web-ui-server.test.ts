/**
 * The web UI's server side (issue 13): the page is sent only to a URL with the session token, carries it in a meta
 * tag for its script, may not be framed and loads only its own files; its files need no token; Host and Origin
 * checks hold for the page too; /api/resources has labels, links and endpoints; a busy port falls back to a free one.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer, type ControlEngine } from '../../src/engine/control-server.js';
import { DevloopError } from '../../src/model/errors.js';
import { writeProject } from '../helpers/project.js';

const runtime = mkdtempSync(join(tmpdir(), 'devloop-runtime-'));
const cleanup: string[] = [runtime];
before(() => {
  process.env.XDG_RUNTIME_DIR = runtime;
});
after(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

function engine(): ControlEngine {
  return {
    status: new Map([
      ['web', { name: 'web', type: 'k8s', phase: 'ready', reason: 'pod Ready', triggerMode: 'auto', pendingFiles: [], everReady: true, updates: 1 }],
    ]),
    configError: undefined,
    trigger() {},
    resource: () => ({
      name: 'web',
      type: 'k8s',
      objects: [],
      images: [],
      portForwards: [{ host: '', localPort: 8080, containerPort: 80, text: '8080:80' }],
      resourceDeps: [],
      triggerMode: 'auto',
      autoInit: true,
      labels: ['frontend'],
      links: ['https://docs.example/web'],
      extraPodSelectors: [],
      podReadiness: 'wait',
    }),
    podsOf: () => [],
    resolved: undefined as never,
    enablement: { isDisabled: () => false } as never,
  };
}

function config(): string {
  const dir = writeProject({ 'devloop.ts': "import { k8s_yaml } from 'devloop';\n" });
  cleanup.push(dir);
  return join(dir, 'devloop.ts');
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path, headers, setHost: !('host' in headers) }, (res) => {
      let b = '';
      res.on('data', (d) => {
        b += d;
      });
      res.on('end', () => ok({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('the page is sent only with the token in its URL, carries it for its script, and may not be framed', async () => {
  const s = await startControlServer(engine(), config());
  try {
    const page = await get(s.port, `/?token=${s.token}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`<meta name="devloop-token" content="${s.token}">`));
    assert.ok(page.body.includes('src="/ui/app.js"') && !/https?:\/\/(?!127)/.test(page.body), 'loads only its own files');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    for (const path of ['/', '/?token=wrong', '/index.html']) {
      const r = await get(s.port, path);
      assert.equal(r.status, 401, path);
      assert.ok(!r.body.includes(s.token), 'no token without the token');
      assert.match(r.body, /URL devloop up printed/);
    }
    assert.equal((await get(s.port, `/?token=${s.token}`, { host: 'evil.example:80' })).status, 421, 'DNS rebinding');
    assert.equal((await get(s.port, `/?token=${s.token}`, { origin: 'http://evil.example' })).status, 403, 'foreign origin');
    const js = await get(s.port, '/ui/app.js');
    assert.equal(js.status, 200, 'the script needs no token (dist/ui is built by npm run build / npm test)');
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.equal((await get(s.port, '/api/resources')).status, 401, 'the API still wants the Bearer token');
  } finally {
    await s.close();
  }
});

test("/api/resources has each resource's labels, links and port-forward endpoints", async () => {
  const s = await startControlServer(engine(), config());
  try {
    const r = await get(s.port, '/api/resources', { authorization: `Bearer ${s.token}` });
    const web = JSON.parse(r.body).resources[0];
    assert.deepEqual([web.labels, web.links, web.endpoints], [['frontend'], ['https://docs.example/web'], ['http://localhost:8080']]);
  } finally {
    await s.close();
  }
});

test('POST /api/mode/NAME switches the trigger mode; a bad mode is a 400 saying what to use', async () => {
  const switched: string[] = [];
  const e = {
    ...engine(),
    setTriggerMode: (n: string, m: string) => {
      if (m !== 'auto' && m !== 'manual') throw new DevloopError('bad-mode', `trigger mode '${m}' is not auto or manual`);
      switched.push(`${n}=${m}`);
    },
  };
  const s = await startControlServer(e as ControlEngine, config());
  try {
    const post = (path: string) => fetch(`http://127.0.0.1:${s.port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    assert.equal((await post('/api/mode/web?mode=manual')).status, 200);
    assert.deepEqual(switched, ['web=manual']);
    const bad = await post('/api/mode/web?mode=sometimes');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /not auto or manual/);
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/mode/web?mode=auto`, { method: 'POST' })).status, 401, 'token required');
  } finally {
    await s.close();
  }
});

test('a busy port is said and a free one taken', async () => {
  const busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  const taken = (busy.address() as { port: number }).port;
  const said: number[] = [];
  const s = await startControlServer(engine(), config(), taken, undefined, undefined, { onPortBusy: (p) => said.push(p) });
  try {
    assert.deepEqual(said, [taken]);
    assert.notEqual(s.port, taken);
  } finally {
    await s.close();
    busy.close();
  }
});

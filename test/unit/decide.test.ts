/** The engine's decisions as tables: a batch's effect on a resource, the order of queued updates, superseded builds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockedOn, decideChange, pickNext, superseded, type ChangeFacts } from '../../src/engine/decide.js';

const base: ChangeFacts = {
  type: 'k8s',
  isNew: false,
  autoInit: true,
  triggerMode: 'auto',
  neverRun: false,
  disabled: false,
  localDepsTouched: 0,
  changedImages: [],
  objectsChanged: false,
  relatedFiles: 0,
  filesText: '1 File Changed: [server.js]',
};

test('decideChange: what a batch does to a resource', () => {
  const cases: [string, Partial<ChangeFacts>, ReturnType<typeof decideChange>][] = [
    ['nothing of it changed', {}, { kind: 'unchanged' }],
    [
      'its files changed, its inputs did not (ignored, same content)',
      { relatedFiles: 2 },
      { kind: 'unchanged', note: '2 files changed but the image inputs did not (same content or ignored): nothing to rebuild' },
    ],
    ['an image changed, live update can sync it', { changedImages: ['app'], live: 'sync' }, { kind: 'live' }],
    [
      'an image changed and its objects too: live update is not enough',
      { changedImages: ['app'], live: 'sync', objectsChanged: true },
      { kind: 'update', reason: '1 File Changed: [server.js] → rebuilding app' },
    ],
    [
      'an image changed, live update refused, says why',
      { changedImages: ['base', 'app'], live: { reason: 'package.json is in fall_back_on' } },
      { kind: 'update', reason: '1 File Changed: [server.js] → rebuilding base, app (no live update: package.json is in fall_back_on)' },
    ],
    [
      'an image changed, live update not considered (building)',
      { changedImages: ['app'] },
      { kind: 'update', reason: '1 File Changed: [server.js] → rebuilding app' },
    ],
    ['only its manifests changed', { objectsChanged: true }, { kind: 'update', reason: '1 File Changed: [server.js] → its manifests changed' }],
    ['added by the new config', { isNew: true, neverRun: true }, { kind: 'start', reason: 'Initial Build' }],
    ['added by the new config with auto_init off', { isNew: true, autoInit: false, neverRun: true }, { kind: 'unchanged' }],
    ['auto_init turned on by the new config', { disabled: true, neverRun: true }, { kind: 'start', reason: 'Initial Build' }],
    [
      'manual, deployed: waits for a trigger',
      { triggerMode: 'manual', changedImages: ['app'] },
      { kind: 'pending', reason: '1 File Changed: [server.js] → rebuilding app', firstRun: false },
    ],
    [
      'manual, auto_init off, never run: its files wait',
      { triggerMode: 'manual', autoInit: false, disabled: true, neverRun: true, objectsChanged: true },
      { kind: 'pending', reason: '1 File Changed: [server.js] → its manifests changed', firstRun: true },
    ],
    [
      'manual, first update still queued: the update takes the change',
      { triggerMode: 'manual', neverRun: true, objectsChanged: true },
      { kind: 'update', reason: '1 File Changed: [server.js] → its manifests changed' },
    ],
    [
      'auto, auto_init off, never run: its first change starts it (as Tilt)',
      { autoInit: false, disabled: true, neverRun: true, objectsChanged: true },
      { kind: 'update', reason: '1 File Changed: [server.js] → its manifests changed' },
    ],
    ['local_resource: a dep changed', { type: 'local', localDepsTouched: 1 }, { kind: 'update', reason: '1 File Changed: [server.js]' }],
    ['local_resource: no dep changed', { type: 'local' }, { kind: 'unchanged' }],
  ];
  for (const [name, facts, want] of cases) assert.deepEqual(decideChange({ ...base, ...facts }), want, name);
});

test('blockedOn and pickNext: resource_deps and uncategorized objects hold back a first update only', () => {
  const st: Record<string, { everReady: boolean; disabled: boolean }> = {
    db: { everReady: false, disabled: false },
    cache: { everReady: true, disabled: false },
    uncategorized: { everReady: false, disabled: false },
  };
  const dep = (n: string) => st[n];
  const q = (resourceDeps: string[], updated = false, waitsForUncategorized = true) => ({ exists: true, updated, resourceDeps, waitsForUncategorized });
  assert.equal(blockedOn(q(['db', 'cache']), dep, 'api'), 'db, uncategorized');
  assert.equal(blockedOn(q(['cache'], false, false), dep, 'job'), undefined, 'a local resource does not wait for uncategorized');
  assert.equal(blockedOn(q(['db'], true), dep, 'api'), undefined, 'later updates do not wait');
  assert.equal(blockedOn(q([]), dep, 'uncategorized'), undefined);
  assert.equal(
    blockedOn(q([]), (n) => (n === 'uncategorized' ? { everReady: false, disabled: true } : undefined), 'api'),
    undefined,
    'a disabled uncategorized holds nothing back',
  );
  const blocked: Record<string, string | undefined> = { api: 'db', web: undefined, job: undefined };
  assert.deepEqual(
    pickNext(['api', 'web', 'job'], (n) => blocked[n]),
    { next: 1, waiting: [{ resource: 'api', on: 'db' }] },
  );
  assert.deepEqual(
    pickNext(['api'], (n) => blocked[n]),
    { next: undefined, waiting: [{ resource: 'api', on: 'db' }] },
  );
});

test('superseded: a build is superseded when an input of one of its images changed', () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o));
  assert.equal(superseded(m({ base: 'a', app: 'b' }), m({ base: 'a', app: 'b' })), false);
  assert.equal(superseded(m({ base: 'a', app: 'b' }), m({ base: 'a', app: 'c' })), true);
  assert.equal(superseded(m({ app: 'b' }), m({ app: 'b', other: 'x' })), false, 'other images do not matter');
  assert.equal(superseded(m({ app: 'b' }), m({})), true, 'an image gone from the plan');
});

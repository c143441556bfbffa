// Expected values follow Tilt's documented default_registry rewriting (internal/container/registry.go and its
// tests: gcr.io/foo/bar → myreg.com/gcr.io_foo_bar, docker.io/library/busybox → gcr.io/foo/busybox,
// myreg.com/bar under myreg.com:5000 → myreg.com:5000/myreg.com_bar) and devloop's design notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDevloopError } from '../../src/model/errors.js';
import { parseRef } from '../../src/model/ref.js';
import { describeRegistry, makeRefSet, makeRegistry, type RegistryOptions } from '../../src/model/registry.js';

type Reg = [host: string, opts?: RegistryOptions] | undefined;

test('makeRefSet: LocalRef and ClusterRef for each registry setup', () => {
  const cases: [configured: string, registry: Reg, tag: string, local: string, cluster: string][] = [
    // No registry: the configured name (tag dropped), familiar form.
    [
      'nodejs-express-app-image',
      undefined,
      'devloop-0123456789abcdef',
      'nodejs-express-app-image:devloop-0123456789abcdef',
      'nodejs-express-app-image:devloop-0123456789abcdef',
    ],
    ['my-mega-image:service-a', undefined, 'devloop-1', 'my-mega-image:devloop-1', 'my-mega-image:devloop-1'],
    ['docker.io/library/redis', undefined, 't', 'redis:t', 'redis:t'],
    ['gcr.io/proj/app', undefined, 't', 'gcr.io/proj/app:t', 'gcr.io/proj/app:t'],
    // default_registry(host)
    ['gcr.io/foo', ['localhost:5005'], 't', 'localhost:5005/gcr.io_foo:t', 'localhost:5005/gcr.io_foo:t'],
    ['foo', ['localhost:5005'], 't', 'localhost:5005/foo:t', 'localhost:5005/foo:t'],
    ['user/app', ['localhost:5005'], 't', 'localhost:5005/user_app:t', 'localhost:5005/user_app:t'],
    ['gcr.io/foo/bar', ['myreg.com'], 't', 'myreg.com/gcr.io_foo_bar:t', 'myreg.com/gcr.io_foo_bar:t'],
    ['docker.io/library/busybox', ['gcr.io/foo'], 't', 'gcr.io/foo/busybox:t', 'gcr.io/foo/busybox:t'],
    ['myreg.com/bar', ['myreg.com:5000'], 't', 'myreg.com:5000/myreg.com_bar:t', 'myreg.com:5000/myreg.com_bar:t'],
    ['localhost:5000/foo', ['myreg:5000'], 't', 'myreg:5000/localhost_5000_foo:t', 'myreg:5000/localhost_5000_foo:t'],
    ['app:v1', ['localhost:5005'], 't', 'localhost:5005/app:t', 'localhost:5005/app:t'],
    ['app:v2', ['localhost:5005'], 't', 'localhost:5005/app:t', 'localhost:5005/app:t'],
    // Already under the host: kept as it is (Tilt issue #4911).
    ['localhost:5005/foo', ['localhost:5005'], 't', 'localhost:5005/foo:t', 'localhost:5005/foo:t'],
    ['localhost:5005/team/foo:v1', ['localhost:5005'], 't', 'localhost:5005/team/foo:t', 'localhost:5005/team/foo:t'],
    ['gcr.io/proj/app', ['gcr.io/proj'], 't', 'gcr.io/proj/app:t', 'gcr.io/proj/app:t'],
    ['docker.io/me/app', ['docker.io/me'], 't', 'me/app:t', 'me/app:t'],
    // single_name: one repository, the tag says which image.
    ['app', ['localhost:5005', { singleName: 'repo' }], 'devloop-abc', 'localhost:5005/repo:app-devloop-abc', 'localhost:5005/repo:app-devloop-abc'],
    ['gcr.io/proj/frontend:v1', ['localhost:5005', { singleName: 'repo' }], 't', 'localhost:5005/repo:frontend-t', 'localhost:5005/repo:frontend-t'],
    ['app', ['gcr.io/proj', { singleName: 'team/dev' }], 't', 'gcr.io/proj/team/dev:app-t', 'gcr.io/proj/team/dev:app-t'],
    ['localhost:5005/already', ['localhost:5005', { singleName: 'repo' }], 't', 'localhost:5005/already:t', 'localhost:5005/already:t'],
    // host_from_cluster: pushes go to host, the YAML names host_from_cluster.
    ['app', ['localhost:5005', { hostFromCluster: 'registry:5000' }], 't', 'localhost:5005/app:t', 'registry:5000/app:t'],
    ['gcr.io/foo', ['localhost:5005', { hostFromCluster: 'registry:5000' }], 't', 'localhost:5005/gcr.io_foo:t', 'registry:5000/gcr.io_foo:t'],
    ['app', ['localhost:5005', { hostFromCluster: 'registry:5000', singleName: 'repo' }], 't', 'localhost:5005/repo:app-t', 'registry:5000/repo:app-t'],
    // A name under either host keeps its path under both, so both refs name one repository.
    ['localhost:5005/app', ['localhost:5005', { hostFromCluster: 'registry:5000' }], 't', 'localhost:5005/app:t', 'registry:5000/app:t'],
    ['registry:5000/app', ['localhost:5005', { hostFromCluster: 'registry:5000' }], 't', 'localhost:5005/app:t', 'registry:5000/app:t'],
  ];
  for (const [configured, reg, tag, local, cluster] of cases) {
    const registry = reg ? makeRegistry(reg[0], reg[1]) : undefined;
    const set = makeRefSet(parseRef(configured), registry);
    assert.equal(set.local(tag), local, `${configured} local`);
    assert.equal(set.cluster(tag), cluster, `${configured} cluster`);
    assert.equal(set.configured.familiarName, parseRef(configured).familiarName);
  }
});

test('makeRefSet exposes names and tag prefix', () => {
  const set = makeRefSet(parseRef('gcr.io/proj/web'), makeRegistry('localhost:5005', { singleName: 'all', hostFromCluster: 'reg:5000' }));
  assert.deepEqual([set.localName, set.clusterName, set.tagPrefix], ['localhost:5005/all', 'reg:5000/all', 'web-']);
});

test('makeRefSet: rewritten name or tag too long is invalid-ref', () => {
  // 'gcr.io_' (7) + 250 = 257 characters of path, over the 255 limit.
  assert.throws(
    () => makeRefSet(parseRef(`gcr.io/${'a'.repeat(250)}`), makeRegistry('localhost:5005')),
    (e: unknown) => isDevloopError(e) && e.code === 'invalid-ref' && /255/.test(e.message),
  );
  // single_name prefix (100 + '-') + 40-character tag = 141 > 128.
  const set = makeRefSet(parseRef('a'.repeat(100)), makeRegistry('localhost:5005', { singleName: 'repo' }));
  assert.throws(
    () => set.local('t'.repeat(40)),
    (e: unknown) => isDevloopError(e) && e.code === 'invalid-ref' && /128/.test(e.message),
  );
});

test('makeRegistry accepts valid hosts', () => {
  for (const host of [
    'localhost:5005',
    'localhost',
    'gcr.io/my-project',
    '127.0.0.1:5000',
    'docker.io/myuser',
    '[::1]:5000',
    'registry.example.com',
    'kind-registry:5000',
  ]) {
    assert.equal(makeRegistry(host).host, host);
  }
  assert.deepEqual(makeRegistry('localhost:5005', { hostFromCluster: 'registry:5000', singleName: 'dev' }), {
    host: 'localhost:5005',
    hostFromCluster: 'registry:5000',
    singleName: 'dev',
  });
  assert.deepEqual(makeRegistry('localhost:5005', { hostFromCluster: '', singleName: '' }), { host: 'localhost:5005' });
});

test('makeRegistry rejects invalid hosts with invalid-registry', () => {
  const cases: [host: string, opts: RegistryOptions, reason: RegExp][] = [
    ['', {}, /empty/],
    ['myregistry', {}, /"myregistry" as a Docker Hub user name/],
    ['docker.io', {}, /user or organisation/],
    ['http://localhost:5005', {}, /scheme/],
    ['localhost:5005/', {}, /must not end with '\/'/],
    ['localhost:5005/Foo', {}, /lowercase/],
    ['my_reg.com', {}, /invalid registry host/],
    ['localhost:5005:tag', {}, /invalid registry host/],
    ['localhost:5005', { hostFromCluster: 'registry' }, /host_from_cluster "registry"/],
    ['localhost:5005', { singleName: 'Repo' }, /single_name "Repo".*lowercase/],
    ['localhost:5005', { singleName: 'repo:tag' }, /single_name "repo:tag"/],
  ];
  for (const [host, opts, reason] of cases) {
    assert.throws(
      () => makeRegistry(host, opts),
      (e: unknown) => isDevloopError(e) && e.code === 'invalid-registry' && reason.test(e.message) && !!e.hint,
      host,
    );
  }
});

test('describeRegistry says how images reach the cluster', () => {
  assert.match(describeRegistry(undefined), /no registry/);
  assert.equal(describeRegistry(makeRegistry('localhost:5005')), 'images are pushed to localhost:5005');
  assert.equal(
    describeRegistry(makeRegistry('localhost:5005', { hostFromCluster: 'registry:5000', singleName: 'dev' })),
    'images are pushed to localhost:5005 (single repository dev), cluster pulls from registry:5000',
  );
});

// Expected values come from distribution/reference's documented grammar and normalisation rules
// (reference.go grammar, normalize.go splitDockerDomain/familiarizeName) and Tilt's selector docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDevloopError } from '../../src/model/errors.js';
import {
  bestMatch,
  canonicalString,
  familiarString,
  makeSelector,
  parseRef,
  refProblem,
  selectorMatches,
  selectorString,
  tryParseRef,
  withTag,
} from '../../src/model/ref.js';

// The digest from distribution/reference's ParseDockerRef doc comment (busybox).
const D = 'sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';

test('parseRef normalises valid references', () => {
  const cases: [input: string, domain: string, path: string, tag: string | undefined, digest: string | undefined, familiarName: string][] = [
    ['foo', 'docker.io', 'library/foo', undefined, undefined, 'foo'],
    ['foo:bar', 'docker.io', 'library/foo', 'bar', undefined, 'foo'],
    ['user/foo', 'docker.io', 'user/foo', undefined, undefined, 'user/foo'],
    ['docker.io/foo', 'docker.io', 'library/foo', undefined, undefined, 'foo'],
    ['docker.io/library/redis:7', 'docker.io', 'library/redis', '7', undefined, 'redis'],
    ['index.docker.io/user/foo:1.0', 'docker.io', 'user/foo', '1.0', undefined, 'user/foo'],
    ['library/redis', 'docker.io', 'library/redis', undefined, undefined, 'redis'],
    ['docker.io/library/a/b', 'docker.io', 'library/a/b', undefined, undefined, 'library/a/b'],
    ['localhost/foo', 'localhost', 'foo', undefined, undefined, 'localhost/foo'],
    ['localhost:5005/foo', 'localhost:5005', 'foo', undefined, undefined, 'localhost:5005/foo'],
    ['127.0.0.1:5005/a/b:t', '127.0.0.1:5005', 'a/b', 't', undefined, '127.0.0.1:5005/a/b'],
    ['gcr.io/proj/img', 'gcr.io', 'proj/img', undefined, undefined, 'gcr.io/proj/img'],
    ['[::1]:5000/app', '[::1]:5000', 'app', undefined, undefined, '[::1]:5000/app'],
    ['kind-registry:5000/app', 'kind-registry:5000', 'app', undefined, undefined, 'kind-registry:5000/app'],
    // No '/': the whole string is a Docker Hub name, so ':5000' is a tag.
    ['localhost', 'docker.io', 'library/localhost', undefined, undefined, 'localhost'],
    ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined, 'localhost'],
    // An uppercase first element is taken as a host (splitDockerDomain).
    ['Foo/bar', 'Foo', 'bar', undefined, undefined, 'Foo/bar'],
    [`foo@${D}`, 'docker.io', 'library/foo', undefined, D, 'foo'],
    [`foo:v1@${D}`, 'docker.io', 'library/foo', 'v1', D, 'foo'],
    ['a__b/c.d-e', 'docker.io', 'a__b/c.d-e', undefined, undefined, 'a__b/c.d-e'],
    ['a---b', 'docker.io', 'library/a---b', undefined, undefined, 'a---b'],
    ['app:V1.0_rc-1', 'docker.io', 'library/app', 'V1.0_rc-1', undefined, 'app'],
    ['app:_x', 'docker.io', 'library/app', '_x', undefined, 'app'],
    [`app:${'t'.repeat(128)}`, 'docker.io', 'library/app', 't'.repeat(128), undefined, 'app'],
    // 'library/' (8) + 247 = 255, the maximum path length.
    ['a'.repeat(247), 'docker.io', `library/${'a'.repeat(247)}`, undefined, undefined, 'a'.repeat(247)],
  ];
  for (const [input, domain, path, tag, digest, familiarName] of cases) {
    const ref = parseRef(input);
    assert.equal(ref.domain, domain, input);
    assert.equal(ref.path, path, input);
    assert.equal(ref.tag, tag, input);
    assert.equal(ref.digest, digest, input);
    assert.equal(ref.name, `${domain}/${path}`, input);
    assert.equal(ref.familiarName, familiarName, input);
    assert.equal(refProblem(input), undefined, input);
  }
});

test('parseRef rejects invalid references with the reason', () => {
  const cases: [input: string, reason: RegExp][] = [
    ['', /empty/],
    ['Foo', /must be lowercase/],
    ['foo/Bar', /must be lowercase/],
    ['localhost:5005/Foo:tag', /must be lowercase/],
    ['gcr.io/Proj/img', /must be lowercase/],
    ['foo:', /tag is empty/],
    [':tag', /repository name is empty/],
    ['foo:-bar', /invalid tag "-bar"/],
    ['foo:.bar', /invalid tag/],
    ['foo:a+b', /invalid tag/],
    [`foo:${'t'.repeat(129)}`, /at most 128/],
    ['foo@sha256:abc', /needs 64 hex digits, got 3/],
    [`foo@sha256:${'A'.repeat(64)}`, /must be lowercase/],
    [`foo@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    ['foo@sha256', /invalid digest/],
    ['foo@', /invalid digest/],
    [`foo@sha256:${'g'.repeat(64)}`, /invalid digest/],
    ['a'.repeat(64), /image ID/],
    ['foo bar', /whitespace/],
    [' foo', /whitespace/],
    ['foo//bar', /empty path component/],
    ['foo/', /empty path component/],
    ['-foo', /invalid repository name component "-foo"/],
    ['foo-', /invalid repository name component/],
    ['foo..bar', /invalid repository name component/],
    ['foo___bar', /invalid repository name component/],
    ['foo:bar:baz', /invalid repository name component "foo:bar"/],
    ['my_reg.com/app', /invalid registry host "my_reg.com"/],
    ['example.com:port/app', /invalid registry host/],
    ['${IMAGE}', /invalid repository name component/],
    ['a'.repeat(248), /not be more than 255 characters/],
  ];
  for (const [input, reason] of cases) {
    assert.match(refProblem(input) ?? '(valid)', reason, input);
    assert.equal(tryParseRef(input), undefined, input);
    assert.throws(
      () => parseRef(input),
      (e: unknown) => isDevloopError(e) && e.code === 'invalid-ref' && reason.test(e.message) && e.message.includes(JSON.stringify(input)),
      input,
    );
  }
});

test('familiarString and canonicalString', () => {
  const cases: [input: string, familiar: string, canonical: string][] = [
    ['docker.io/library/redis:tag', 'redis:tag', 'docker.io/library/redis:tag'],
    ['redis', 'redis', 'docker.io/library/redis'],
    ['index.docker.io/library/redis', 'redis', 'docker.io/library/redis'],
    ['docker.io/user/x', 'user/x', 'docker.io/user/x'],
    ['localhost:5005/x', 'localhost:5005/x', 'localhost:5005/x'],
    ['localhost:5005/x:dev', 'localhost:5005/x:dev', 'localhost:5005/x:dev'],
    [`redis@${D}`, `redis@${D}`, `docker.io/library/redis@${D}`],
    [`gcr.io/p/i:v1@${D}`, `gcr.io/p/i:v1@${D}`, `gcr.io/p/i:v1@${D}`],
  ];
  for (const [input, familiar, canonical] of cases) {
    const ref = parseRef(input);
    assert.equal(familiarString(ref), familiar, input);
    assert.equal(canonicalString(ref), canonical, input);
  }
});

test('withTag replaces the tag and drops a digest', () => {
  const cases: [input: string, tag: string, expected: string][] = [
    ['foo', 'v1', 'foo:v1'],
    [`foo@${D}`, 'v1', 'foo:v1'],
    ['localhost:5005/app:old', 'devloop-0123456789abcdef', 'localhost:5005/app:devloop-0123456789abcdef'],
    ['docker.io/user/app', 'x', 'user/app:x'],
  ];
  for (const [input, tag, expected] of cases) assert.equal(familiarString(withTag(parseRef(input), tag)), expected);
  for (const bad of ['', '-x', 'a/b', 't'.repeat(129)]) {
    assert.throws(
      () => withTag(parseRef('foo'), bad),
      (e: unknown) => isDevloopError(e) && e.code === 'invalid-ref',
      bad,
    );
  }
});

test('selectors: untagged matches every tag and digest of the name, tagged matches only that tag', () => {
  const cases: [selector: string, candidate: string, matches: boolean][] = [
    ['my-image', 'my-image', true],
    ['my-image', 'my-image:v1', true],
    ['my-image', `docker.io/library/my-image@${D}`, true],
    ['my-image', 'docker.io/library/my-image:latest', true],
    ['my-image', 'my-image-2', false],
    ['my-image', 'user/my-image', false],
    ['my-image', 'localhost:5005/my-image', false],
    ['my-mega-image:service-a', 'my-mega-image:service-a', true],
    ['my-mega-image:service-a', 'docker.io/library/my-mega-image:service-a', true],
    ['my-mega-image:service-a', 'my-mega-image', false],
    ['my-mega-image:service-a', 'my-mega-image:service-b', false],
    ['foo:latest', 'foo', false],
    ['foo:latest', 'foo:latest', true],
    ['foo:v1', `foo:v1@${D}`, true],
    [`foo@${D}`, 'foo:v1', true],
    ['localhost:5005/app', 'localhost:5005/app:dev', true],
    ['localhost:5005/app', 'localhost:5006/app', false],
    ['localhost:5005/app', 'localhost/app', false],
    ['localhost:5005/app', 'app', false],
    ['127.0.0.1:5005/a/b', '127.0.0.1:5005/a/b:t', true],
    ['gcr.io/proj/img', 'gcr.io/proj/img:v2', true],
    ['gcr.io/proj/img', 'gcr.io/proj/img/sub', false],
    ['user/app', 'docker.io/user/app:1', true],
    ['foo', 'NotARef', false],
    ['foo', '${IMAGE}', false],
  ];
  for (const [selector, candidate, matches] of cases) {
    assert.equal(selectorMatches(makeSelector(selector), candidate), matches, `${selector} ~ ${candidate}`);
  }
});

test('selectorString is the configured ref in familiar form', () => {
  const cases: [string, string][] = [
    ['docker.io/library/app', 'app'],
    ['app:v1', 'app:v1'],
    ['localhost:5005/app:dev', 'localhost:5005/app:dev'],
  ];
  for (const [input, expected] of cases) assert.equal(selectorString(makeSelector(input)), expected);
});

test('bestMatch: exact tag beats name, then declaration order; another tag never changes a selector', () => {
  const items = (...refs: string[]) => refs.map((r, i) => ({ id: `${i}:${r}`, selector: makeSelector(r) }));
  const cases: [declared: string[], candidate: string, winner: string | undefined][] = [
    [['app', 'app:jessie'], 'app', '0:app'],
    [['app', 'app:jessie'], 'app:jessie', '1:app:jessie'],
    // Tilt would switch `app` to exact match here and leave app:v2 unmatched.
    [['app', 'app:jessie'], 'app:v2', '0:app'],
    [['app:jessie', 'app'], 'app:jessie', '0:app:jessie'],
    [['app:jessie', 'app'], 'app', '1:app'],
    [['my-mega-image:service-a', 'my-mega-image:service-b'], 'my-mega-image:service-a', '0:my-mega-image:service-a'],
    [['my-mega-image:service-a', 'my-mega-image:service-b'], 'my-mega-image:service-b', '1:my-mega-image:service-b'],
    [['my-mega-image:service-a', 'my-mega-image:service-b'], 'my-mega-image', undefined],
    [['my-mega-image:service-a'], 'my-mega-image:service-a', '0:my-mega-image:service-a'],
    [['app', 'docker.io/library/app'], 'app:1', '0:app'],
    [['other'], 'app', undefined],
    [['app'], 'Not A Ref', undefined],
  ];
  for (const [declared, candidate, winner] of cases) {
    assert.equal(bestMatch(items(...declared), candidate)?.id, winner, `${declared.join(', ')} <- ${candidate}`);
  }
});

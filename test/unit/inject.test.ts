// Expected values follow the Kubernetes object schemas (where each kind keeps its pod spec), Tilt's
// documented injection rules (tilt-behaviour.md sections 3.3, 3.4, 4) and devloop's documented differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDevloopError } from '../../src/model/errors.js';
import { findImages, findPodSpecs, injectImages, objectKey, objectName, type InjectTarget, type K8sObject } from '../../src/model/inject.js';
import { compileJsonPath, evalJsonPath, formatPath, getAt } from '../../src/model/jsonpath.js';
import { compileLocator, type LocatorSpec } from '../../src/model/locator.js';
import { makeSelector } from '../../src/model/ref.js';

const podSpec = (image: string, extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'main', image, ...extra }] });
const meta = (name: string) => ({ name, namespace: 'dev' });
const workload = (apiVersion: string, kind: string, image: string) => ({
  apiVersion,
  kind,
  metadata: meta('w'),
  spec: { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: podSpec(image) } },
});
const target = (ref: string, clusterRef: string, more: Partial<InjectTarget> = {}): InjectTarget => ({
  id: ref,
  selector: makeSelector(ref),
  clusterRef,
  ...more,
});
const APP = target('app', 'localhost:5005/app:devloop-1');

test('images are found and injected in every kind that holds a pod spec', () => {
  const cases: [label: string, obj: K8sObject, path: string][] = [
    ['Pod', { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: podSpec('app') }, 'spec.containers[0].image'],
    ['Deployment', workload('apps/v1', 'Deployment', 'app'), 'spec.template.spec.containers[0].image'],
    ['ReplicaSet', workload('apps/v1', 'ReplicaSet', 'app'), 'spec.template.spec.containers[0].image'],
    ['StatefulSet', workload('apps/v1', 'StatefulSet', 'app'), 'spec.template.spec.containers[0].image'],
    ['DaemonSet', workload('apps/v1', 'DaemonSet', 'app'), 'spec.template.spec.containers[0].image'],
    ['Job', workload('batch/v1', 'Job', 'app'), 'spec.template.spec.containers[0].image'],
    ['ReplicationController', workload('v1', 'ReplicationController', 'app'), 'spec.template.spec.containers[0].image'],
    ['Deployment extensions/v1beta1', workload('extensions/v1beta1', 'Deployment', 'app'), 'spec.template.spec.containers[0].image'],
    [
      'CronJob',
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta('c'),
        spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: podSpec('app') } } } },
      },
      'spec.jobTemplate.spec.template.spec.containers[0].image',
    ],
    ['PodTemplate', { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('t'), template: { spec: podSpec('app') } }, 'template.spec.containers[0].image'],
    // Unknown kinds: any PodTemplateSpec-shaped subtree.
    ['Argo Rollout', workload('argoproj.io/v1alpha1', 'Rollout', 'app'), 'spec.template.spec.containers[0].image'],
    [
      'Knative Service',
      { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: meta('k'), spec: { template: { spec: podSpec('app') } } },
      'spec.template.spec.containers[0].image',
    ],
    ['Deployment of another group', workload('example.com/v1', 'Deployment', 'app'), 'spec.template.spec.containers[0].image'],
    [
      'CRD with a list of pod templates',
      {
        apiVersion: 'example.com/v1',
        kind: 'Pool',
        metadata: meta('x'),
        spec: {
          workers: [
            { name: 'a', template: { spec: podSpec('busybox') } },
            { name: 'b', template: { spec: podSpec('app') } },
          ],
        },
      },
      'spec.workers[1].template.spec.containers[0].image',
    ],
    [
      'KEDA ScaledJob',
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: meta('s'), spec: { jobTargetRef: { template: { spec: podSpec('app') } } } },
      'spec.jobTargetRef.template.spec.containers[0].image',
    ],
  ];
  for (const [label, obj, path] of cases) {
    const { object, injections } = injectImages(obj, [APP]);
    assert.deepEqual(
      injections.map((i) => [i.targetId, i.kind, i.path, i.container, i.from, i.to]),
      [['app', 'container', path, 'main', 'app', 'localhost:5005/app:devloop-1']],
      label,
    );
    const imagePath = path.replace(/\[(\d+)\]/g, '.$1').split('.');
    assert.equal(
      getAt(
        object,
        imagePath.map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
      ),
      'localhost:5005/app:devloop-1',
      label,
    );
  }
});

test('objects without pod templates, or with images outside them, give nothing', () => {
  const cases: [label: string, obj: K8sObject][] = [
    ['Service', { apiVersion: 'v1', kind: 'Service', metadata: meta('s'), spec: { selector: { app: 'app' }, ports: [{ port: 80 }] } }],
    ['ConfigMap mentioning an image', { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('c'), data: { image: 'app' } }],
    ['annotation', { ...workload('apps/v1', 'Deployment', 'busybox'), metadata: { name: 'w', annotations: { image: 'app' } } }],
    // Pod-shaped CRD without a template: needs a locator (as in Tilt).
    ['CRD with spec.containers', { apiVersion: 'example.com/v1', kind: 'Runner', metadata: meta('r'), spec: podSpec('app') }],
    ['Deployment without template', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: {} }],
    ['container without image', { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: { containers: [{ name: 'x' }, { name: 'y', image: null }] } }],
    ['not an object', [] as unknown as K8sObject],
  ];
  for (const [label, obj] of cases) {
    assert.deepEqual(injectImages(obj, [APP]).injections, [], label);
  }
});

test('findImages lists containers, init and ephemeral containers and image volumes in order', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('p'),
    spec: {
      initContainers: [{ name: 'migrate', image: 'app:v1' }],
      containers: [
        { name: 'main', image: 'app' },
        { name: 'proxy', image: 'envoyproxy/envoy:v1.30' },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      volumes: [
        { name: 'data', image: { reference: 'gcr.io/p/data:1', pullPolicy: 'Always' } },
        { name: 'empty', image: { reference: '' } },
        { name: 'tmp', emptyDir: {} },
      ],
    },
  };
  assert.deepEqual(
    findImages(pod).map((o) => [o.kind, o.path, o.value, o.container, o.ref.name]),
    [
      ['container', 'spec.containers[0].image', 'app', 'main', 'docker.io/library/app'],
      ['container', 'spec.containers[1].image', 'envoyproxy/envoy:v1.30', 'proxy', 'docker.io/envoyproxy/envoy'],
      ['initContainer', 'spec.initContainers[0].image', 'app:v1', 'migrate', 'docker.io/library/app'],
      ['ephemeralContainer', 'spec.ephemeralContainers[0].image', 'busybox', 'debug', 'docker.io/library/busybox'],
      ['imageVolume', 'spec.volumes[0].image.reference', 'gcr.io/p/data:1', undefined, 'gcr.io/p/data'],
    ],
  );
  assert.deepEqual(findPodSpecs(pod), [['spec']]);
});

test('injection sets pull policy only on what devloop injected', () => {
  const dep = workload('apps/v1', 'Deployment', 'unused') as { spec: { template: { spec: Record<string, unknown> } } };
  dep.spec.template.spec = {
    initContainers: [{ name: 'init', image: 'busybox', imagePullPolicy: 'Always' }],
    containers: [
      { name: 'main', image: 'app:v3', imagePullPolicy: 'Always' },
      { name: 'sidecar', image: 'envoyproxy/envoy:v1' },
    ],
    volumes: [{ name: 'assets', image: { reference: 'gcr.io/p/assets', pullPolicy: 'Always' } }],
  };
  const ASSETS = target('gcr.io/p/assets', 'localhost:5005/gcr.io_p_assets:devloop-2');
  const { object, injections } = injectImages(dep as unknown as K8sObject, [APP, ASSETS]);
  const spec = (object as typeof dep).spec.template.spec as any;
  assert.deepEqual(spec.containers[0], { name: 'main', image: 'localhost:5005/app:devloop-1', imagePullPolicy: 'IfNotPresent' });
  assert.deepEqual(spec.containers[1], { name: 'sidecar', image: 'envoyproxy/envoy:v1' });
  assert.deepEqual(spec.initContainers[0], { name: 'init', image: 'busybox', imagePullPolicy: 'Always' });
  assert.deepEqual(spec.volumes[0].image, { reference: 'localhost:5005/gcr.io_p_assets:devloop-2', pullPolicy: 'IfNotPresent' });
  assert.deepEqual(
    injections.map((i) => [i.targetId, i.kind, i.path]),
    [
      ['app', 'container', 'spec.template.spec.containers[0].image'],
      ['gcr.io/p/assets', 'imageVolume', 'spec.template.spec.volumes[0].image.reference'],
    ],
  );
});

test('the input object is never mutated', () => {
  const dep = workload('apps/v1', 'Deployment', 'app');
  const before = structuredClone(dep);
  const { object } = injectImages(dep, [target('app', 'app:devloop-1', { entrypoint: ['x'], containerArgs: [] })]);
  assert.deepEqual(dep, before);
  assert.notEqual(object, dep);
});

test('entrypoint replaces command and keeps args; container_args replaces args', () => {
  type Cmd = string[] | undefined;
  const cases: [label: string, entrypoint: Cmd, containerArgs: Cmd, yamlCommand: Cmd, yamlArgs: Cmd, command: Cmd, args: Cmd][] = [
    ['entrypoint string (sh -c)', ['sh', '-c', 'node server.js'], undefined, ['old'], ['--a'], ['sh', '-c', 'node server.js'], ['--a']],
    ['entrypoint list', ['/service-a'], undefined, undefined, undefined, ['/service-a'], undefined],
    ['container_args []', undefined, [], ['cmd'], ['--x'], ['cmd'], []],
    ['container_args values', undefined, ['--port', '80'], undefined, ['--x'], undefined, ['--port', '80']],
    ['both', ['/bin/app'], ['serve'], ['old'], ['--old'], ['/bin/app'], ['serve']],
    ['neither', undefined, undefined, ['cmd'], ['--x'], ['cmd'], ['--x']],
  ];
  for (const [label, entrypoint, containerArgs, yamlCommand, yamlArgs, command, args] of cases) {
    const main: Record<string, unknown> = { name: 'main', image: 'app' };
    if (yamlCommand) main.command = yamlCommand;
    if (yamlArgs) main.args = yamlArgs;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('p'),
      spec: { containers: [main, { name: 'side', image: 'busybox', command: ['sleep'], args: ['1'] }] },
    };
    const t = target('app', 'app:devloop-1', { ...(entrypoint && { entrypoint }), ...(containerArgs && { containerArgs }) });
    const out = injectImages(pod, [t]).object as any;
    assert.deepEqual(out.spec.containers[0].command, command, label);
    assert.deepEqual(out.spec.containers[0].args, args, label);
    assert.deepEqual(out.spec.containers[1], { name: 'side', image: 'busybox', command: ['sleep'], args: ['1'] }, `${label}: sidecar untouched`);
  }
});

test('mega image: each tagged build injects only its own tag, with its own entrypoint', () => {
  const a = target('my-mega-image:service-a', 'my-mega-image:devloop-9', { entrypoint: ['/service-a'] });
  const b = target('my-mega-image:service-b', 'my-mega-image:devloop-9', { entrypoint: ['/service-b'] });
  const cases: [yamlImage: string, targetId: string | undefined, command: string[] | undefined][] = [
    ['my-mega-image:service-a', 'my-mega-image:service-a', ['/service-a']],
    ['my-mega-image:service-b', 'my-mega-image:service-b', ['/service-b']],
    ['docker.io/library/my-mega-image:service-b', 'my-mega-image:service-b', ['/service-b']],
    ['my-mega-image', undefined, undefined],
    ['my-mega-image:service-c', undefined, undefined],
  ];
  for (const [yamlImage, targetId, command] of cases) {
    for (const targets of [
      [a, b],
      [b, a],
    ]) {
      const { object, injections } = injectImages(workload('apps/v1', 'Deployment', yamlImage), targets);
      assert.deepEqual(
        injections.map((i) => i.targetId),
        targetId ? [targetId] : [],
        yamlImage,
      );
      assert.deepEqual((object as any).spec.template.spec.containers[0].command, command, yamlImage);
    }
  }
});

test('env var values are injected only for images with match_in_env_vars', () => {
  const cases: [matchInEnvVars: boolean, value: string, expected: string][] = [
    [true, 'app', 'localhost:5005/app:devloop-1'],
    [true, 'app:v3', 'localhost:5005/app:devloop-1'],
    [true, 'docker.io/library/app', 'localhost:5005/app:devloop-1'],
    [true, 'other', 'other'],
    [true, 'not a ref!', 'not a ref!'],
    [true, 'Production', 'Production'],
    [false, 'app', 'app'],
  ];
  for (const [matchInEnvVars, value, expected] of cases) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('p'),
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            env: [
              { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
              { name: 'IMG', value },
            ],
          },
        ],
      },
    };
    const { object, injections } = injectImages(pod, [{ ...APP, matchInEnvVars }]);
    assert.equal((object as any).spec.containers[0].env[1].value, expected, `${matchInEnvVars} ${value}`);
    assert.deepEqual(
      injections.map((i) => [i.kind, i.path, i.container]),
      expected === value ? [] : [['env', 'spec.containers[0].env[1].value', 'main']],
    );
    assert.equal((object as any).spec.containers[0].imagePullPolicy, undefined, 'no pull policy for env injection');
  }
});

test('custom resources: k8s_kind / k8s_image_json_path locators', () => {
  const env = (kind: string, spec: Record<string, unknown>, apiVersion = 'example.com/v1', name = 'e1') => ({
    apiVersion,
    kind,
    metadata: { name, namespace: 'dev' },
    spec,
  });
  const cases: [label: string, locator: LocatorSpec, obj: K8sObject, injected: [path: string, kind: string][], spec: unknown][] = [
    [
      'k8s_kind image_json_path',
      { kind: 'Environment', jsonPaths: ['{.spec.runtime.image}'] },
      env('Environment', { runtime: { image: 'app:v1' } }),
      [['spec.runtime.image', 'jsonPath']],
      { runtime: { image: 'localhost:5005/app:devloop-1' } },
    ],
    [
      'kind matched ignoring case',
      { kind: 'environment', jsonPaths: ['{.spec.image}'] },
      env('Environment', { image: 'app' }),
      [['spec.image', 'jsonPath']],
      { image: 'localhost:5005/app:devloop-1' },
    ],
    // Anchored: Tilt would also match MyEnvironment.
    ['kind regex is anchored', { kind: 'Environment', jsonPaths: ['{.spec.image}'] }, env('MyEnvironment', { image: 'app' }), [], { image: 'app' }],
    [
      'kind regex alternatives',
      { kind: 'Env|Environment', jsonPaths: ['{.spec.image}'] },
      env('Environment', { image: 'app' }),
      [['spec.image', 'jsonPath']],
      { image: 'localhost:5005/app:devloop-1' },
    ],
    [
      'api_version mismatch',
      { kind: 'Environment', apiVersion: 'example.com/v1', jsonPaths: ['{.spec.image}'] },
      env('Environment', { image: 'app' }, 'other.com/v1'),
      [],
      { image: 'app' },
    ],
    [
      'api_version match',
      { kind: 'Environment', apiVersion: 'example.com/v1', jsonPaths: ['{.spec.image}'] },
      env('Environment', { image: 'app' }),
      [['spec.image', 'jsonPath']],
      { image: 'localhost:5005/app:devloop-1' },
    ],
    [
      '[*] over containers, only matching images injected',
      { kind: 'Workflow', jsonPaths: ['{.spec.containers[*].image}'] },
      env('Workflow', { containers: [{ image: 'app' }, { image: 'busybox' }] }),
      [['spec.containers[0].image', 'jsonPath']],
      { containers: [{ image: 'localhost:5005/app:devloop-1' }, { image: 'busybox' }] },
    ],
    [
      'name filter',
      { name: 'web-.*', jsonPaths: ['{.spec.image}'] },
      env('Thing', { image: 'app' }, 'x.io/v1', 'web-1'),
      [['spec.image', 'jsonPath']],
      { image: 'localhost:5005/app:devloop-1' },
    ],
    ['name filter anchored', { name: 'web', jsonPaths: ['{.spec.image}'] }, env('Thing', { image: 'app' }, 'x.io/v1', 'web-1'), [], { image: 'app' }],
    [
      'namespace filter',
      { namespace: 'dev', jsonPaths: ['{.spec.image}'] },
      env('Thing', { image: 'app' }),
      [['spec.image', 'jsonPath']],
      { image: 'localhost:5005/app:devloop-1' },
    ],
    ['namespace filter mismatch', { namespace: 'prod', jsonPaths: ['{.spec.image}'] }, env('Thing', { image: 'app' }), [], { image: 'app' }],
    [
      'sibling imagePullPolicy is set when present',
      { kind: 'Thing', jsonPaths: ['{.spec.a.image}', '{.spec.b.image}'] },
      env('Thing', { a: { image: 'app', imagePullPolicy: 'Always' }, b: { image: 'app' } }),
      [
        ['spec.a.image', 'jsonPath'],
        ['spec.b.image', 'jsonPath'],
      ],
      { a: { image: 'localhost:5005/app:devloop-1', imagePullPolicy: 'IfNotPresent' }, b: { image: 'localhost:5005/app:devloop-1' } },
    ],
    [
      'image_object repo/tag',
      { kind: 'HelmRelease', imageObject: { jsonPath: '{.spec.values.image}', repoField: 'repository', tagField: 'tag' } },
      env('HelmRelease', { values: { image: { repository: 'app', tag: 'v1', pullPolicy: 'Always' } } }),
      [['spec.values.image', 'imageObject']],
      { values: { image: { repository: 'localhost:5005/app', tag: 'devloop-1', pullPolicy: 'Always' } } },
    ],
    [
      'image_object numeric tag',
      { kind: 'HelmRelease', imageObject: { jsonPath: '{.spec.image}', repoField: 'repo', tagField: 'tag' } },
      env('HelmRelease', { image: { repo: 'docker.io/library/app', tag: 2 } }),
      [['spec.image', 'imageObject']],
      { image: { repo: 'localhost:5005/app', tag: 'devloop-1' } },
    ],
    [
      'image_object other repo untouched',
      { kind: 'HelmRelease', imageObject: { jsonPath: '{.spec.image}', repoField: 'repo', tagField: 'tag' } },
      env('HelmRelease', { image: { repo: 'redis', tag: '7' } }),
      [],
      { image: { repo: 'redis', tag: '7' } },
    ],
    [
      'locator path that is also a container: reported once, as a container',
      { kind: 'Deployment', jsonPaths: ['{.spec.template.spec.containers[*].image}'] },
      workload('apps/v1', 'Deployment', 'app'),
      [['spec.template.spec.containers[0].image', 'container']],
      undefined,
    ],
  ];
  for (const [label, spec, obj, injected, expectedSpec] of cases) {
    const { object, injections } = injectImages(obj, [APP], { locators: [compileLocator(spec)] });
    assert.deepEqual(
      injections.map((i) => [i.path, i.kind]),
      injected,
      label,
    );
    if (expectedSpec !== undefined) assert.deepEqual((object as any).spec, expectedSpec, label);
  }
});

test('image_object with an exact-tag selector matches on the tag field', () => {
  const locator = compileLocator({ kind: 'Chart', imageObject: { jsonPath: '{.spec.image}', repoField: 'repository', tagField: 'tag' } });
  const obj = (tag: string) => ({ apiVersion: 'x.io/v1', kind: 'Chart', metadata: { name: 'c' }, spec: { image: { repository: 'app', tag } } });
  const t = target('app:v1', 'app:devloop-5');
  assert.deepEqual(
    injectImages(obj('v1'), [t], { locators: [locator] }).injections.map((i) => [i.from, i.to]),
    [['app:v1', 'app:devloop-5']],
  );
  assert.deepEqual(
    injectImages(obj('v2'), [t], {
      locators: [compileLocator({ kind: 'Chart', imageObject: { jsonPath: '{.spec.image}', repoField: 'repository', tagField: 'tag' } })],
    }).injections,
    [],
  );
});

test('invalid images in YAML are errors naming the object, value and path', () => {
  const bad =
    (obj: K8sObject, locators: LocatorSpec[] = []) =>
    () =>
      injectImages(obj, [APP], { locators: locators.map(compileLocator) });
  const cases: [label: string, run: () => unknown, object: string, message: RegExp, hint: RegExp][] = [
    [
      'template variable',
      bad({ ...workload('apps/v1', 'Deployment', '${IMAGE}'), metadata: { name: 'web' } }),
      'Deployment/web',
      /image "\$\{IMAGE\}" at spec\.template\.spec\.containers\[0\]\.image is not a valid image reference/,
      /render the YAML/,
    ],
    [
      'uppercase',
      bad({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec('MyApp') }),
      'Pod/p',
      /"MyApp" at spec\.containers\[0\]\.image .*lowercase/,
      /lowercase/,
    ],
    [
      'CronJob init container',
      bad({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly' },
        spec: { jobTemplate: { spec: { template: { spec: { containers: [], initContainers: [{ name: 'i', image: 'app:' }] } } } } },
      }),
      'CronJob/nightly',
      /"app:" at spec\.jobTemplate\.spec\.template\.spec\.initContainers\[0\]\.image .*tag is empty/,
      /name\[:tag\]/,
    ],
    [
      'number',
      bad({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'm', image: 42 }] } }),
      'Pod/p',
      /spec\.containers\[0\]\.image is a number, not a string/,
      /string/,
    ],
    [
      'empty string',
      bad({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec('') }),
      'Pod/p',
      /"" at spec\.containers\[0\]\.image .*empty/,
      /name/,
    ],
    [
      'image volume',
      bad({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], volumes: [{ name: 'v', image: { reference: 'Bad Ref' } }] } }),
      'Pod/p',
      /"Bad Ref" at spec\.volumes\[0\]\.image\.reference/,
      /name/,
    ],
    [
      'json path to invalid ref',
      bad({ apiVersion: 'x.io/v1', kind: 'Env', metadata: { name: 'e' }, spec: { image: 'a b' } }, [{ kind: 'Env', jsonPaths: ['{.spec.image}'] }]),
      'Env/e',
      /"a b" at spec\.image/,
      /name/,
    ],
    [
      'json path to a map',
      bad({ apiVersion: 'x.io/v1', kind: 'Env', metadata: { name: 'e' }, spec: { image: { repo: 'app' } } }, [{ kind: 'Env', jsonPaths: ['{.spec.image}'] }]),
      'Env/e',
      /reached a map at spec\.image, not a string/,
      /image_object/,
    ],
    [
      'image_object to a string',
      bad({ apiVersion: 'x.io/v1', kind: 'Env', metadata: { name: 'e' }, spec: { image: 'app' } }, [
        { kind: 'Env', imageObject: { jsonPath: '{.spec.image}', repoField: 'repo', tagField: 'tag' } },
      ]),
      'Env/e',
      /reached a string at spec\.image, not a map with 'repo'/,
      /image_json_path/,
    ],
  ];
  for (const [label, run, object, message, hint] of cases) {
    assert.throws(
      run,
      (e: unknown) => {
        assert.ok(isDevloopError(e), label);
        assert.equal(e.code, 'invalid-manifest-image', label);
        assert.equal(e.object, object, label);
        assert.match(e.message, message, label);
        assert.match(e.hint ?? '', hint, label);
        return true;
      },
      label,
    );
  }
});

test('compileLocator validates its spec', () => {
  const cases: [spec: LocatorSpec, code: string, message: RegExp][] = [
    [{ jsonPaths: ['{.spec.image}'] }, 'invalid-locator', /at least one of kind, name, or namespace must be specified/],
    [
      { kind: 'X', jsonPaths: ['{.a}'], imageObject: { jsonPath: '{.b}', repoField: 'r', tagField: 't' } },
      'invalid-locator',
      /Cannot specify both image_json_path and image_object/,
    ],
    [{ kind: '(' }, 'invalid-locator', /error parsing kind regexp/],
    [{ kind: 'X', imageObject: { jsonPath: '{.b}', repoField: '', tagField: 't' } }, 'invalid-locator', /image_object/],
    [{ kind: 'X', jsonPaths: ['{.spec[0:x]}'] }, 'invalid-json-path', /invalid array index 0:x/],
  ];
  for (const [spec, code, message] of cases) {
    assert.throws(
      () => compileLocator(spec),
      (e: unknown) => isDevloopError(e) && e.code === code && message.test(e.message),
      JSON.stringify(spec),
    );
  }
  assert.equal(compileLocator({ kind: 'Env', apiVersion: 'x.io/v1' }).description, 'kind=Env apiVersion=x.io/v1');
});

test('JSON path as client-go evaluates it: fields, escaped dots, wildcards, slices, filters, recursive descent; format', () => {
  const doc = {
    spec: {
      image: 'a',
      containers: [{ name: 'web', image: 'b' }, { name: 'side', image: 'c' }, { name: 'no-image' }],
      images: { web: 'd', 'app.kubernetes.io/x': 'e' },
      'dotted.key': 'f',
    },
  };
  const cases: [path: string, expected: [string, unknown][]][] = [
    ['{.spec.image}', [['spec.image', 'a']]],
    ['.spec.image', [['spec.image', 'a']]],
    ['spec.image', [['spec.image', 'a']]],
    ['{$.spec.image}', [['spec.image', 'a']]],
    [
      '{.spec.containers[*].image}',
      [
        ['spec.containers[0].image', 'b'],
        ['spec.containers[1].image', 'c'],
      ],
    ],
    ['{.spec.containers[1].image}', [['spec.containers[1].image', 'c']]],
    ['{.spec.containers[-1].name}', [['spec.containers[2].name', 'no-image']]],
    [
      '{.spec.containers[0:2].image}',
      [
        ['spec.containers[0].image', 'b'],
        ['spec.containers[1].image', 'c'],
      ],
    ],
    [
      '{.spec.containers[::2].name}',
      [
        ['spec.containers[0].name', 'web'],
        ['spec.containers[2].name', 'no-image'],
      ],
    ],
    [
      '{.spec.containers[0,1].image}',
      [
        ['spec.containers[0].image', 'b'],
        ['spec.containers[1].image', 'c'],
      ],
    ],
    ["{.spec.containers[?(@.name=='side')].image}", [['spec.containers[1].image', 'c']]],
    [
      "{.spec.containers[?(@.name!='side')].name}",
      [
        ['spec.containers[0].name', 'web'],
        ['spec.containers[2].name', 'no-image'],
      ],
    ],
    [
      '{.spec.containers[?(@.image)].name}',
      [
        ['spec.containers[0].name', 'web'],
        ['spec.containers[1].name', 'side'],
      ],
    ],
    [
      '{..image}',
      [
        ['spec.image', 'a'],
        ['spec.containers[0].image', 'b'],
        ['spec.containers[1].image', 'c'],
      ],
    ],
    ['{.spec.images.web}', [['spec.images.web', 'd']]],
    ['{.spec.images.app\\.kubernetes\\.io/x}', [['spec.images.app\\.kubernetes\\.io/x', 'e']]],
    ["{.spec['images']['web']}", [['spec.images.web', 'd']]],
    ['{.spec.dotted\\.key}', [['spec.dotted\\.key', 'f']]],
    [
      '{.spec.images.*}',
      [
        ['spec.images.web', 'd'],
        ['spec.images.app\\.kubernetes\\.io/x', 'e'],
      ],
    ],
  ];
  for (const [path, expected] of cases) {
    const got = evalJsonPath(compileJsonPath(path), doc).map((m) => [formatPath(m.segments!), m.value]);
    assert.deepEqual(got, expected, path);
  }
  // What client-go refuses when it evaluates: a missing key, an index out of range, a quoted key with dots (a path).
  for (const [path, message] of [
    ['{.spec.missing.image}', /missing is not found/],
    ['{.spec.image.deeper}', /deeper is not found/],
    ['{.spec.containers[7].image}', /array index out of bounds: index 7, length 3/],
    ["{.spec.images['app.kubernetes.io/x']}", /app is not found/],
    ['{.spec.containers[?(@.name==1)].image}', /incompatible types for comparison/],
  ] as const) {
    assert.throws(
      () => evalJsonPath(compileJsonPath(path), doc),
      (e: Error) => message.test(e.message),
      path,
    );
  }
  for (const bad of ['', '{}', '{.spec', '{.spec[0}', '{.spec[a]}', '{range .spec}{end}', '{.spec....a}']) {
    assert.throws(
      () => compileJsonPath(bad),
      (e: unknown) => isDevloopError(e) && e.code === 'invalid-json-path',
      bad,
    );
  }
});

test('objectKey and objectName', () => {
  const cases: [obj: unknown, key: ReturnType<typeof objectKey>, name: string][] = [
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'dev' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'dev' },
      'Deployment/web',
    ],
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }, { apiVersion: 'v1', kind: 'Service', name: 'web' }, 'Service/web'],
    [
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-' } },
      { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate-*' },
      'Job/migrate-*',
    ],
    [{}, { apiVersion: '', kind: '', name: '' }, '<no kind>/<no name>'],
  ];
  for (const [obj, key, name] of cases) {
    assert.deepEqual(objectKey(obj), key);
    assert.equal(objectName(obj), name);
  }
});

test('a locator path missing on a selected object, or yielding a literal, is an error naming the object and the path', () => {
  const obj = { apiVersion: 'example.dev/v1', kind: 'Environment', metadata: { name: 'bare' }, spec: {} };
  const target = { id: 'app', selector: makeSelector('app'), clusterRef: 'localhost:5005/app:devloop-1' };
  const run = (path: string) => () => injectImages(obj, [target], { locators: [compileLocator({ kind: 'Environment', jsonPaths: [path] })] });
  assert.throws(
    run('{.spec.runtime.image}'),
    (e: unknown) =>
      isDevloopError(e) &&
      e.code === 'json-path-not-found' &&
      e.object === 'Environment/bare' &&
      /image_json_path \{\.spec\.runtime\.image\} does not match: runtime is not found/.test(e.message) &&
      /kind=Environment/.test(e.hint ?? ''),
  );
  assert.throws(
    run("{.spec}{'app'}"),
    (e: unknown) => isDevloopError(e) && e.code === 'invalid-json-path' && /yields "app", which is not a field/.test(e.message),
  );
  // An empty list is not a missing path.
  assert.deepEqual(
    injectImages({ ...obj, spec: { containers: [] } }, [target], {
      locators: [compileLocator({ kind: 'Environment', jsonPaths: ['{.spec.containers[*].image}'] })],
    }).injections,
    [],
  );
});

test('the JSON path hint shows a key with dots the way client-go selects it', () => {
  assert.throws(
    () => compileJsonPath('{.spec['),
    (e: unknown) => {
      assert.ok(isDevloopError(e));
      assert.match(e.hint ?? '', /\{\.metadata\.labels\.app\\\.kubernetes\\\.io\/name\}/);
      assert.doesNotMatch(e.hint ?? '', /\['app\./, "['a.b'] is the path a.b to client-go: never advertised");
      return true;
    },
  );
  const labels = { metadata: { labels: { 'app.kubernetes.io/name': 'web' } } };
  assert.deepEqual(
    evalJsonPath(compileJsonPath('{.metadata.labels.app\\.kubernetes\\.io/name}'), labels).map((m) => m.value),
    ['web'],
  );
});

// Server-side dry run of an apply (dryRun=All), with the real kubectl as the client: the test cluster refuses what
// a real API server refuses (an invalid name, a selector that does not match the template's labels, an unknown kind,
// a wrong field type) and persists nothing, refused or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterForFile } from './helpers.js';

const cluster = await clusterForFile();
const { kubectl } = cluster;

const dryApply = (doc: string) => kubectl(['apply', '--server-side', '--dry-run=server', '--validate=false', '-f', '-'], { stdin: doc });

const deploy = (name: string, extra = '', selectorApp = name) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${selectorApp} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: main, image: busybox }]
${extra}`;

describe('dryRun=All on apply', () => {
  const cases: { name: string; doc: string; refused?: RegExp }[] = [
    { name: 'a valid Deployment passes', doc: deploy('fine') },
    {
      name: 'an invalid name',
      doc: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: Bad_Name }\ndata: { a: b }\n',
      refused: /metadata\.name: Invalid value: "Bad_Name"/,
    },
    {
      name: 'a selector that does not match the template labels',
      doc: deploy('mismatch', '', 'other'),
      refused: /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/,
    },
    {
      name: 'an unknown kind',
      doc: 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: typo }\n',
      refused: /no matches for kind "Deploymnet"|could not find the requested resource|doesn't have a resource type/,
    },
    {
      name: 'a string where an integer goes',
      doc: deploy('typed', '  replicas: "two"\n'),
      refused: /\.spec\.replicas: expected numeric \(int or float\), got string/,
    },
    {
      name: 'a number where a string goes',
      doc: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: numbers }\ndata: { a: 1 }\n',
      refused: /\.data\.a: expected string/,
    },
    {
      name: 'a map where a list goes',
      doc: deploy('listy').replace('containers: [{ name: main, image: busybox }]', 'containers: { name: main, image: busybox }'),
      refused: /\.spec\.template\.spec\.containers: expected list/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.refused ? 'refused' : 'accepted'}, nothing persisted`, async () => {
      const r = await dryApply(c.doc);
      if (c.refused) {
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, c.refused);
      } else {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /serverside-applied \(server dry run\)/);
      }
      const all = await kubectl(['get', 'deployments,configmaps', '-o', 'name']);
      assert.doesNotMatch(all.stdout, /fine|Bad_Name|mismatch|typo|typed|numbers|listy/);
    });
  }

  it('a dry run over an existing object changes nothing in it', async () => {
    assert.equal((await kubectl(['apply', '--server-side', '-f', '-'], { stdin: deploy('kept') })).code, 0);
    const before = (await kubectl(['get', 'deployment', 'kept', '-o', 'json'])).stdout;
    const r = await dryApply(deploy('kept', '  replicas: 5\n'));
    assert.equal(r.code, 0, r.stderr);
    const after = JSON.parse((await kubectl(['get', 'deployment', 'kept', '-o', 'json'])).stdout);
    assert.equal(after.spec.replicas, 1);
    assert.equal(after.metadata.generation, JSON.parse(before).metadata.generation);
    await kubectl(['delete', 'deployment', 'kept']);
  });
});

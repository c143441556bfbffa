/**
 * Differential test: devloop reads every document of the corpus (yaml-corpus.ts) as kubectl does.
 * The oracle is `kubectl annotate --local -f FILE k=v -o json` (no cluster): what it prints, minus the added
 * annotation, must equal devloop's value; what it refuses, devloop refuses with file:line.
 * Skipped, saying why, when kubectl is not on PATH.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseYamlDocuments } from '../../src/model/yaml.js';
import { DevloopError } from '../../src/model/errors.js';
import { corpus, HEADER } from './yaml-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'devloop-yaml-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const skip = probe.error || probe.status !== 0 ? 'kubectl is not on PATH: it is the oracle of this test' : false;

/** kubectl's JSON with integers kept exact where kubectl keeps them (int64), float64 elsewhere. */
function readKubectlJson(text: string): unknown {
  const norm = (v: unknown): unknown => {
    if (typeof v === 'bigint') {
      if (v >= -(2n ** 63n) && v < 2n ** 63n) return Number.isSafeInteger(Number(v)) ? Number(v) : v;
      return Number(v);
    }
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
    return typeof v === 'number' && Object.is(v, -0) ? 0 : v;
  };
  return norm(parse(text, { intAsBigInt: true, schema: 'core' }));
}

/** kubectl's objects (it prints several one after the other), each without the annotation it added. */
function kubectlRead(file: string): { ok: true; objects: Record<string, any>[] } | { ok: false; error: string } {
  const r = spawnSync('kubectl', ['annotate', '--local', '-f', file, 'k=v', '-o', 'json'], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig') },
  });
  if (r.status !== 0) return { ok: false, error: r.stderr.trim() };
  const objects = r.stdout.split(/(?<=\n\})\n(?=\{)/).map((t) => readKubectlJson(t) as Record<string, any>);
  for (const object of objects) {
    delete object.metadata.annotations.k;
    if (Object.keys(object.metadata.annotations).length === 0) delete object.metadata.annotations;
  }
  return { ok: true, objects };
}

/** The documents' objects as manifests.ts takes them: empty documents skipped, Lists flattened. */
function objectsOf(values: unknown[]): unknown[] {
  return values.flatMap((v: any) =>
    v === null ? [] : typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) ? objectsOf(v.items) : [v],
  );
}

corpus.forEach((c, i) => {
  const text = c.whole ?? `${HEADER}${c.body}\n`;
  const title = `${c.from} #${i}: ${JSON.stringify(c.body ?? c.whole).slice(0, 70)}`;
  test(`kubectl and devloop read the same: ${title}`, { skip }, () => {
    const file = join(dir, `case-${i}.yaml`);
    writeFileSync(file, text);
    const want = kubectlRead(file);
    let got: unknown;
    let error: unknown;
    try {
      got = objectsOf(parseYamlDocuments(text, file).map((d) => d.value));
    } catch (e) {
      error = e;
    }
    if (want.ok) {
      assert.equal(error, undefined, `kubectl read it, devloop refused: ${(error as Error)?.message}`);
      assert.deepEqual(got, want.objects);
    } else {
      assert.ok(
        error instanceof DevloopError,
        `kubectl refused it (${want.error}), devloop read ${JSON.stringify(got, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
      );
      assert.equal(error.location?.file, file);
      assert.ok(
        error.location?.line !== undefined && error.location.line >= 1 && error.location.line <= text.split('\n').length,
        `line ${error.location?.line}`,
      );
      assert.ok(error.hint, 'a refusal says what to do');
    }
  });
});

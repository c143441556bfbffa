// Issue 10 item 14 (part), differential: the real engine is the oracle for the Dockerfile check devloop makes
// before building (src/model/dockerfile-check.ts). Each bad Dockerfile of the unit table fails in the engine's
// parser at the same line with the same words; each good one parses there.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerImageBuilder } from '../../src/adapters/docker/image-builder.js';
import { dockerfileProblem, engineParseError } from '../../src/model/dockerfile-check.js';
import { isDevloopError } from '../../src/model/errors.js';
import { BAD, GOOD } from '../helpers/dockerfile-cases.js';
import { collect, makeContext, removeImages, request, uniqueRepo } from './helpers.js';

const builder = new DockerImageBuilder();
const created: string[] = [];
after(() => removeImages(builder.client, created));

test('the engine refuses each bad Dockerfile at the line and with the words devloop reports', async () => {
  const ctx = makeContext({ a: 'a' });
  try {
    for (const [name, text] of BAD) {
      const ref = `${uniqueRepo()}:bad`;
      created.push(ref);
      await assert.rejects(
        builder.build(request(ctx, text, ref, { network: 'none', dockerfilePath: 'Dockerfile' }), collect()),
        (err: unknown) => {
          assert.ok(isDevloopError(err), String(err));
          assert.equal(err.code, 'dockerfile-parse', `${name}: ${err.message}`);
          const engine = engineParseError(`parse error line ${err.where?.split(':').pop()}: ${err.message.replace(/^.*does not parse: /, '')}`);
          const ours = dockerfileProblem(text)!;
          assert.equal(engine?.line, ours.line, name);
          // BuildKit versions differ in a final period; the words are the same.
          assert.equal(engine?.message.replace(/\.$/, ''), ours.message.replace(/\.$/, ''), name);
          return true;
        },
        name,
      );
    }
    for (const [name, text] of GOOD) {
      const ref = `${uniqueRepo()}:good`;
      created.push(ref);
      await builder.build(request(ctx, text, ref, { network: 'none', dockerfilePath: 'Dockerfile' }), collect()).catch((err: unknown) => {
        assert.ok(!(isDevloopError(err) && err.code === 'dockerfile-parse'), `${name}: the engine must parse it: ${String(err)}`);
      });
    }
  } finally {
    ctx.cleanup();
  }
});

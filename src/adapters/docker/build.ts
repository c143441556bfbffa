/**
 * One image build through the engine's build API: our own context tar, BuildKit (version 2) when the engine
 * supports it, else the classic builder. Progress goes to `out` line by line; failures become DevloopError
 * `build-failed` naming the step and carrying its output tail.
 */
import type Docker from 'dockerode';
import { DevloopError, isDevloopError } from '../../model/errors.js';
import type { BuildOutput, BuildResult, DockerBuildRequest, EngineInfo } from '../../ports/image-builder.js';
import { BuildkitPrinter } from './buildkit-progress.js';
import { decodeStatusResponse } from './buildkit-proto.js';
import { buildFailed, engineWentAway, isConnectionLost } from './build-errors.js';
import { ClassicPrinter } from './classic-progress.js';
import { engineCall, type DockerClient } from './client.js';
import { sendContext, type SentContext } from './build-context.js';
import { jsonMessages, messageError, type JsonMessage } from './json-stream.js';

export async function buildImage(client: DockerClient, info: EngineInfo, req: DockerBuildRequest, out: BuildOutput): Promise<BuildResult> {
  const network = chooseNetwork(req, info, out);
  const sent = await engineCall(client, () => sendContext(client, info, req));
  // A context file that cannot be read ends the tar with an error; the request must then be aborted, or
  // the engine waits forever for the rest of the body.
  const abort = new AbortController();
  sent.onFailure((err) => abort.abort(err));
  try {
    return await run(client, info, req, out, sent, network, abort);
  } finally {
    sent.close();
  }
}

async function run(
  client: DockerClient,
  info: EngineInfo,
  req: DockerBuildRequest,
  out: BuildOutput,
  sent: SentContext,
  network: string | undefined,
  abort: AbortController,
): Promise<BuildResult> {
  const options: Docker.ImageBuildOptions & Record<string, unknown> = {
    version: info.buildkit ? '2' : '1',
    ...sent.query,
    t: [req.ref, ...req.extraTags] as unknown as string, // repeated `t` parameters: one per tag
    buildargs: req.buildArgs,
    labels: req.labels,
    rm: true,
    forcerm: true,
  };
  if (req.target) options.target = req.target;
  if (network) options.networkmode = network;
  if (req.pull) options.pull = true;
  if (req.platform) options.platform = req.platform;
  if (req.cacheFrom.length > 0) options.cachefrom = req.cacheFrom as unknown as string; // JSON-encoded by postBuild, as the API wants
  if (req.extraHosts.length > 0) options.extrahosts = req.extraHosts as unknown as string; // repeated parameters
  options.abortSignal = req.signal ? AbortSignal.any([req.signal, abort.signal]) : abort.signal;

  const printer = info.buildkit ? new BuildkitPrinter(out) : new ClassicPrinter(out);
  let imageId: string | undefined;
  let errorText: string | undefined;
  let started = false;
  try {
    const stream = await engineCall(client, (d) => postBuild(d, sent.body, options));
    started = true;
    for await (const m of jsonMessages(stream as AsyncIterable<Buffer>)) {
      imageId = handleMessage(m, printer) ?? imageId;
      errorText ??= messageError(m);
    }
  } catch (err) {
    const packError = sent.failure();
    if (isDevloopError(packError)) throw packError;
    if (req.signal?.aborted) throw new DevloopError('build-cancelled', `building ${req.ref} was cancelled`, { cause: err });
    if (isDevloopError(err) && err.code !== 'docker-unreachable') throw err;
    const cause = isDevloopError(err) ? err.cause : err;
    // Once the build has started, a lost connection means the engine went away (no step of the build failed).
    if (started && isConnectionLost(cause)) {
      printer.finish();
      throw engineWentAway(req.ref, client.host, printer.steps().at(-1)?.name, cause);
    }
    if (isDevloopError(err)) throw err;
    errorText ??= err instanceof Error ? err.message : String(err);
  }
  const packError = sent.failure();
  if (isDevloopError(packError)) throw packError;
  printer.finish();

  const name = req.ref;
  if (errorText !== undefined) {
    const failed = printer.failed();
    throw buildFailed({ ref: name, step: failed?.name, error: errorText, tail: failed?.tail, contextDir: req.contextDir, dockerfilePath: req.dockerfilePath });
  }
  if (!imageId) throw engineWentAway(name, client.host, printer.steps().at(-1)?.name);
  return { imageId, builder: info.buildkit ? 'buildkit' : 'classic', steps: printer.steps() };
}

/**
 * POST /build with the context as the request body. dockerode's buildImage opens a BuildKit session (gRPC over a
 * hijacked /session connection) for every version-2 build; devloop passes no credentials, secrets or SSH agents
 * through it, and the engine builds a tar-uploaded context without one (FROM images in the engine, or pulled
 * anonymously), so the build goes straight to the modem: no gRPC code to load (60-100 ms) and no extra connection.
 */
function postBuild(
  d: Docker,
  body: NodeJS.ReadableStream | undefined,
  options: Docker.ImageBuildOptions & Record<string, unknown>,
): Promise<NodeJS.ReadableStream> {
  const { abortSignal, ...query } = options;
  if (Array.isArray(query.cachefrom)) query.cachefrom = JSON.stringify(query.cachefrom);
  return new Promise((resolve, reject) => {
    d.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: body ?? Buffer.alloc(0),
        options: query,
        abortSignal,
        isStream: true,
        statusCodes: { 200: true, 500: 'server error' },
      },
      (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as NodeJS.ReadableStream)),
    );
  });
}

/** An explicit network wins; without one and without a bridge network, RUN steps get `none` (never `host`). */
function chooseNetwork(req: DockerBuildRequest, info: EngineInfo, out: BuildOutput): string | undefined {
  if (req.network) return req.network;
  if (info.hasBridge) return undefined;
  out.line('The Docker engine has no bridge network: RUN steps run with network "none"');
  return 'none';
}

/** Feed one message to the printer; returns the image ID if the message carries it. */
function handleMessage(m: JsonMessage, printer: BuildkitPrinter | ClassicPrinter): string | undefined {
  if (m.id === 'moby.buildkit.trace') {
    if (printer instanceof BuildkitPrinter && typeof m.aux === 'string') printer.handle(decodeStatusResponse(Buffer.from(m.aux, 'base64')));
    return undefined;
  }
  const auxId = (m.aux as { ID?: unknown } | undefined)?.ID;
  if (typeof auxId === 'string') return auxId;
  if (typeof m.stream === 'string' && printer instanceof ClassicPrinter) printer.text(m.stream);
  else if (typeof m.stream === 'string') for (const l of m.stream.split('\n')) if (l.trim() !== '') printer.note(l.trimEnd());
  return undefined;
}

#!/usr/bin/env node
// Bundles the CLI with esbuild: tsc's output from dist/src/cli/main.js on, with its dependencies, into
// dist/src/bundle/devloop.mjs plus chunks that the commands' dynamic imports load (`--version` or `ci --dry-run`
// never load client-node or dockerode). Starting devloop then reads a few files instead of ~1000 ES modules.
// bin/devloop.js runs the bundle, or tsc's output when the bundle is missing or older. Run after tsc:
// `npm run build` (also the prepare step) and scripts/test.mjs do both. Usage: node scripts/bundle.mjs
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distSrc = join(root, 'dist/src');
// Inside dist/src: stack frames in the bundle count as devloop's own (src/config/callsite.ts).
const outdir = join(distSrc, 'bundle');
const entry = join(distSrc, 'cli/main.js');

if (!existsSync(entry)) {
  console.error(`bundle: ${relative(root, entry)} is missing: run tsc first (npm run build does both)`);
  process.exit(1);
}

/** Packages loaded from node_modules at run time, never bundled. */
const external = [
  'jiti', // evaluates the user's devloop.ts, loading the config API from dist/src/config/api.js as before
];

/**
 * devloop's modules find files from import.meta.url (config/evaluate.ts: the API module that jiti maps 'devloop'
 * to, dist/src/config/api.js; config/callsite.ts: which stack frames are devloop's). In the bundle each one
 * keeps the URL of its own file in dist/src.
 */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(distSrc + sep)) return undefined;
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta.url')) {
        const rel = relative(outdir, args.path).split(sep).join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Files of dockerode and docker-modem that stay in node_modules, loaded when first used, as they are: they read
 * files next to themselves (__dirname) or pull in heavy code few builds need. In the bundle each is a stand-in
 * that requires the real file then (a function forwards every call; buildkit.js is only ever required when
 * used, so its stand-in requires it at once).
 *   session.js: @grpc/grpc-js, @grpc/proto-loader, protobufjs, auth.proto (BuildKit builds; 60-100 ms to load)
 *   buildkit.js: protobufjs, buildkit_status.proto (Docker.followProgress, which devloop does not call)
 *   ssh.js: ssh2 and its optional native parts (ssh:// engines, which devloop does not accept)
 */
const deferred = [
  { importer: '/dockerode/lib/docker.js', spec: './session', real: './session.js', callable: true },
  { importer: '/dockerode/lib/docker.js', spec: './buildkit', real: './buildkit.js', callable: false },
  { importer: '/docker-modem/lib/modem.js', spec: './ssh', real: 'docker-modem/lib/ssh.js', callable: true },
];
const deferParts = {
  name: 'deferred-dockerode-parts',
  setup(b) {
    b.onResolve({ filter: /^\.\/(session|buildkit|ssh)$/ }, (args) => {
      const d = deferred.find((x) => x.spec === args.path && args.importer.split(sep).join('/').endsWith(x.importer));
      return d ? { path: d.real, namespace: 'deferred', pluginData: d } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
      const d = args.pluginData;
      // Resolved from dockerode's main file, as docker.js and modem.js resolve them.
      const load = `require('node:module').createRequire(require.resolve('dockerode'))(${JSON.stringify(d.real)})`;
      const contents = d.callable
        ? `let real;\nmodule.exports = function () { real ??= ${load}; return real.apply(this, arguments); };\n`
        : `module.exports = ${load};\n`;
      return { contents, loader: 'js', resolveDir: root };
    });
  },
};

const t0 = performance.now();
const result = await build({
  entryPoints: { devloop: entry },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false, // as tsc's maps: Node needs only the mappings
  external,
  // The CommonJS packages in the bundle require() Node's modules, the externals and the deferred files.
  banner: { js: "import { createRequire as __devloopCreateRequire } from 'node:module'; const require = __devloopCreateRequire(import.meta.url);" },
  plugins: [ownUrls, deferParts],
  logLevel: 'warning',
  write: false,
});

// Each file is written under a temporary name and renamed, chunks before the entry, so a devloop starting
// meanwhile (tests run in parallel) never reads a partial file or a new entry without its chunks. Files of
// earlier bundles stay a day: a running `devloop up` may still import its chunks.
mkdirSync(outdir, { recursive: true });
const files = [...result.outputFiles].sort((a, b) => Number(basename(a.path).startsWith('devloop.')) - Number(basename(b.path).startsWith('devloop.')));
for (const f of files) {
  const tmp = `${f.path}.${process.pid}.tmp`;
  writeFileSync(tmp, f.contents);
  renameSync(tmp, f.path);
}
const written = new Set(files.map((f) => f.path));
const dayAgo = Date.now() - 24 * 3600_000;
for (const name of readdirSync(outdir)) {
  const p = join(outdir, name);
  if (!written.has(p) && statSync(p).mtimeMs < dayAgo) rmSync(p, { force: true });
}
const code = files.filter((f) => f.path.endsWith('.mjs'));
const size = code.reduce((n, f) => n + f.contents.length, 0);
console.error(
  `bundle: ${relative(root, join(outdir, 'devloop.mjs'))} and ${code.length - 1} chunks, ${(size / 1e6).toFixed(1)} MB, in ${Math.round(performance.now() - t0)} ms`,
);

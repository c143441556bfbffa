#!/usr/bin/env node
// Runs the esbuild bundle of the CLI, dist/src/bundle/devloop.mjs (scripts/bundle.mjs: a few files instead of
// ~1000 ES modules, so devloop starts several hundred ms sooner), or tsc's output, dist/src/cli/main.js, when
// the bundle is missing, when tsc wrote a file after the bundle was made (`npx tsc -p .` alone: the bundle
// would run older code), or when DEVLOOP_NO_BUNDLE=1.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/src/bundle/devloop.mjs', import.meta.url);
const unbundled = new URL('../dist/src/cli/main.js', import.meta.url);

/** Is any .js file tsc wrote into dist/src newer than the bundle? (about 100 files: 1 to 2 ms) */
function newerThan(ms) {
  const distSrc = fileURLToPath(new URL('../dist/src/', import.meta.url));
  for (const e of readdirSync(distSrc, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.js') && statSync(`${e.parentPath}/${e.name}`).mtimeMs > ms) return true;
  }
  return false;
}

function entry() {
  if (process.env.DEVLOOP_NO_BUNDLE === '1') return unbundled;
  let made;
  try {
    made = statSync(bundle).mtimeMs;
  } catch {
    return unbundled;
  }
  try {
    return newerThan(made) ? unbundled : bundle;
  } catch {
    return bundle;
  }
}

const { main } = await import(entry().href);

main(process.argv).then((code) => {
  process.exitCode = code;
  // Let pending output flush and handles close; if something (a stream a cluster never ends) keeps the
  // process alive after the command is done, exit anyway.
  setTimeout(() => process.exit(code), 3000).unref();
});

#!/usr/bin/env node
// Builds the web UI (web/) into dist/ui: app.js (one minified ES module, no framework) and app.css, which the
// control API's server sends (src/web/assets.ts). Type-checks web/ with its own tsconfig (DOM types) first.
// Run by `npm run build` (the prepare step, so at `npm ci`) and scripts/test.mjs. Usage: node scripts/bundle-ui.mjs
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/ui');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'web/tsconfig.json')], { stdio: 'inherit' });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'web/main.ts')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  logLevel: 'warning',
});
copyFileSync(join(root, 'web/app.css'), join(outdir, 'app.css'));
const size = (f) => ({ raw: statSync(join(outdir, f)).size, gz: gzipSync(readFileSync(join(outdir, f))).length });
const js = size('app.js');
const css = size('app.css');
console.error(
  `bundle-ui: dist/ui/app.js ${(js.raw / 1024).toFixed(1)} KB (${(js.gz / 1024).toFixed(1)} KB gzip), app.css ${(css.raw / 1024).toFixed(1)} KB (${(css.gz / 1024).toFixed(1)} KB gzip)`,
);

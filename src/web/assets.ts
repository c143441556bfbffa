/**
 * The web UI's files, served by the control API's server (same origin, so the page can send the session token):
 * the page (with the token in a meta tag) and its script and style, built by scripts/bundle-ui.mjs into dist/ui
 * at `npm ci` time. No CDN: everything the page loads comes from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** dist/ui, next to dist/src (this file is dist/src/web/assets.js). */
const uiDir = fileURLToPath(new URL('../../ui/', import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** No framing by other sites (their page cannot overlay our buttons), and the page loads only our own files. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const cache = new Map<string, Buffer>();
function read(name: string): Buffer | undefined {
  if (!cache.has(name)) {
    const p = uiDir + name;
    if (!existsSync(p)) return undefined;
    cache.set(name, readFileSync(p));
  }
  return cache.get(name);
}

/** The page, with the session token for its script. */
export function pageHtml(metaTag: string, title: string): string {
  const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${metaTag}<title>${esc} · devloop</title><link rel="stylesheet" href="/ui/app.css"></head>
<body><div id="app"><p class="boot">devloop: loading…</p></div><script type="module" src="/ui/app.js"></script></body></html>
`;
}

/** Serves GET / and /ui/*; false when the path is not the UI's. */
export function serveUi(path: string, res: ServerResponse, metaTag: string, title: string): boolean {
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
    res.end(pageHtml(metaTag, title));
    return true;
  }
  const f = FILES[path];
  if (!f) return false;
  const body = read(f.file);
  if (!body) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`dist/ui/${f.file} is missing: run npm run build (it builds the web UI)\n`);
    return true;
  }
  res.writeHead(200, { 'content-type': f.type, ...SECURITY_HEADERS });
  res.end(body);
  return true;
}

// A small static server for the demo: serves `www/` and `pkg/` from the
// repository root on 127.0.0.1, so the page is at /www/ and imports
// ../pkg/index.js exactly as it would on any static host.
//
// Usage: node scripts/serve.mjs [port]   (default: $PORT or 8080; 0 picks a free one)

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};
/** The file a URL path names, or null when it is outside the served folders. */
function resolve(root, folders, urlPath) {
  const path = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^[/\\]+/, '');
  const inside = folders.some((folder) => path === folder || path.startsWith(folder + sep));
  if (!inside || path.split(sep).includes('..')) return null;
  return join(root, path);
}

async function respond(root, folders, headers, request, response) {
  if (request.url === '/' || request.url === '') {
    response.writeHead(302, { location: '/www/' }).end();
    return;
  }
  let file = resolve(root, folders, request.url);
  if (file && (await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
  const body = file && (await readFile(file).catch(() => null));
  if (!body) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', ...headers })
    .end(body);
}

/**
 * Headers that make a page cross-origin isolated, which SharedArrayBuffer
 * (and so TensorFlow.js's threads, and an InferencePool's arrays in shared
 * memory) needs.
 */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * Starts the server; resolves with it and its base URL once it listens.
 * @param {{ port?: number, root?: string, folders?: string[],
 *   headers?: Record<string, string> }} [options] `folders`: what is served,
 *   relative to `root` (default the demo's `www` and `pkg`); `headers`: sent
 *   with every file
 */
export function startServer({
  port = 0,
  root = fileURLToPath(new URL('..', import.meta.url)),
  folders = ['www', 'pkg'],
  headers = {},
} = {}) {
  const server = createServer((request, response) => {
    respond(root, folders, headers, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end('server error');
    });
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      done({ server, url: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  startServer({ port })
    .then(({ url }) => console.log(`autoencoder-lab demo: ${url}/www/  (Ctrl+C to stop)`))
    .catch((error) => {
      console.error(`could not serve on port ${port}: ${error.message}`);
      process.exit(1);
    });
}

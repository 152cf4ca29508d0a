/**
 * A tiny static server on 127.0.0.1 for the benchmark pages: it serves bench/,
 * pkg/, the demo's trained models and the TensorFlow.js packages from the
 * repository root, nothing else.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const SERVED = ['bench/', 'pkg/', 'www/models/', 'node_modules/@tensorflow/'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

/** The file a URL path names, or null when it is outside the served folders. */
function fileOf(root, url) {
  const path = normalize(decodeURIComponent(new URL(url, 'http://x').pathname)).slice(1);
  if (path.includes('..') || !SERVED.some((folder) => path.startsWith(folder))) return null;
  return join(root, path);
}

async function respond(root, request, response) {
  const file = fileOf(root, request.url);
  const body = file && (await readFile(file).catch(() => null));
  if (!body) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' }).end(body);
}

/**
 * Starts the server on a free port.
 * @param {string} root the repository root
 * @returns {Promise<{ server: import('node:http').Server, url: string }>}
 */
export function startBenchServer(root) {
  const server = createServer((request, response) => {
    respond(root, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end('server error');
    });
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      done({ server, url: `http://127.0.0.1:${server.address().port}` });
    });
  });
}

// Builds the static site into site/ (or another folder): the lab in www/, the
// guided tour in www/tour/, what their pages load from the package in pkg/,
// and a landing page. Every URL in it is relative, so the folder works on any
// static host, also under a sub-path such as /project-name/, and it needs no
// special headers (no threads, so no COOP/COEP).
//
// Usage: node scripts/build-site.mjs [folder]   (default site/; runs the set-up first)

import { spawnSync } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The file that marks a folder as a site this script wrote (and may replace). */
const MARKER = '.built-by-build-site';

/** What pages load from pkg/: its JS (no .d.ts), both wasm modules, digits, models. */
const needed = (name) => name.endsWith('.js') || name.endsWith('_bg.wasm')
  || ['digits.bin', 'models', 'widgets'].includes(name);

/**
 * A URL that starts at the host's root, where a page loads something: src= or
 * href=, an import, fetch, new URL or new Worker, or CSS url(). Such a URL
 * would break under a sub-path.
 */
const ROOT_URL = new RegExp([
  String.raw`\b(?:src|href|action)\s*=\s*["']/`,
  String.raw`\b(?:from|import)\s*\(?\s*["'\x60]/`,
  String.raw`\b(?:fetch|URL|Worker)\s*\(\s*["'\x60]/`,
  String.raw`\burl\(\s*["']?/`,
].join('|'));

const LANDING = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autoencoder-lab</title>
<link rel="icon" href="data:,">
<style>
  body { max-width: 36rem; margin: 3rem auto; padding: 0 1rem;
    font: 18px/1.55 system-ui, sans-serif; color: #0f172a; background: #f8fafc; }
  a { color: #1d4ed8; }
  li { margin: 0.6rem 0; }
</style>
</head>
<body>
<h1>autoencoder-lab</h1>
<p>Autoencoders that train and run in your browser: a Rust library compiled to
WebAssembly, with real handwritten digits.</p>
<ul>
  <li><a href="www/tour/">The guided tour</a>: undercomplete, sparse, denoising and
  contractive autoencoders and shared codes, one page each, with live models.</li>
  <li><a href="www/">The lab</a>: draw a digit, watch four autoencoders rebuild it,
  retrain them with settings of your own.</li>
</ul>
</body>
</html>
`;

/**
 * Writes the site into `out` from scratch.
 * @param {{ out?: string, skipSetup?: boolean }} [options] `skipSetup`: pkg/ and
 *   www/models/ are known to be built (the set-up is then not run)
 * @returns {{ out: string, files: number, bytes: number }} `out` as an absolute path
 */
export function buildSite({ out = join(ROOT, 'site'), skipSetup = false } = {}) {
  const folder = resolve(out);
  // The folder is emptied first: only a new or empty one, or one this script wrote.
  const ours = existsSync(join(folder, MARKER));
  const empty = !existsSync(folder) || readdirSync(folder).length === 0;
  if (!ours && !empty) {
    throw new Error(`will not replace ${folder}: it is not empty and was not written by `
      + 'build:site');
  }
  if (!skipSetup) setUp();

  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'pkg'), { recursive: true });
  writeFileSync(join(folder, MARKER), 'Written by `npm run build:site`; replaced on each build.\n');
  cpSync(join(ROOT, 'www'), join(folder, 'www'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'pkg')).filter(needed)) {
    cpSync(join(ROOT, 'pkg', name), join(folder, 'pkg', name), { recursive: true });
  }
  writeFileSync(join(folder, 'index.html'), LANDING);

  const files = listFiles(folder);
  checkRelative(folder, files);
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  return { out: folder, files: files.length, bytes };
}

/** Builds pkg/ and the models when they are missing or out of date. */
function setUp() {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'setup.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('the set-up failed');
}

/** Every file under `folder`, as paths. */
function listFiles(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Throws, naming file and line, when a page would load something from the host's root. */
function checkRelative(folder, files) {
  const found = [];
  for (const file of files.filter((f) => ['.html', '.js', '.css'].includes(extname(f)))) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (ROOT_URL.test(line)) found.push(`${relative(folder, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  if (found.length > 0) {
    throw new Error(`URLs from the host's root break under a sub-path:\n${found.join('\n')}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { out, files, bytes } = buildSite({ out: process.argv[2] });
    const megabytes = (bytes / 1e6).toFixed(1);
    console.log(`site: ${files} files, ${megabytes} MB in ${relative(process.cwd(), out) || '.'}`);
  } catch (error) {
    console.error(`build:site failed: ${error.message}`);
    process.exit(1);
  }
}

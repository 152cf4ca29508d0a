/**
 * What a page must download to run a trained model, raw and gzipped (level 9):
 * the files of our package that such a page fetched, against the TensorFlow.js
 * bundles that do the same job.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TF = 'node_modules/@tensorflow';
const TFJS_WASM_DIST = `${TF}/tfjs-backend-wasm/dist`;

/** TensorFlow.js with the wasm backend: core alone (enough for a hand-written model). */
const TFJS_MINIMAL = [
  `${TF}/tfjs-core/dist/tf-core.min.js`,
  `${TFJS_WASM_DIST}/tf-backend-wasm.min.js`,
  `${TFJS_WASM_DIST}/tfjs-backend-wasm-simd.wasm`,
];

/** TensorFlow.js as usually loaded: the whole bundle (core, layers, converter, data). */
const TFJS_FULL = [
  `${TF}/tfjs/dist/tf.min.js`,
  `${TFJS_WASM_DIST}/tf-backend-wasm.min.js`,
  `${TFJS_WASM_DIST}/tfjs-backend-wasm-simd.wasm`,
];

/**
 * Sizes of each download.
 * @param {string} root the repository root
 * @param {Record<string, { files: string[] } | null>} entries for each entry point of
 *   our package, the files a page running a trained model with it fetched
 */
export async function downloadSizes(root, entries) {
  const ours = {};
  for (const [entry, measured] of Object.entries(entries)) {
    if (measured) ours[entry] = await measureFiles(root, measured.files);
  }
  return {
    ours,
    tfjsMinimal: await measureFiles(root, TFJS_MINIMAL),
    tfjsFull: await measureFiles(root, TFJS_FULL),
  };
}

async function measureFiles(root, paths) {
  const files = [];
  for (const path of paths) {
    const bytes = await readFile(join(root, path));
    files.push({ path, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  const total = (key) => files.reduce((sum, file) => sum + file[key], 0);
  return { files, raw: total('raw'), gzip: total('gzip') };
}

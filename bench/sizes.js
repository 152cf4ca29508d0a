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
 * Sizes of the three downloads.
 * @param {string} root the repository root
 * @param {string[]} ours the files a page running our trained model fetched,
 *   relative to `root`
 */
export async function downloadSizes(root, ours) {
  return {
    ours: await measureFiles(root, ours),
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

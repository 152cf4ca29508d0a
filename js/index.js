// autoencoder-lab: the package's entry point. It loads the wasm module (in a
// page, a worker or Node) and re-exports the classes and functions of the
// Rust core; `index.d.ts` documents each of them.

import initWasm, { Digits } from './autoencoder_lab.js';

export {
  Autoencoder,
  Digits,
  Trainer,
  corrupt,
  inkFromRgba,
  preprocess,
  presetConfig,
  readIdxImages,
  readIdxLabels,
} from './autoencoder_lab.js';
export { TrainingWorker } from './training-worker.js';

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined
  && typeof window === 'undefined' && typeof self === 'undefined';

let loading = null;

/** Reads a file in Node, fetches it elsewhere; returns its bytes. */
async function readBytes(source) {
  if (isNode && !(typeof source === 'string' && /^https?:/.test(source))) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(source instanceof URL ? source : new URL(source, import.meta.url)));
  }
  const response = await fetch(source);
  if (!response.ok) {
    throw new Error(`could not load ${source}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads the wasm module once; later calls return the same promise.
 * @param {string | URL | BufferSource} [source] where the `.wasm` file is, or its bytes
 * @returns {Promise<void>}
 */
export function init(source) {
  loading ??= (async () => {
    const where = source ?? new URL('./autoencoder_lab_bg.wasm', import.meta.url);
    const bytes = where instanceof URL || typeof where === 'string' ? await readBytes(where) : where;
    await initWasm({ module_or_path: bytes });
  })().catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

/**
 * The 10,000 real MNIST digits shipped with the package (`digits.bin`).
 * @param {string | URL} [source] another copy of the digits file
 * @returns {Promise<Digits>}
 */
export async function loadDigits(source) {
  await init();
  const bytes = await readBytes(source ?? new URL('./digits.bin', import.meta.url));
  return new Digits(bytes);
}

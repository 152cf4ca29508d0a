// autoencoder-lab: the package's entry point. It loads the wasm module (in a
// page, a worker or Node) and re-exports the classes and functions of the
// Rust core; `index.d.ts` documents each of them.

import initWasm, * as glue from './autoencoder_lab.js';
import { guarded, initOnce, readBytes, shown, unreadable } from './load.js';
import { hasRelaxedSimd } from './relaxed.js';

export { TrainingWorker } from './training-worker.js';
export { InferencePool } from './pool.js';

/**
 * Whether `init()` loads the build with relaxed SIMD (fused multiply-adds in
 * training's matrix products, about a fifth faster), which it does wherever
 * the runtime has relaxed SIMD; elsewhere it loads the baseline SIMD build.
 */
export const relaxedSimd = hasRelaxedSimd();

// Two literal URLs, so that bundlers see both files.
const wasmUrl = relaxedSimd
  ? new URL('./autoencoder_lab_relaxed_bg.wasm', import.meta.url)
  : new URL('./autoencoder_lab_bg.wasm', import.meta.url);

/**
 * Loads the wasm module once; later calls return the same promise.
 * @param {string | URL | BufferSource} [source] where the `.wasm` file is, or its bytes
 * @returns {Promise<void>}
 */
export const init = initOnce(initWasm, wasmUrl);

// The classes and functions of the Rust core, each guarded (load.js) so that
// a call before `init()` or on a freed object throws an Error saying so.
export const Autoencoder = guarded(glue.Autoencoder, init);
export const Digits = guarded(glue.Digits, init);
export const Pca = guarded(glue.Pca, init);
export const Probe = guarded(glue.Probe, init);
export const Trainer = guarded(glue.Trainer, init);
export const corrupt = guarded(glue.corrupt, init);
export const fewPerClass = guarded(glue.fewPerClass, init);
export const inkFromRgba = guarded(glue.inkFromRgba, init);
export const pairInputs = guarded(glue.pairInputs, init);
export const pairedImages = guarded(glue.pairedImages, init);
export const pairingModalities = guarded(glue.pairingModalities, init);
export const preprocess = guarded(glue.preprocess, init);
export const presetConfig = guarded(glue.presetConfig, init);
export const probeAccuracy = guarded(glue.probeAccuracy, init);
export const readIdxImages = guarded(glue.readIdxImages, init);
export const readIdxLabels = guarded(glue.readIdxLabels, init);

/**
 * The 10,000 real MNIST digits shipped with the package (`digits.bin`).
 * @param {string | URL} [source] another copy of the digits file
 * @returns {Promise<Digits>}
 */
export async function loadDigits(source) {
  await init();
  const where = source ?? new URL('./digits.bin', import.meta.url);
  if (!(typeof where === 'string' || where instanceof URL) || where === '') {
    const got = typeof where === 'string' ? 'an empty path' : shown(where);
    throw new Error(`loadDigits: \`source\` must be the path or URL of a digits file, got ${got}`
      + (ArrayBuffer.isView(where) ? ' (for the bytes of one, use new Digits(bytes))' : ''));
  }
  const bytes = await readBytes(where).catch((error) => {
    throw new Error(`loadDigits: could not read ${where} (${unreadable(error)})`, { cause: error });
  });
  return new Digits(bytes);
}

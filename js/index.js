// autoencoder-lab: the package's entry point. It loads the wasm module (in a
// page, a worker or Node) and re-exports the classes and functions of the
// Rust core; `index.d.ts` documents each of them.

import initWasm, { Digits } from './autoencoder_lab.js';
import { hasRelaxedSimd, initOnce, readBytes } from './load.js';

export {
  Autoencoder,
  Digits,
  Pca,
  Probe,
  Trainer,
  corrupt,
  fewPerClass,
  inkFromRgba,
  pairInputs,
  pairedImages,
  pairingModalities,
  preprocess,
  presetConfig,
  probeAccuracy,
  readIdxImages,
  readIdxLabels,
} from './autoencoder_lab.js';
export { TrainingWorker } from './training-worker.js';

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

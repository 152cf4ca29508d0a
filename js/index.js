// autoencoder-lab: the package's entry point. It loads the wasm module (in a
// page, a worker or Node) and re-exports the classes and functions of the
// Rust core; `index.d.ts` documents each of them.

import initWasm, { Digits } from './autoencoder_lab.js';
import { initOnce, readBytes } from './load.js';

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
 * Loads the wasm module once; later calls return the same promise.
 * @param {string | URL | BufferSource} [source] where the `.wasm` file is, or its bytes
 * @returns {Promise<void>}
 */
export const init = initOnce(initWasm, new URL('./autoencoder_lab_bg.wasm', import.meta.url));

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

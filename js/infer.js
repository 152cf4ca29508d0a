// autoencoder-lab/infer: the small inference-only build, for pages that run
// trained models without training them: load a model file, encode, decode,
// reconstruct, prepare drawings and add noise. `infer.d.ts` documents it.

import initWasm from './autoencoder_lab_infer.js';
import { initOnce } from './load.js';

export { Autoencoder, corrupt, inkFromRgba, preprocess } from './autoencoder_lab_infer.js';

/**
 * Loads the inference wasm module once; later calls return the same promise.
 * @param {string | URL | BufferSource} [source] where the `.wasm` file is, or its bytes
 * @returns {Promise<void>}
 */
export const init = initOnce(initWasm, new URL('./autoencoder_lab_infer_bg.wasm', import.meta.url));

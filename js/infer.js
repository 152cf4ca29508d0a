// autoencoder-lab/infer: the small inference-only build, for pages that run
// trained models without training them: load a model file, encode, decode,
// reconstruct, prepare drawings and add noise. `infer.d.ts` documents it.

import initWasm, * as glue from './autoencoder_lab_infer.js';
import { guarded, initOnce } from './load.js';

/**
 * Loads the inference wasm module once; later calls return the same promise.
 * @param {string | URL | BufferSource} [source] where the `.wasm` file is, or its bytes
 * @returns {Promise<void>}
 */
export const init = initOnce(initWasm, new URL('./autoencoder_lab_infer_bg.wasm', import.meta.url));

// Guarded (load.js): a call before `init()` or on a freed object throws an
// Error saying so.
export const Autoencoder = guarded(glue.Autoencoder, init,
  'the inference build cannot make models; load one with Autoencoder.fromBytes(bytes)');
export const corrupt = guarded(glue.corrupt, init);
export const inkFromRgba = guarded(glue.inkFromRgba, init);
export const preprocess = guarded(glue.preprocess, init);

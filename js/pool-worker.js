/**
 * A worker of an `InferencePool` (pool.js starts it as a module worker): it
 * holds one model in the inference build and runs the shares of batches it is
 * sent. The inference build gives the same bits as the full package, so a
 * batch split across workers gives the same bits as one `reconstruct` call.
 *
 * Messages in:
 *   { type: 'load', wasm, bytes }           loads the wasm module (`wasm`: a URL
 *                                           or bytes, or null for the default) and
 *                                           the model file `bytes`
 *   { type: 'run', id, op, x, out }         op: 'encode', 'decode' or 'reconstruct';
 *                                           x: a Float32Array of whole rows; out: a
 *                                           Float32Array for the result, or null (a
 *                                           reconstruction is written over x, other
 *                                           results into a new array)
 * Messages out:
 *   { type: 'started' }                     as soon as the script runs
 *   { type: 'loaded', inputSize, codeSize, isEncoderOnly }
 *   { type: 'done', id, x, result }         x and the result go back (buffers
 *                                           transferred), for the pool to reuse
 *   { type: 'error', id, message }          id is null for a failed load
 */
import { init, Autoencoder } from './infer.js';

let model = null;

self.addEventListener('message', ({ data }) => {
  if (data?.type === 'load') load(data);
  else if (data?.type === 'run') runShare(data);
});
self.postMessage({ type: 'started' });

async function load({ wasm, bytes }) {
  try {
    await init(wasm ?? undefined);
    model = Autoencoder.fromBytes(bytes);
    self.postMessage({
      type: 'loaded',
      inputSize: model.inputSize,
      codeSize: model.codeSize,
      isEncoderOnly: model.isEncoderOnly,
    });
  } catch (error) {
    self.postMessage({ type: 'error', id: null, message: error.message });
  }
}

function runShare({ id, op, x, out }) {
  try {
    // A reconstruction has its input's shape: it is written over `x`.
    let result = out ?? (op === 'reconstruct' ? x : null);
    if (result) model[`${op}Into`](x, result);
    else result = model[op](x);
    const buffers = result.buffer === x.buffer ? [x.buffer] : [x.buffer, result.buffer];
    self.postMessage({ type: 'done', id, x, result }, buffers);
  } catch (error) {
    self.postMessage({ type: 'error', id, message: error.message });
  }
}

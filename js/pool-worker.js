/**
 * A worker of an `InferencePool` (pool.js starts it as a module worker): it
 * holds one model in the inference build and runs the shares of batches it is
 * sent. The inference build gives the same bits as the full package, so a
 * batch split across workers gives the same bits as one `reconstruct` call.
 *
 * Messages in:
 *   { type: 'load', wasm, fused, bytes }    loads the wasm module (`wasm`: a URL
 *                                           or bytes, or null for the default: the
 *                                           fused build if `fused` and the runtime
 *                                           has relaxed SIMD) and the model file
 *   { type: 'run', id, op, x, out, barrier, count }
 *                                           op: 'encode', 'decode' or 'reconstruct';
 *                                           x: a Float32Array of whole rows; out: a
 *                                           Float32Array for the result, or null (a
 *                                           reconstruction is written over an
 *                                           unshared x, other results into a new
 *                                           array). An `out` in shared memory is
 *                                           written only once all `count` shares
 *                                           meeting at `barrier` have a result.
 * Messages out:
 *   { type: 'started' }                     as soon as the script runs
 *   { type: 'loaded', inputSize, codeSize, isEncoderOnly, fused }
 *   { type: 'done', id, x, result }         x and the result go back (unshared
 *                                           buffers transferred), for the pool to
 *                                           reuse
 *   { type: 'error', id, message }          id is null for a failed load
 */
import { init, Autoencoder } from './infer.js';
import { fusedInference } from './autoencoder_lab_infer.js';
import { ARRIVED, CANCELLED, COMMITTED, FAILED, OPEN, STATE } from './pool-barrier.js';
import { hasRelaxedSimd } from './relaxed.js';

let model = null;
/** Where a result for an `out` in shared memory waits for the other shares. */
let held = new Float32Array(0);


self.addEventListener('message', ({ data }) => {
  if (data?.type === 'load') load(data);
  else if (data?.type === 'run') runShare(data);
});
self.postMessage({ type: 'started' });

async function load({ wasm, fused, bytes }) {
  try {
    // A literal `new URL(..., import.meta.url)`, as bundlers look for.
    const fusedBuild = new URL('./autoencoder_lab_infer_fused_bg.wasm', import.meta.url);
    await init(wasm ?? (fused && hasRelaxedSimd() ? fusedBuild : undefined));
    model = Autoencoder.fromBytes(bytes);
    self.postMessage({
      type: 'loaded',
      inputSize: model.inputSize,
      codeSize: model.codeSize,
      isEncoderOnly: model.isEncoderOnly,
      // The module's own word: a `wasm` given may be either build.
      fused: fusedInference(),
    });
  } catch (error) {
    self.postMessage({ type: 'error', id: null, message: error.message });
  }
}

function runShare({ id, op, x, out, barrier, count }) {
  if (out && isShared(out)) {
    runIntoShared(id, op, x, out, barrier, count);
    return;
  }
  try {
    // A reconstruction has its input's shape: it is written over `x`, unless
    // `x` is the caller's own (shared) memory.
    let result = out ?? (op === 'reconstruct' && !isShared(x) ? x : null);
    if (result) model[`${op}Into`](x, result);
    else result = model[op](x);
    const buffers = [...new Set([x, result].filter((a) => !isShared(a)).map((a) => a.buffer))];
    self.postMessage({ type: 'done', id, x, result }, buffers);
  } catch (error) {
    self.postMessage({ type: 'error', id, message: error.message });
  }
}

/**
 * A share whose `out` is the caller's shared memory: the result is held here
 * until every share of the call has one, and written only if none failed,
 * so that a failed call leaves `out` as it was.
 */
function runIntoShared(id, op, x, out, barrier, count) {
  let failure = null;
  try {
    if (held.length < out.length) held = new Float32Array(out.length);
    model[`${op}Into`](x, held.subarray(0, out.length));
  } catch (error) {
    failure = error;
  }
  if (failure) Atomics.store(barrier, FAILED, 1);
  if (Atomics.add(barrier, ARRIVED, 1) + 1 === count) {
    const verdict = Atomics.load(barrier, FAILED) === 0 ? COMMITTED : CANCELLED;
    Atomics.compareExchange(barrier, STATE, OPEN, verdict);
    Atomics.notify(barrier, STATE);
  } else {
    // Shares of one call go to different workers, each taking its calls in
    // order, so the others are on their way here (or the pool cancels).
    while (Atomics.load(barrier, STATE) === OPEN) Atomics.wait(barrier, STATE, OPEN);
  }
  if (failure) {
    self.postMessage({ type: 'error', id, message: failure.message });
    return;
  }
  if (Atomics.load(barrier, STATE) === COMMITTED) out.set(held.subarray(0, out.length));
  // A copied `x` goes back for reuse.
  const copied = isShared(x) ? null : x;
  self.postMessage({ type: 'done', id, x: copied, result: null }, copied ? [copied.buffer] : []);
}

function isShared(array) {
  return Object.prototype.toString.call(array.buffer) === '[object SharedArrayBuffer]';
}

/**
 * autoencoder-lab/pool: one trained model in several Web Workers, each large
 * batch split among them by rows, so that it runs on every core while the
 * page's thread stays free. Pages and workers only (not Node).
 */

export interface InferencePoolOptions {
  /** Workers to start, 1 to 16; by default the cores the browser reports, at most 4. */
  workers?: number;
  /** Where `pool-worker.js` is; by default beside `pool.js`. */
  workerUrl?: string | URL;
  /**
   * Run the inference build whose products and sigmoid use fused
   * multiply-adds (wasm relaxed SIMD), where the runtime has relaxed SIMD
   * (`pool.fused` says whether it was loaded): about a fifth less work per
   * row, but each value differs a little from the model's own (under 1e-5
   * for digits in [0, 1]; more where the sums are larger), and may differ
   * from one CPU to another. Within that build a row gets the same bits
   * alone or in any batch. Default false.
   */
  fused?: boolean;
  /**
   * Where the inference build's `.wasm` is (a relative URL is read against the
   * page's), or its bytes; by default `autoencoder_lab_infer_bg.wasm` beside
   * the package's files, or with `fused`, `autoencoder_lab_infer_fused_bg.wasm`.
   * The file given here is loaded whatever `fused` says (give the fused file
   * to fuse); `pool.fused` tells which build it was.
   */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView;
}

/**
 * A trained model in Web Workers. Each row's result has the same bits as
 * `Autoencoder.reconstruct` (either build) gives it, unless `fused`. A batch
 * under 128 rows goes to one worker: each call costs a message to a worker
 * and back (tens of µs), so give it whole batches, not one row per call. The
 * input is copied when the call is made: changing it afterwards changes
 * nothing.
 *
 * On a cross-origin-isolated page, arrays on a `SharedArrayBuffer` are not
 * copied: the workers read such an input in place while the call runs (leave
 * it unchanged until the call settles), and write such an `out` in place
 * (still only once every share has its result, and not at all on an error).
 * This leaves the page's thread nothing to do during a batch, and is the
 * fastest way to run one. Elsewhere, shared memory cannot be sent to a
 * worker, and such arrays are copied like any other.
 * Every failure rejects with an `Error` whose message names the call, as the
 * model's own would (`InferencePool.reconstruct: input value at index 7 is
 * NaN or infinite`). The pool keeps the buffers of its last shares for the
 * next ones (about twice the largest batch) until `terminate()`, which every
 * pool needs once it is no longer used: its workers live until then.
 */
export class InferencePool {
  private constructor();
  /** Starts the workers and loads the model file in each (rejects if one cannot). */
  static create(modelBytes: Uint8Array | ArrayBuffer, options?: InferencePoolOptions): Promise<InferencePool>;
  readonly workers: number;
  readonly inputSize: number;
  readonly codeSize: number;
  readonly isEncoderOnly: boolean;
  /** True where the workers run the fused build, as the loaded module itself says. */
  readonly fused: boolean;
  /** `[n, inputSize]` → `[n, codeSize]`. */
  encode(x: Float32Array): Promise<Float32Array>;
  /** `[n, codeSize]` → `[n, inputSize]`. */
  decode(code: Float32Array): Promise<Float32Array>;
  /** `decode(encode(x))` */
  reconstruct(x: Float32Array): Promise<Float32Array>;
  /**
   * Into `out`, a Float32Array of the result's length that the caller keeps
   * (it may be the input itself): written once every share is done, and left
   * as it was on any error. A wrong `out` rejects before any work.
   */
  encodeInto(x: Float32Array, out: Float32Array): Promise<void>;
  decodeInto(code: Float32Array, out: Float32Array): Promise<void>;
  reconstructInto(x: Float32Array, out: Float32Array): Promise<void>;
  /**
   * Ends the workers: calls in flight reject, and so does every later call;
   * but a call already writing its results into a shared `out` finishes
   * first, and resolves (its `out` is never left half written).
   */
  terminate(): void;
}

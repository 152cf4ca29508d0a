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
   * Run the inference build whose products use fused multiply-adds (wasm
   * relaxed SIMD), where the runtime has relaxed SIMD (`pool.fused` says
   * whether it was loaded): about a fifth faster, but each value's last bits
   * differ from the model's own (by a few units in the last place), and from
   * one CPU to another. Default false.
   */
  fused?: boolean;
  /**
   * Where the inference build's `.wasm` is (a relative URL is read against the
   * page's), or its bytes; by default `autoencoder_lab_infer_bg.wasm` beside
   * the package's files, or with `fused`, `autoencoder_lab_infer_fused_bg.wasm`
   * (give that file here to fuse: the pool loads the `wasm` given as it is).
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
 * fastest way to run one.
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
  /** True where the workers run the fused build (`fused: true` on a runtime with relaxed SIMD). */
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
  /** Ends the workers: calls in flight reject, and so does every later call. */
  terminate(): void;
}

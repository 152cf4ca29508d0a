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
   * Where the inference build's `.wasm` is (a relative URL is read against the
   * page's), or its bytes; by default `autoencoder_lab_infer_bg.wasm` beside
   * the package's files.
   */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView;
}

/**
 * A trained model in Web Workers. Each row's result has the same bits as
 * `Autoencoder.reconstruct` (either build) gives it. A batch under 128 rows
 * goes to one worker: each call costs a message to a worker and back (tens of
 * µs), so give it whole batches, not one row per call. The input is copied
 * when the call is made: changing it afterwards changes nothing.
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

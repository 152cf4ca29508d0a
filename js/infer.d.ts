/**
 * autoencoder-lab/infer: the inference-only build (about 73 KB gzipped, a
 * quarter of the full package's download). It loads model files written by the full package, the
 * command line or PyTorch, and runs them; it cannot train. Every failure
 * throws an `Error` whose message names the problem. For a large batch on
 * every core, `InferencePool` from `autoencoder-lab/pool` runs this build in
 * Web Workers.
 */

export type { Corruption, ModelConfig } from './index.js';
import type { Corruption } from './index.js';

/** Load the inference wasm module (fetched beside this file in a page, read from disk in Node). */
export function init(source?: string | URL | ArrayBuffer | ArrayBufferView): Promise<void>;

/** A trained model, read from a safetensors model file. */
export class Autoencoder {
  private constructor();
  static fromBytes(bytes: Uint8Array): Autoencoder;
  readonly inputSize: number;
  readonly codeSize: number;
  readonly parameterCount: number;
  readonly isEncoderOnly: boolean;
  /** `[n, inputSize]` → `[n, codeSize]`. */
  encode(x: Float32Array): Float32Array;
  /** `[n, codeSize]` → `[n, inputSize]`. */
  decode(code: Float32Array): Float32Array;
  /** `decode(encode(x))` */
  reconstruct(x: Float32Array): Float32Array;
  /**
   * `encode`, `decode` and `reconstruct` into `out`, a Float32Array of the result's length
   * that the caller keeps and reuses: no new array per call (for a batch of 1,000 digits,
   * no fresh 3 MB for the engine to allocate and zero). `out` may be the input itself. A wrong `out` (not a Float32Array, or not that length) throws before any
   * work; on any error `out` is left as it was.
   */
  encodeInto(x: Float32Array, out: Float32Array): void;
  decodeInto(code: Float32Array, out: Float32Array): void;
  reconstructInto(x: Float32Array, out: Float32Array): void;
  weights(part: 'encoder' | 'decoder', layer: number): Float32Array;
  encoderOnly(): Autoencoder;
  /** A multimodal model's modalities in input order, with where each starts; [] otherwise. */
  modalities(): { name: string; offset: number; size: number; loss: 'mse' | 'bce' | 'crossEntropy' }[];
  toString(): string;
  clone(): Autoencoder;
  free(): void;
}

/** See `preprocess` in the full package. */
export function preprocess(ink: Float32Array, width: number, height: number): Float32Array;

/** Ink in [0, 1] from canvas RGBA pixels: the alpha channel / 255. */
export function inkFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Float32Array;

/** A corrupted copy of `x` (values in [0, 1]), seeded. */
export function corrupt(x: Float32Array, corruption: Corruption, seed: number): Float32Array;

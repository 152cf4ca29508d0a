/**
 * autoencoder-lab: four kinds of autoencoder that train and run in the browser.
 *
 * Every function and method that can fail throws an `Error` whose message
 * names what was wrong (a config field, a shape, a file part), a wrong
 * argument after the call it was given to: "pairInputs: `labels[0]` is 10,
 * not a digit from 0 to 9". Numbers and flags are taken as given, not
 * converted: `null`, `true` or `'5'` where a number (a count, a seed, a size)
 * or a flag belongs throws, naming the argument. Values (pixels, codes,
 * features) belong in a `Float32Array`; a plain array there is copied if it
 * holds numbers only, and throws if it holds anything else (`null`, `true`,
 * `'0.5'`), as does a typed array of another kind (a canvas's bytes, a
 * `Float64Array`), which would be converted value by value. Bytes (a model file, an IDX file, canvas pixels)
 * must be a `Uint8Array` (or `Uint8ClampedArray`); for labels see `Labels`.
 */

/** The four named kinds; each is a preset of one objective. */
export type Kind = 'undercomplete' | 'sparse' | 'denoising' | 'contractive';

export type Activation = 'sigmoid' | 'relu' | 'tanh' | 'identity';

/** One dense layer: `y = activation(x Wᵀ + b)`, W shaped `[units, in]`. */
export interface LayerSpec {
  units: number;
  activation: Activation;
}

export type Corruption =
  | { kind: 'gaussian'; level: number } // x + level·N(0,1), clamped to [0, 1]
  | { kind: 'masking'; level: number } // each pixel set to 0 with probability level
  | { kind: 'saltPepper'; level: number }; // each pixel set to 0 or 1 with probability level

export type Sparsity =
  | { kind: 'l1'; weight: number } // weight · mean |h|
  | { kind: 'kl'; target: number; weight: number }; // weight · Σ_j KL(target ‖ mean_batch h_j)

/** What training minimises. The four kinds are presets; combinations are allowed. */
export interface Objective {
  /** 'mse' (mean over all elements) or 'bce' (from logits; needs a sigmoid output). */
  loss: 'mse' | 'bce';
  corruption?: Corruption | null;
  sparsity?: Sparsity | null;
  /** weight · batch mean of ‖∂h/∂x‖²_F */
  contraction?: { weight: number } | null;
  /**
   * Multimodal models only: the probability that a training sample keeps
   * just one of its modalities (chosen uniformly), the others set to zero,
   * so the model learns to rebuild a missing modality. Applied after `corruption`.
   */
  modalityDropout?: number | null;
}

/**
 * One modality of a multimodal model: a named block of the input vector (and
 * of the output). The input is the modalities side by side, in order; a
 * missing modality is given as zeros. Each modality has its own encoder head
 * (its columns of the first layer's weights) and decoder head (its rows of
 * the last layer), and all heads meet in one shared code.
 */
export interface Modality {
  name: string; // letters, digits, '_' or '-'
  size: number;
  /**
   * This block's loss; default: the objective's. 'crossEntropy' makes the
   * block's outputs a softmax (for a one-hot label).
   */
  loss?: 'mse' | 'bce' | 'crossEntropy';
  /** Weight of this block's loss in the sum; default 1. */
  weight?: number;
}

/**
 * Class labels, one per row: a `Uint8Array`, or a plain (or typed) array of
 * whole numbers from 0 to 255; anything else throws, naming the label
 * (`labels[3] must be a whole number from 0 to 255, got 300`).
 */
export type Labels = Uint8Array | readonly number[];

/** The built-in pairings of the digits: image with one-hot label, or left and right halves. */
export type Pairing = 'image-label' | 'halves';

export interface ModelConfig {
  /** Length of one input sample; 784 for 28×28 digits. */
  inputSize: number;
  /** Encoder layers; the last one's units are the code size. */
  encoder: LayerSpec[];
  /** Decoder layers; the last one's units must equal inputSize. */
  decoder: LayerSpec[];
  /** 'glorot' (uniform) or 'he' (uniform); default 'glorot'. */
  init?: 'glorot' | 'he';
  /** Seed of the weight initialisation; default 0. */
  seed?: number;
  objective: Objective;
  /** The blocks of a multimodal input (two or more; their sizes add up to inputSize). */
  modalities?: Modality[];
}

export interface PresetOptions {
  inputSize?: number; // default 784
  codeSize?: number; // default 32
  /** Activation of the code and hidden layers: default 'relu', or 'sigmoid' with `target`. */
  codeActivation?: Activation;
  hidden?: number[]; // hidden layer sizes between input and code, default []
  seed?: number;
  /** Penalty weight: L1 weight (sparse) or λ (contractive); an Error for the other kinds. */
  weight?: number;
  /** KL sparsity instead of L1 (sparse only): target activation ρ (with `weight` as β). */
  target?: number;
  /** The noise of the denoising kind (an Error for the other kinds). */
  corruption?: Corruption;
  loss?: 'mse' | 'bce';
  /** A multimodal model: inputSize defaults to the sum of their sizes. */
  modalities?: Modality[];
  /** Default 0.5 when there are modalities. */
  modalityDropout?: number;
}

export type Optimizer =
  | { kind: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }
  | { kind: 'sgd'; learningRate?: number; momentum?: number; weightDecay?: number };

export interface TrainOptions {
  optimizer?: Optimizer; // default Adam, learningRate 1e-3
  batchSize?: number; // default 64
  seed?: number; // shuffling and corruption; default 0
  shuffle?: boolean; // default true
}

/** Progress after a call to `Trainer.step`. */
export interface Progress {
  step: number; // steps done in total
  epoch: number; // whole epochs done (fractional part in `epochProgress`)
  epochProgress: number;
  reconstruction: number; // mean reconstruction loss over the steps of this call
  penalty: number; // mean penalty over the steps of this call
  loss: number; // reconstruction + penalty
  examplesPerSecond: number;
}

export interface Evaluation {
  reconstruction: number;
  penalty: number;
  loss: number;
}

/**
 * Load the wasm module. In a page it is fetched beside this file; in Node read from disk.
 * By default that is `autoencoder_lab_relaxed_bg.wasm` where the runtime has relaxed SIMD
 * (see `relaxedSimd`), `autoencoder_lab_bg.wasm` elsewhere; `source` picks another.
 */
export function init(source?: string | URL | ArrayBuffer | ArrayBufferView): Promise<void>;

/**
 * True where the runtime's WebAssembly has relaxed SIMD, and `init()` therefore loads the
 * build whose matrix products use fused multiply-adds (training about a fifth faster).
 * Both builds compute the same things; fused and unfused rounding differ in the last bits of
 * trained weights. Inference gives the same bits in both.
 */
export const relaxedSimd: boolean;

/** A full config for one of the four kinds, ready for `new Autoencoder(config)`. */
export function presetConfig(kind: Kind, options?: PresetOptions): ModelConfig;

/**
 * Make a drawn image look like an MNIST digit: crop to the ink, fit a 20×20 box
 * keeping aspect, put the centre of mass at the centre of 28×28.
 * `ink` is `[height, width]` row-major, values in [0, 1] (1 = ink).
 * A blank image gives 784 zeros.
 */
export function preprocess(ink: Float32Array, width: number, height: number): Float32Array;

/** Ink in [0, 1] from canvas RGBA pixels: the alpha channel / 255. */
export function inkFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Float32Array;

/** A corrupted copy of `x` (any length, values in [0, 1]), seeded. */
export function corrupt(x: Float32Array, corruption: Corruption, seed: number): Float32Array;

/**
 * Images of an IDX file (MNIST or Fashion-MNIST format, plain or gzip), checked
 * for magic number, type, dimensions and length. Files over 256 MB are refused.
 */
export function readIdxImages(bytes: Uint8Array): {
  images: Float32Array; // [count, rows·cols] in [0, 1]
  count: number;
  rows: number;
  cols: number;
};

/** Labels of an IDX file (plain or gzip). */
export function readIdxLabels(bytes: Uint8Array): Uint8Array;

/** The 10,000 real MNIST digits with a fixed train / test split. */
export class Digits {
  /** Parses a digits file (`digits.bin`, as the package ships it: gzip-compressed, or plain). */
  constructor(bytes: Uint8Array);
  readonly trainCount: number;
  readonly testCount: number;
  /** Images of a split, `[count, 784]` in [0, 1]. */
  images(split: 'train' | 'test'): Float32Array;
  labels(split: 'train' | 'test'): Uint8Array;
  /** One image, 784 values in [0, 1]. */
  image(split: 'train' | 'test', index: number): Float32Array;
  label(split: 'train' | 'test', index: number): number;
  free(): void;
}

/** Fetch (page) or read (Node) `digits.bin` shipped with the package and parse it. */
export function loadDigits(source?: string | URL): Promise<Digits>;

export class Autoencoder {
  constructor(config: ModelConfig);
  /** Read a safetensors model file. */
  static fromBytes(bytes: Uint8Array): Autoencoder;
  /** Write a safetensors model file (weights and the config as metadata). */
  toBytes(): Uint8Array;
  readonly inputSize: number;
  readonly codeSize: number;
  readonly parameterCount: number;
  config(): ModelConfig;
  /**
   * `x` holds one or more samples back to back: `[n, inputSize]` → `[n, codeSize]`.
   * Throws an Error for a length that is no multiple of `inputSize`, for NaN or ±∞ in `x`,
   * and when a sum in the model overflows float32 (enormous inputs or weights); so do
   * `decode` and `reconstruct`.
   */
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
  /** Loss of the model on clean samples `[n, inputSize]` (no corruption). */
  evaluate(x: Float32Array): Evaluation;
  /** Weights of one layer, `[units, in]` row-major, for drawing filters. */
  weights(part: 'encoder' | 'decoder', layer: number): Float32Array;
  /** The encoder alone, as a model that gives the same codes (save it with `toBytes`). */
  encoderOnly(): Autoencoder;
  /** A multimodal model's modalities in input order, with where each starts; [] otherwise. */
  modalities(): { name: string; offset: number; size: number; loss: 'mse' | 'bce' | 'crossEntropy' }[];
  /** True for an exported encoder: it encodes, but cannot decode, reconstruct or train. */
  readonly isEncoderOnly: boolean;
  /** Layers and parameter count, one layer a line. */
  toString(): string;
  clone(): Autoencoder;
  free(): void;
}

export class Trainer {
  /** Copies the model and the data (`[n, inputSize]`) into wasm memory once. */
  constructor(model: Autoencoder, images: Float32Array, options?: TrainOptions);
  /**
   * Advance `steps` (a whole number up to 1,000,000) mini-batch steps; throws,
   * keeping the last good weights, on a non-finite loss. The count is
   * required: `step()`, `step(null)` and `step('5')` throw.
   */
  step(steps: number): Progress;
  readonly stepCount: number;
  readonly stepsPerEpoch: number;
  /** A copy of the current model. */
  model(): Autoencoder;
  /** Per-step losses so far. */
  history(): { reconstruction: Float32Array; penalty: Float32Array };
  free(): void;
}

/** The modalities of a built-in pairing, for `presetConfig`'s `modalities` option. */
export function pairingModalities(pairing: Pairing): Modality[];

/**
 * Model inputs for 28×28 images `[n, 784]` and their labels (one per image;
 * 'halves' ignores them): `[n, 794]` (image, one-hot label) or `[n, 784]`
 * (left half 28×14, right half 28×14). A modality not kept is all zeros: the
 * model rebuilds it from the other.
 */
export function pairInputs(
  pairing: Pairing,
  images: Float32Array,
  labels: Labels,
  keepFirst: boolean,
  keepSecond: boolean,
): Float32Array;

/** The 28×28 images inside paired model outputs: the image block, or the halves side by side. */
export function pairedImages(pairing: Pairing, outputs: Float32Array): Float32Array;

/**
 * How a probe is fitted: Adam on the mean cross-entropy plus l2/2·‖W‖², for
 * `epochs` passes over the data or at least `minSteps` steps.
 */
export interface ProbeOptions {
  epochs?: number; // default 20
  minSteps?: number; // default 300
  batchSize?: number; // default 64
  learningRate?: number; // default 0.003
  l2?: number; // default 1e-4
  seed?: number; // default 0: shuffling, and which rows fewPerClass-style fits use
}

/**
 * A linear softmax classifier on frozen features: an encoder's codes (a
 * "linear probe") or raw pixels. Features are centred and divided by their
 * root-mean-square spread, both taken from the fitting data.
 */
export class Probe {
  /** Fits `features: [n, width]` to `labels` (one per row, each below `classes`). */
  constructor(features: Float32Array, width: number, labels: Labels, classes: number, options?: ProbeOptions);
  readonly classes: number;
  readonly width: number;
  /** `[n, width]` → `[n, classes]`, each row summing to 1. */
  probabilities(features: Float32Array): Float32Array;
  predict(features: Float32Array): Uint32Array;
  /** Fraction of rows whose most probable class is their label. */
  accuracy(features: Float32Array, labels: Labels): number;
  free(): void;
}

/**
 * Test accuracy of a probe fitted on `perClass` rows of each class of the
 * training features (drawn with `options.seed`), or on every row when
 * `perClass` is undefined.
 */
export function probeAccuracy(
  trainFeatures: Float32Array,
  trainLabels: Labels,
  testFeatures: Float32Array,
  testLabels: Labels,
  width: number,
  classes: number,
  perClass?: number,
  options?: ProbeOptions,
): number;

/** Indices of `perClass` rows of each label, drawn with `seed`, in increasing order. */
export function fewPerClass(labels: Labels, perClass: number, seed: number): Uint32Array;

/** Principal components of features: the directions of largest variance. */
export class Pca {
  /** The first `components` (1 to 16) components of `features: [n, width]`. */
  constructor(features: Float32Array, width: number, components: number);
  /** `[n, width]` → `[n, components]` coordinates. */
  project(features: Float32Array): Float32Array;
  /** Variance along each component, largest first. */
  readonly variances: Float64Array;
  /** `[components, width]`, unit rows. */
  readonly components: Float32Array;
  free(): void;
}

/** A probe run in a `TrainingWorker`, on the built-in digits (train part fits, test part scores). */
export interface ProbeJob {
  /** The model whose encoder gives the codes (omit to measure pixels only). */
  modelBytes?: Uint8Array;
  /**
   * For a multimodal model: its pairing. With 'image-label' the codes come from
   * the image alone (the label left out); with 'halves', from both halves.
   */
  pairing?: Pairing;
  /** Also measure raw pixels. */
  pixels?: boolean;
  /** Labels per class to fit on; null for all. Default [10, 100, null]. */
  perClass?: (number | null)[];
  options?: ProbeOptions;
}

/** Test accuracies, one per entry of `perClass`. */
export interface ProbeResult {
  perClass: (number | null)[];
  codes?: number[];
  pixels?: number[];
}

export interface WorkerProgress extends Progress {
  type: 'progress';
}

export interface TrainingJob {
  /** Start from these model bytes, or a fresh model from this config. */
  modelBytes?: Uint8Array;
  config?: ModelConfig;
  options?: TrainOptions;
  /** Train on these images `[n, inputSize]`; default: the built-in train digits. */
  images?: Float32Array;
  /**
   * Train a multimodal model on the built-in train digits paired this way
   * (see `pairInputs`); not together with `images`.
   */
  pairing?: Pairing;
  steps?: number; // total steps to run (or use epochs)
  epochs?: number;
  /** Steps per chunk between progress messages (pause and cancel wait for its end); 1 to 1000, default 20. */
  chunk?: number;
}

/**
 * Trains in a Web Worker so the page never blocks.
 * `train` resolves with the trained model's bytes; it rejects with an Error on
 * failure or on `cancel()`.
 */
export class TrainingWorker {
  constructor(options?: { workerUrl?: string | URL });
  onprogress: ((progress: WorkerProgress) => void) | null;
  train(job: TrainingJob): Promise<Uint8Array>;
  /** Measures a linear classifier on a model's codes and on pixels, off the main thread. */
  probe(job: ProbeJob): Promise<ProbeResult>;
  /** Loads the wasm module and the built-in digits in the worker now: later jobs need no network. */
  prepare(): Promise<null>;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Ends the worker; a running job rejects. */
  terminate(): void;
}

/**
 * A trained model in several Web Workers, each large batch split among them
 * (pool.d.ts; also `autoencoder-lab/pool`, which loads no more than it needs).
 */
export { InferencePool } from './pool.js';
export type { InferencePoolOptions } from './pool.js';

/**
 * autoencoder-lab/widgets: importing this module defines the custom elements
 * below. Each is configured by attributes (see its file in widgets/ and the
 * README); these classes are exported for `instanceof` checks and subclassing.
 */
import type { Autoencoder, ModelConfig, Pairing, ProbeResult } from './index.js';

/** `<ae-model>`: one model that several widgets share, and the digit shown. */
export class AeModel extends HTMLElement {
  /** Resolves once the first model is in place. */
  readonly ready: Promise<void>;
  /** The model now (owned by the element: do not free it), or null while loading. */
  readonly model: Autoencoder | null;
  /** The digit shown (784 values in [0, 1]), or null. */
  readonly input: Float32Array | null;
  readonly pairing: Pairing | null;
  readonly startsTrained: boolean;
  setInput(digit: ArrayLike<number> | null): void;
  /** Puts `model` in place (the element then owns it) and frees the previous one. */
  replaceModel(model: Autoencoder): void;
  /** The config the element's attributes describe (what `<ae-trainer>` trains). */
  config(): ModelConfig;
  encodeDigits(digits: Float32Array): Float32Array;
  reconstructDigits(digits: Float32Array): Float32Array;
}

/** The base of every widget: finds its `<ae-model>` by `model="id"` or as an ancestor. */
export class ModelView extends HTMLElement {
  readonly hub: AeModel | undefined;
  readonly hubs: AeModel[];
}

export class AePad extends ModelView {
  showRandomDigit(): Promise<void>;
  showDigit(digit: ArrayLike<number>): void;
}
export class AeReconstruction extends ModelView {}
export class AeCode extends ModelView {}
export class AeNoise extends ModelView {
  readonly corruption: { kind: string; level: number };
}
export class AeFilters extends ModelView {}
export class AeTrainer extends ModelView {
  readonly epochs: number;
  /** Resolves once its worker has loaded the wasm module and the digits (or failed to). */
  readonly prepared: Promise<void>;
  /** Trains a fresh model as the `<ae-model>` describes it; resolves when it is in place. */
  train(): Promise<void>;
}
export class AeCodeMap extends ModelView {
  readonly picked: number;
  pick(index: number): void;
  pointOf(index: number): { x: number; y: number; label: number };
}
export class AeLabel extends ModelView {
  readonly probabilities: Float32Array | null;
  readonly imagined: Float32Array | null;
  imagine(label: number): void;
}
export class AeHalves extends ModelView {
  readonly hiddenHalf: 'left' | 'right';
  readonly rebuilt: Float32Array | null;
}
export class AeProbe extends ModelView {
  readonly result: ProbeResult | null;
  /** Resolves once its worker has loaded the wasm module and the digits (or failed to). */
  readonly prepared: Promise<void>;
  measure(): Promise<ProbeResult | null>;
}

// The pieces the widgets are drawn with, for pages that build views of their own.

/** Strokes on a canvas (mouse, touch, pen), undone one at a time; ink in the alpha channel. */
export class DrawingPad {
  constructor(canvas: HTMLCanvasElement, onChange: () => void);
  readonly canvas: HTMLCanvasElement;
  readonly isEmpty: boolean;
  rgba(): Uint8ClampedArray;
  clear(): void;
  undo(): void;
  /** Shows a `size`×`size` grayscale image (values in [0, 1]) in place of the strokes. */
  showImage(values: ArrayLike<number>, size: number): void;
}

/** A live loss curve: reconstruction, with the penalty stacked on top, against epochs. */
export class LossChart {
  constructor(canvas: HTMLCanvasElement,
    colours?: () => { reconstruction: string; penalty: string; text: string });
  reset(epochs: number): void;
  add(progress: { epoch: number; epochProgress: number; reconstruction: number; penalty: number }): void;
  draw(): void;
}

/** Values in [0, 1], white on black, one per canvas pixel. */
export function drawDigit(canvas: HTMLCanvasElement, values: ArrayLike<number>): void;
/** A 28×28 digit whose `hidden` half was rebuilt, that half tinted blue. */
export function drawHalves(canvas: HTMLCanvasElement, values: ArrayLike<number>,
  hidden: 'left' | 'right'): void;
/** Weights of any sign: light positive, dark negative, grey zero. */
export function drawWeights(canvas: HTMLCanvasElement, weights: ArrayLike<number>): void;
/** One bar per value; `highlight` marks one bar in `highlightColour`. */
export function drawBars(canvas: HTMLCanvasElement, values: ArrayLike<number>,
  colours: { bar: string; axis: string; highlight?: number; highlightColour?: string }): void;
/** Sizes a canvas's buffer to its CSS box × devicePixelRatio; null while not laid out. */
export function fitCanvas(canvas: HTMLCanvasElement):
  { context: CanvasRenderingContext2D; width: number; height: number } | null;

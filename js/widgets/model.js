/**
 * `<ae-model>`: one autoencoder that several widgets share. It shows nothing
 * itself; widgets name it (`model="its id"`) or sit inside it. It also holds
 * the digit being looked at, so one pad feeds every view of the model.
 *
 * Attributes (all optional):
 *   kind          undercomplete (default), sparse, denoising or contractive
 *   pretrained    start from the package's ready model of this kind (trained with
 *                 the kind's default settings: code 32; sparse with `target` is
 *                 the KL model, ρ 0.05, β 0.1); the attributes below then say
 *                 what a retrain trains
 *   src           start from this model file (safetensors) instead
 *   code-size     units of the code h (default 32; 64 with a pairing)
 *   weight        L1 weight (sparse), β with `target` (sparse), or λ (contractive)
 *   target        KL sparsity target ρ (makes the code sigmoid)
 *   noise, noise-level   the corruption a denoising model trains with:
 *                 gaussian, masking or saltPepper, and its level
 *   pairing       image-label or halves: a multimodal model of the digits (with
 *                 `pretrained`, the ready shared-code model, which is
 *                 undercomplete whatever `kind` says until it is retrained)
 *   seed          seed of the fresh weights (default 1)
 * Without `pretrained` or `src` the model is fresh (untrained), rebuilt at once
 * whenever an attribute changes.
 *
 * Events: `modelchange` (a new model is in place), `inputchange` (a new digit),
 * `configchange` (an attribute that describes the model changed), `modelerror`
 * (`detail.message` says what failed).
 */
import {
  Autoencoder, init, loadDigits, pairInputs, pairedImages, pairingModalities, presetConfig,
} from '../index.js';
import { readBytes } from '../load.js';
import { numberAttribute } from './view.js';

const CONFIG_ATTRIBUTES = ['kind', 'code-size', 'weight', 'target', 'noise', 'noise-level',
  'pairing', 'seed'];
const KINDS = ['undercomplete', 'sparse', 'denoising', 'contractive'];
const PAIRINGS = ['image-label', 'halves'];
const NOISES = ['gaussian', 'masking', 'saltPepper'];

let digitsLoading = null;

/** The package's built-in digits, loaded once for every widget of the page. */
export function sharedDigits() {
  digitsLoading ??= loadDigits().catch((error) => {
    digitsLoading = null;
    throw error;
  });
  return digitsLoading;
}

export class AeModel extends HTMLElement {
  static observedAttributes = [...CONFIG_ATTRIBUTES, 'pretrained', 'src'];

  #model = null;
  #input = null;
  #loads = 0;
  #started = false;
  #resolveReady;
  #rejectReady;

  constructor() {
    super();
    /** Resolves once the first model is in place; rejects if the first load fails. */
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // Widgets report a failed load themselves: the rejection needs no handler.
    this.ready.catch(() => {});
  }

  connectedCallback() {
    if (this.#started) return;
    this.#started = true;
    this.#load();
  }

  attributeChangedCallback(name, before, after) {
    if (!this.#started || before === after) return;
    if (CONFIG_ATTRIBUTES.includes(name)) this.dispatchEvent(new Event('configchange'));
    if (!this.startsTrained || name === 'src' || name === 'pretrained') this.#load();
  }

  /** The model now, or null while the first one loads. Do not free it. */
  get model() {
    return this.#model;
  }

  /** The digit being looked at (784 values in [0, 1]), or null. */
  get input() {
    return this.#input;
  }

  /** 'image-label', 'halves' or null. */
  get pairing() {
    const pairing = this.getAttribute('pairing');
    return PAIRINGS.includes(pairing) ? pairing : null;
  }

  /** True when the model comes from a file rather than fresh weights. */
  get startsTrained() {
    return this.hasAttribute('pretrained') || this.hasAttribute('src');
  }

  /** Shows `digit` (784 values in [0, 1]) in every view of this model; null clears. */
  setInput(digit) {
    this.#input = digit ? Float32Array.from(digit) : null;
    this.dispatchEvent(new Event('inputchange'));
  }

  /** Puts `model` in place (this element then owns it) and frees the one before. */
  replaceModel(model) {
    // A load still on its way is now out of date: it must not replace this model.
    this.#loads += 1;
    const before = this.#model;
    this.#model = model;
    before?.free();
    this.dispatchEvent(new Event('modelchange'));
    this.#resolveReady();
  }

  /**
   * The model config its attributes describe (what a retrain trains); throws
   * an Error that names the attribute when one is wrong.
   */
  config() {
    const kind = this.#choice('kind', KINDS, 'undercomplete');
    const pairing = this.#choice('pairing', PAIRINGS, null);
    const options = {
      codeSize: numberAttribute(this, 'code-size',
        { whole: true, min: 1, fallback: pairing ? 64 : 32 }),
      weight: numberAttribute(this, 'weight', { min: 0 }),
      target: numberAttribute(this, 'target', { min: 0 }),
      seed: numberAttribute(this, 'seed', { whole: true, min: 0, fallback: 1 }),
    };
    const noise = this.#choice('noise', NOISES, null);
    if (noise) {
      const level = numberAttribute(this, 'noise-level', { fallback: 0.3 });
      options.corruption = { kind: noise, level };
    }
    if (pairing) {
      options.modalities = pairingModalities(pairing);
      options.modalityDropout = 0.7;
    }
    for (const key of Object.keys(options)) {
      if (options[key] === undefined) delete options[key];
    }
    try {
      return presetConfig(kind, options);
    } catch (error) {
      const name = this.id ? `<ae-model id="${this.id}">` : '<ae-model>';
      throw new Error(`${name}: ${error.message}`);
    }
  }

  /** An attribute that must be one of `allowed`, or `fallback` when absent. */
  #choice(name, allowed, fallback) {
    const value = this.getAttribute(name);
    if (value === null) return fallback;
    if (allowed.includes(value)) return value;
    throw new Error(`<ae-model ${name}="${value}">: ${name} must be ${
      allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`);
  }

  /** The model's input for a digit: itself, or its modalities (a label left missing). */
  modelInput(digits) {
    const pairing = this.pairing;
    if (!pairing) return digits;
    const labels = new Uint8Array(digits.length / 784);
    return pairInputs(pairing, digits, labels, true, pairing === 'halves');
  }

  /** Codes `[n, codeSize]` of digits `[n, 784]`. */
  encodeDigits(digits) {
    return this.#model.encode(this.modelInput(digits));
  }

  /** The digits `[n, 784]` the model rebuilds from digits `[n, 784]`. */
  reconstructDigits(digits) {
    const outputs = this.#model.reconstruct(this.modelInput(digits));
    return this.pairing ? pairedImages(this.pairing, outputs) : outputs;
  }

  async #load() {
    const load = ++this.#loads;
    try {
      await init();
      const model = await this.#startingModel();
      if (load !== this.#loads) {
        model.free();
        return;
      }
      this.replaceModel(model);
    } catch (error) {
      if (load !== this.#loads) return;
      const message = error instanceof Error ? error.message : String(error);
      this.#rejectReady(new Error(message));
      this.dispatchEvent(new CustomEvent('modelerror', { detail: { message } }));
    }
  }

  async #startingModel() {
    // The attributes are checked even for a ready model, so that a typo
    // (pairing="image-lable") shows at once rather than at the first retrain.
    this.config();
    const src = this.getAttribute('src');
    if (src) return Autoencoder.fromBytes(await readBytes(new URL(src, document.baseURI)));
    if (!this.hasAttribute('pretrained')) return new Autoencoder(this.config());

    const kind = this.getAttribute('kind') ?? 'undercomplete';
    const kl = kind === 'sparse' && this.hasAttribute('target');
    const name = this.pairing ?? (kl ? 'sparse-kl' : kind);
    const url = new URL(`../models/${name}.safetensors`, import.meta.url);
    try {
      return Autoencoder.fromBytes(await readBytes(url));
    } catch (error) {
      throw new Error(`no ready model for kind "${name}" (${error.message})`);
    }
  }
}

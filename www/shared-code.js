/**
 * The "Shared code across modalities" section: two multimodal autoencoders whose one
 * code `h` holds two parts of a digit. The image-and-label model rebuilds the label
 * from the image alone and an image from a label alone; the halves model rebuilds a
 * hidden half of the digit from the half it sees. A missing part is given as zeros.
 */
import { pairInputs, pairedImages } from '../pkg/index.js';
import { drawDigit, drawHalves } from './pictures.js';

const SIDE = 28;
const IMAGE_SIZE = SIDE * SIDE;
const CLASSES = 10;

/** The two models, as the list under the retrain form names them. */
const PAIRING_TITLES = {
  'image-label': 'Image and label',
  halves: 'Left and right halves',
};

/** Shows what the two shared-code models rebuild from one part of a digit. */
export class SharedCode {
  /**
   * @param {HTMLElement} root the section `#shared-code`
   */
  constructor(root) {
    this.root = root;

    /**
     * The models shown now, replaced by `setModel`; this object owns them and frees
     * one when it is replaced.
     * @type {{ 'image-label': import('../pkg/index.js').Autoencoder | null,
     *   halves: import('../pkg/index.js').Autoencoder | null }}
     */
    this.models = { 'image-label': null, halves: null };
    /** Where each model comes from, e.g. "as shipped". */
    this.sources = { 'image-label': '', halves: '' };

    this.digit = new Float32Array(IMAGE_SIZE);
    this.label = 0;
    /** The half hidden from the halves model: 'left' or 'right'. */
    this.hidden = root.querySelector('[name=hide-half]:checked')?.value ?? 'right';

    /** What was drawn last, for tests: see `window.demo` in main.js. */
    this.lastProbabilities = null;
    this.lastImageFromLabel = null;
    this.lastHalves = null;

    this.#makeLabelBars();
    this.#makeLabelButtons();
    this.#listen();
  }

  /**
   * Replaces the model of `pairing` (freeing the old one) and draws again.
   * @param {'image-label' | 'halves'} pairing
   * @param {import('../pkg/index.js').Autoencoder} model
   * @param {string} source where it comes from, e.g. "as shipped"
   */
  setModel(pairing, model, source) {
    this.models[pairing]?.free();
    this.models[pairing] = model;
    this.sources[pairing] = source;

    this.#listModels();
    if (this.models['image-label'] && this.models.halves) {
      this.root.dataset.state = 'ready';
      this.show(this.digit);
      this.showImageFromLabel(this.label);
    }
  }

  /** Shows what the models rebuild from `digit` (784 values, the pad's digit). */
  show(digit) {
    this.digit = digit;
    if (this.root.dataset.state !== 'ready') return;

    const blank = !digit.some((value) => value > 0);
    this.#showLabel(blank);
    this.#showHalves(blank);
  }

  /** Shows the image the image-and-label model rebuilds from `label` alone. */
  showImageFromLabel(label) {
    this.label = label;
    for (const button of this.root.querySelectorAll('#label-buttons button')) {
      button.setAttribute('aria-pressed', String(Number(button.dataset.digit) === label));
    }
    if (this.root.dataset.state !== 'ready') return;

    const input = pairInputs('image-label', new Float32Array(IMAGE_SIZE),
      new Uint8Array([label]), false, true);
    const image = pairedImages('image-label', this.models['image-label'].reconstruct(input));

    const canvas = this.#find('#image-from-label');
    drawDigit(canvas, image);
    canvas.dataset.label = String(label);
    canvas.setAttribute('aria-label', `The image rebuilt from the label ${label}`);
    this.#find('#image-from-label-caption').textContent = `Rebuilt from the label ${label}`;
    this.lastImageFromLabel = { label, image };
  }

  /** The label block of the rebuilt input: a probability for each digit. */
  #showLabel(blank) {
    const prediction = this.#find('#label-prediction');
    if (blank) {
      this.#fillBars(new Float32Array(CLASSES), -1);
      prediction.textContent = 'Draw a digit on the pad to see the label rebuilt.';
      delete prediction.dataset.label;
      this.lastProbabilities = null;
      return;
    }

    const input = pairInputs('image-label', this.digit, new Uint8Array(1), true, false);
    const output = this.models['image-label'].reconstruct(input);
    const probabilities = output.slice(IMAGE_SIZE, IMAGE_SIZE + CLASSES);
    const label = argmax(probabilities);

    this.#fillBars(probabilities, label);
    prediction.dataset.label = String(label);
    prediction.textContent =
      `Rebuilt label: ${label}, with probability ${percent(probabilities[label])}.`;
    this.lastProbabilities = probabilities;
  }

  /** The digit with its hidden half rebuilt by the halves model, beside the digit. */
  #showHalves(blank) {
    const keepLeft = this.hidden === 'right';
    const input = pairInputs('halves', this.digit, new Uint8Array(1), keepLeft, !keepLeft);
    const rebuilt = pairedImages('halves', this.models.halves.reconstruct(input));
    const shown = Float32Array.from(this.digit, (value, i) => {
      return inHidden(i, this.hidden) ? rebuilt[i] : value;
    });

    drawHalves(this.#find('#halves-rebuilt'), shown, this.hidden);
    drawDigit(this.#find('#halves-truth'), this.digit);
    this.#find('#halves-view').dataset.hidden = this.hidden;
    this.#describeHalves(blank, shown);
    this.lastHalves = { hidden: this.hidden, truth: this.digit, shown };
  }

  /** Says how close the rebuilt half is to the hidden one, against a black half. */
  #describeHalves(blank, shown) {
    const [seen, hidden] = this.hidden === 'right' ? ['Left', 'right'] : ['Right', 'left'];
    this.#find('#halves-caption').textContent = `${seen} half seen, ${hidden} half rebuilt`;

    const readout = this.#find('#halves-error');
    if (blank) {
      readout.textContent = 'Draw a digit on the pad to see its hidden half rebuilt.';
      delete readout.dataset.value;
      delete readout.dataset.blank;
      return;
    }

    const error = halfError(shown, this.digit, this.hidden);
    const black = halfError(new Float32Array(IMAGE_SIZE), this.digit, this.hidden);
    readout.dataset.value = String(error);
    readout.dataset.blank = String(black);
    readout.textContent = `The rebuilt ${hidden} half is off from yours by a squared ` +
      `error of ${error.toFixed(1)}; a black half would be off by ${black.toFixed(1)}.`;
  }

  #makeLabelBars() {
    const list = this.#find('#label-bars');
    for (let digit = 0; digit < CLASSES; digit++) {
      const item = document.createElement('li');
      item.dataset.digit = String(digit);
      item.innerHTML = '<span class="bar" aria-hidden="true"></span>' +
        `<span class="name">${digit}</span><span class="visually-hidden"></span>`;
      list.append(item);
    }
  }

  /** Sets each bar to its probability; `predicted` (or -1 for none) is highlighted. */
  #fillBars(probabilities, predicted) {
    const items = this.root.querySelectorAll('#label-bars li');
    items.forEach((item, digit) => {
      const probability = probabilities[digit];
      item.dataset.value = String(probability);
      item.style.setProperty('--probability', String(probability));
      item.toggleAttribute('data-predicted', digit === predicted);
      item.title = `${digit}: ${percent(probability)}`;
      item.querySelector('.visually-hidden').textContent = `: ${percent(probability)}`;
    });
  }

  #makeLabelButtons() {
    const group = this.#find('#label-buttons');
    for (let digit = 0; digit < CLASSES; digit++) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.digit = String(digit);
      button.textContent = String(digit);
      button.setAttribute('aria-label', `Rebuild an image from the label ${digit}`);
      button.setAttribute('aria-pressed', 'false');
      group.append(button);
    }
  }

  #listModels() {
    const list = this.#find('#shared-models');
    list.replaceChildren();
    for (const [pairing, model] of Object.entries(this.models)) {
      if (!model) continue;
      const item = document.createElement('li');
      item.dataset.pairing = pairing;
      item.dataset.source = this.sources[pairing];
      const sizes = `${model.inputSize} → ${model.codeSize} → ${model.inputSize}`;
      item.textContent = `${PAIRING_TITLES[pairing]}: ${this.sources[pairing]} (${sizes})`;
      list.append(item);
    }
  }

  #listen() {
    this.#find('#label-buttons').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-digit]');
      if (button) this.showImageFromLabel(Number(button.dataset.digit));
    });

    for (const radio of this.root.querySelectorAll('[name=hide-half]')) {
      radio.addEventListener('change', () => {
        this.hidden = radio.value;
        this.show(this.digit);
      });
    }
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

/** True when pixel `i` of a 28×28 image lies in the `hidden` half. */
function inHidden(i, hidden) {
  return (i % SIDE < SIDE / 2) === (hidden === 'left');
}

/** Sum of squared differences between `image` and `truth` over the `hidden` half. */
function halfError(image, truth, hidden) {
  let sum = 0;
  for (let i = 0; i < IMAGE_SIZE; i++) {
    if (inHidden(i, hidden)) sum += (image[i] - truth[i]) ** 2;
  }
  return sum;
}

function argmax(values) {
  return values.reduce((best, value, i) => (value > values[best] ? i : best), 0);
}

function percent(probability) {
  return `${Math.round(probability * 100)}%`;
}

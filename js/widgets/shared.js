/**
 * Views of a multimodal `<ae-model pairing="…">`, whose modalities meet in
 * one shared code:
 *   <ae-label>   for pairing="image-label": the label rebuilt from the digit
 *                alone (probabilities, the most likely one marked), and ten
 *                buttons that show the digit the model imagines for a label
 *                given alone
 *   <ae-halves>  for pairing="halves": one half of the digit hidden (attribute
 *                `hide`, left or right, with a switch) and rebuilt from the
 *                other; the rebuilt half is tinted
 */
import { pairInputs, pairedImages } from '../index.js';
import { drawBars, drawDigit, drawHalves, themeColour } from './draw.js';
import { ModelView, article } from './view.js';

const BLANK = new Float32Array(784);

class PairedView extends ModelView {
  /** The pairing this view needs. */
  static pairing = '';

  /** True, or says what is wrong and returns false. */
  fits() {
    const wanted = this.constructor.pairing;
    if (this.hub.pairing === wanted) {
      this.say('');
      return true;
    }
    this.say(`<${this.localName}> needs an <ae-model pairing="${wanted}">`);
    return false;
  }

  modelChanged() {
    if (this.fits()) this.inputChanged();
  }
}

export class AeLabel extends PairedView {
  static pairing = 'image-label';
  static style = `
.labels { display: flex; flex-wrap: wrap; gap: 0.3em; max-width: 14em; }
.labels button { min-width: 2.2em; }
.chart { max-width: 20em; }
.probabilities { height: var(--ae-bars-height, 4em); }
.ticks { display: flex; font-size: 0.8em; color: var(--muted); }
.ticks span { flex: 1; text-align: center; }
`;

  /** The label whose image is shown; one is shown from the start. */
  #chosen = 3;

  template() {
    const buttons = Array.from({ length: 10 }, (_, d) =>
      `<button type="button" part="button" data-label="${d}" aria-pressed="false">${d}</button>`)
      .join('');
    const ticks = Array.from({ length: 10 }, (_, d) => `<span>${d}</span>`).join('');
    return `
<p class="note" part="caption">The label rebuilt from the image alone:</p>
<div class="chart">
  <canvas class="bars probabilities" part="bars" role="img"></canvas>
  <div class="ticks" aria-hidden="true">${ticks}</div>
</div>
<p class="prediction" part="prediction" aria-live="polite"></p>
<p class="note" part="caption">The image rebuilt from a label alone:</p>
<div class="row">
  <div class="labels" role="group" aria-label="Label">${buttons}</div>
  <figure><canvas class="digit imagined" part="digit" width="28" height="28"></canvas>
  <figcaption class="imagined-caption" part="caption">pick a label</figcaption></figure>
</div>`;
  }

  setUp() {
    this.part('.labels').addEventListener('click', (event) => {
      const label = event.target.closest('button')?.dataset.label;
      if (label !== undefined) this.guarded(() => this.imagine(Number(label)));
    });
  }

  /** The probabilities of the ten labels last shown, or null. */
  probabilities = null;

  /** The image last rebuilt from a label alone, or null. */
  imagined = null;

  inputChanged() {
    if (!this.fits()) return;
    const digit = this.hub.input;
    const model = this.hub.model;
    if (!digit || !model) {
      this.probabilities = null;
      drawBars(this.part('.probabilities'), new Float32Array(10), this.#colours());
      this.part('.prediction').textContent = 'Draw a digit to see which label the model reads.';
    } else {
      const inputs = pairInputs('image-label', digit, new Uint8Array(1), true, false);
      this.probabilities = model.reconstruct(inputs).slice(784);
      const best = this.probabilities.indexOf(Math.max(...this.probabilities));
      drawBars(this.part('.probabilities'), this.probabilities,
        { ...this.#colours(), highlight: best });
      const share = Math.round(100 * this.probabilities[best]);
      this.part('.prediction').textContent = `It reads ${article(best)} ${best} (${share}% sure).`;
      this.part('.probabilities').setAttribute('aria-label', `Label probabilities: ${best} `
        + `at ${share}%`);
    }
    if (this.#chosen !== null) this.imagine(this.#chosen);
  }

  /** Shows the image the model rebuilds from `label` alone. */
  imagine(label) {
    this.#chosen = label;
    for (const button of this.shadowRoot.querySelectorAll('[data-label]')) {
      button.setAttribute('aria-pressed', String(Number(button.dataset.label) === label));
    }
    if (!this.hub.model) return;
    const inputs = pairInputs('image-label', BLANK, Uint8Array.of(label), false, true);
    this.imagined = pairedImages('image-label', this.hub.model.reconstruct(inputs));
    drawDigit(this.part('.imagined'), this.imagined);
    this.part('.imagined-caption').textContent = `from the label ${label} alone`;
  }

  #colours() {
    return {
      bar: themeColour(this, '--ae-muted', '#94a3b8'),
      axis: themeColour(this, '--ae-muted', '#94a3b8'),
      highlightColour: themeColour(this, '--ae-accent', '#2563eb'),
    };
  }
}

export class AeHalves extends PairedView {
  static pairing = 'halves';
  static observedAttributes = ['hide'];

  template() {
    return `
<div class="row" role="radiogroup" aria-label="Half to hide">
  <label><input type="radio" name="hide" value="left"> hide the left half</label>
  <label><input type="radio" name="hide" value="right"> hide the right half</label>
</div>
<div class="row">
  <figure><canvas class="digit truth" part="digit" width="28" height="28"></canvas>
  <figcaption part="caption">the whole digit</figcaption></figure>
  <figure><canvas class="digit rebuilt" part="digit" width="28" height="28"></canvas>
  <figcaption class="rebuilt-caption" part="caption"></figcaption></figure>
</div>
<p class="note" part="caption" aria-live="polite"></p>`;
  }

  setUp() {
    for (const radio of this.shadowRoot.querySelectorAll('[name=hide]')) {
      radio.addEventListener('change', () => this.setAttribute('hide', radio.value));
    }
    this.#syncControls();
  }

  attributeChangedCallback() {
    if (!this.shadowRoot) return;
    this.#syncControls();
    if (this.hub?.model) this.guarded(() => this.inputChanged());
  }

  /** The half hidden from the model: 'left' or 'right'. */
  get hiddenHalf() {
    return this.getAttribute('hide') === 'left' ? 'left' : 'right';
  }

  /** The digit last shown with its hidden half rebuilt, or null. */
  rebuilt = null;

  inputChanged() {
    if (!this.fits()) return;
    const digit = this.hub.input;
    const caption = `the ${this.hiddenHalf} half rebuilt (tinted)`;
    this.part('.rebuilt-caption').textContent = caption;
    if (!digit || !this.hub.model) {
      this.rebuilt = null;
      drawDigit(this.part('.truth'), BLANK);
      drawDigit(this.part('.rebuilt'), BLANK);
      this.part('.note').textContent = 'Draw a digit, then see one half rebuilt from the other.';
      return;
    }
    const keepLeft = this.hiddenHalf === 'right';
    const inputs = pairInputs('halves', digit, new Uint8Array(1), keepLeft, !keepLeft);
    const outputs = pairedImages('halves', this.hub.model.reconstruct(inputs));
    // The seen half as it was, the hidden half as the model rebuilt it.
    this.rebuilt = digit.map((value, i) => (isHidden(i, this.hiddenHalf) ? outputs[i] : value));
    drawDigit(this.part('.truth'), digit);
    drawHalves(this.part('.rebuilt'), this.rebuilt, this.hiddenHalf);
    this.part('.note').textContent = `The model saw only the ${keepLeft ? 'left' : 'right'} `
      + `half and rebuilt the ${this.hiddenHalf} one from the shared code.`;
  }

  #syncControls() {
    for (const radio of this.shadowRoot.querySelectorAll('[name=hide]')) {
      radio.checked = radio.value === this.hiddenHalf;
    }
  }
}

function isHidden(index, hidden) {
  return (index % 28 < 14) === (hidden === 'left');
}

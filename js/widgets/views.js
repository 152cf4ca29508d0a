/**
 * Views of one `<ae-model>` and the digit it is shown:
 *   <ae-reconstruction>  the digit and the model's reconstruction of it
 *                        (attribute `hide-input` shows the reconstruction alone)
 *   <ae-code>            the code h, one bar per unit
 *   <ae-noise>           a noise explorer: corrupt the digit (kind, level) and see
 *                        what the model rebuilds from it
 *   <ae-filters>         the encoder's first-layer weights, one image per unit
 *                        (attribute `count`, default every unit up to 64)
 */
import { corrupt, pairedImages } from '../index.js';
import { drawBars, drawDigit, drawWeights, themeColour } from './draw.js';
import { ModelView, numberAttribute } from './view.js';

const BLANK = new Float32Array(784);

export class AeReconstruction extends ModelView {
  template() {
    return `
<div class="row">
  <figure class="input-figure"><canvas class="digit input" part="digit" width="28" height="28">
  </canvas><figcaption part="caption">input x</figcaption></figure>
  <figure><canvas class="digit output" part="digit" width="28" height="28"></canvas>
  <figcaption part="caption">reconstruction g(f(x))</figcaption></figure>
</div>
<p class="note" part="caption" aria-live="polite"></p>`;
  }

  setUp() {
    this.part('.input-figure').hidden = this.hasAttribute('hide-input');
  }

  modelChanged() {
    this.inputChanged();
  }

  inputChanged() {
    const digit = this.hub.input;
    drawDigit(this.part('.input'), digit ?? BLANK);
    if (!digit || !this.hub.model) {
      drawDigit(this.part('.output'), BLANK);
      this.part('.note').textContent = 'Draw a digit to see it rebuilt.';
      return;
    }
    const rebuilt = this.hub.reconstructDigits(digit);
    drawDigit(this.part('.output'), rebuilt);
    this.part('.note').textContent = `squared error per pixel: ${meanSquare(rebuilt, digit)}`;
    this.say('');
  }
}

export class AeCode extends ModelView {
  static style = '.bars { height: var(--ae-bars-height, 4em); }';

  template() {
    return `
<canvas class="bars" part="bars" role="img" aria-label="The code h"></canvas>
<p class="note" part="caption" aria-live="polite"></p>`;
  }

  modelChanged() {
    this.inputChanged();
  }

  inputChanged() {
    const digit = this.hub.input;
    const model = this.hub.model;
    if (!model) return;
    const code = digit ? this.hub.encodeDigits(digit) : new Float32Array(model.codeSize);
    drawBars(this.part('.bars'), code, {
      bar: themeColour(this, '--ae-accent', '#2563eb'),
      axis: themeColour(this, '--ae-muted', '#94a3b8'),
    });
    const zeros = code.filter((h) => Math.abs(h) <= 1e-3).length;
    const largest = Math.max(...code.map(Math.abs));
    const mean = code.reduce((sum, h) => sum + Math.abs(h), 0) / code.length;
    const text = digit
      ? `code h: ${code.length} units, ${zeros} at zero, mean |h| ${mean.toPrecision(2)}, `
        + `largest ${largest.toPrecision(3)}`
      : `code h: ${code.length} units (draw a digit)`;
    this.part('.note').textContent = text;
    this.part('.bars').setAttribute('aria-label', text);
  }
}

export class AeNoise extends ModelView {
  static observedAttributes = ['kind', 'level'];

  #seed = 1;

  template() {
    return `
<div class="row controls">
  <label>Noise <select class="kind" part="select">
    <option value="gaussian">gaussian</option>
    <option value="masking">masking</option>
    <option value="saltPepper">salt and pepper</option>
  </select></label>
  <label>Level <input class="level" part="slider" type="range" min="0" max="1" step="0.05">
  <output class="level-value"></output></label>
  <button class="again" part="button" type="button">New noise</button>
</div>
<div class="row">
  <figure><canvas class="digit clean" part="digit" width="28" height="28"></canvas>
  <figcaption part="caption">clean x</figcaption></figure>
  <figure><canvas class="digit noisy" part="digit" width="28" height="28"></canvas>
  <figcaption part="caption">corrupted x̃</figcaption></figure>
  <figure><canvas class="digit output" part="digit" width="28" height="28"></canvas>
  <figcaption part="caption">g(f(x̃))</figcaption></figure>
</div>
<p class="note" part="caption" aria-live="polite"></p>`;
  }

  setUp() {
    this.#syncControls();
    this.part('.kind').addEventListener('change', (event) => {
      this.setAttribute('kind', event.target.value);
    });
    this.part('.level').addEventListener('input', (event) => {
      this.setAttribute('level', event.target.value);
    });
    this.part('.again').addEventListener('click', () => {
      this.#seed += 1;
      this.guarded(() => this.inputChanged());
    });
  }

  attributeChangedCallback() {
    if (!this.shadowRoot) return;
    this.#syncControls();
    if (this.hub) this.guarded(() => this.inputChanged());
  }

  get corruption() {
    const kind = this.getAttribute('kind') ?? 'gaussian';
    const level = Number(this.getAttribute('level') ?? 0.3);
    return { kind, level };
  }

  modelChanged() {
    this.inputChanged();
  }

  inputChanged() {
    const digit = this.hub.input;
    if (!digit || !this.hub.model) {
      for (const name of ['.clean', '.noisy', '.output']) drawDigit(this.part(name), BLANK);
      this.part('.note').textContent = 'Draw a digit to corrupt it.';
      return;
    }
    const noisy = corrupt(digit, this.corruption, this.#seed);
    const rebuilt = this.hub.reconstructDigits(noisy);
    drawDigit(this.part('.clean'), digit);
    drawDigit(this.part('.noisy'), noisy);
    drawDigit(this.part('.output'), rebuilt);
    this.part('.note').textContent = `squared error per pixel against the clean digit: `
      + `corrupted ${meanSquare(noisy, digit)}, rebuilt ${meanSquare(rebuilt, digit)}`;
    this.say('');
  }

  #syncControls() {
    const { kind, level } = this.corruption;
    this.part('.kind').value = kind;
    this.part('.level').value = String(level);
    this.part('.level-value').textContent = level.toFixed(2);
  }
}

export class AeFilters extends ModelView {
  static style = `
.grid { display: grid; gap: 3px;
  grid-template-columns: repeat(auto-fill, minmax(var(--ae-filter-size, 42px), 1fr)); }
.grid canvas { width: 100%; aspect-ratio: 1; image-rendering: pixelated; border-radius: 2px; }
`;

  template() {
    return `
<div class="grid" part="grid" role="img"></div>
<p class="note" part="caption">Each image is one code unit's weights on the pixels:
light where a pixel turns the unit on, dark where it turns it off.</p>`;
  }

  modelChanged() {
    const model = this.hub.model;
    const layerUnits = model.config().encoder[0].units;
    const units = Math.min(layerUnits, numberAttribute(this, 'count',
      { whole: true, min: 1, fallback: 64 }));
    const weights = model.weights('encoder', 0);
    const inputs = weights.length / layerUnits;
    const grid = this.part('.grid');
    grid.replaceChildren();
    grid.setAttribute('aria-label', `The first-layer weights of ${units} units as images`);

    for (let unit = 0; unit < units; unit++) {
      const row = weights.subarray(unit * inputs, (unit + 1) * inputs);
      const canvas = document.createElement('canvas');
      canvas.width = 28;
      canvas.height = 28;
      canvas.setAttribute('part', 'filter');
      drawWeights(canvas, this.#image(row));
      grid.append(canvas);
    }
  }

  /** The 784 pixel weights of one unit, whatever the model's input layout. */
  #image(row) {
    if (this.hub.pairing === 'halves') return pairedImages('halves', row);
    return row.subarray(0, 784);
  }
}

/** Mean squared difference of two digits, as text. */
export function meanSquare(a, b) {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (a[i] - b[i]) ** 2;
  return (sum / b.length).toFixed(4);
}

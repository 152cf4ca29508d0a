/**
 * `<ae-pad model="id …">`: a drawing pad (mouse, touch or pen) whose digit,
 * made to look like an MNIST one, goes to one or more `<ae-model>` elements
 * (several ids, space-separated). Buttons undo a stroke, clear, or show a
 * random real test digit; Ctrl+Z or ⌘Z on the pad undoes too.
 *
 * Parts: pad, button. Custom property: --ae-pad-size (default 224px).
 * Event: `digitchange`, `detail.digit` the 784 values sent (or null).
 */
import { inkFromRgba, init, preprocess } from '../index.js';
import { DrawingPad } from './drawing-pad.js';
import { sharedDigits } from './model.js';
import { ModelView } from './view.js';

export class AePad extends ModelView {
  static style = `
.pad { width: var(--ae-pad-size, 224px); height: var(--ae-pad-size, 224px);
  background: #000; border-radius: 6px; touch-action: none; cursor: crosshair;
  display: block; }
.controls { display: flex; gap: 0.5em; flex-wrap: wrap; margin-top: 0.5em; }
`;

  #pad = null;
  #pending = false;

  template() {
    return `
<canvas class="pad" part="pad" width="280" height="280" tabindex="0" role="img"
  aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen"></canvas>
<div class="controls">
  <button class="undo" part="button" type="button">Undo</button>
  <button class="clear" part="button" type="button">Clear</button>
  <button class="random" part="button" type="button">Random digit</button>
</div>`;
  }

  setUp() {
    const canvas = this.part('.pad');
    this.#pad = new DrawingPad(canvas, () => this.#changed());
    this.part('.undo').addEventListener('click', () => this.#pad.undo());
    this.part('.clear').addEventListener('click', () => this.#pad.clear());
    this.part('.random').addEventListener('click', () => this.showRandomDigit());
    // Loads the digits now, so the button works at once (and offline later).
    sharedDigits().catch(() => {});
    canvas.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        this.#pad.undo();
      }
    });
  }

  /** Shows a random real test digit and sends it as it is. */
  async showRandomDigit() {
    try {
      const digits = await sharedDigits();
      const index = Math.floor(Math.random() * digits.testCount);
      this.showDigit(digits.image('test', index));
    } catch (error) {
      this.say(`could not load the digits: ${error.message}`);
    }
  }

  /** Shows `digit` (784 values in [0, 1]) on the pad and sends it. */
  showDigit(digit) {
    this.#pad.showImage(digit, 28);
    this.#send(Float32Array.from(digit));
  }

  /** Redraws at most once a frame, however many pointer events arrive. */
  #changed() {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(async () => {
      this.#pending = false;
      await init();
      this.guarded(() => {
        const { width, height } = this.#pad.canvas;
        const ink = inkFromRgba(this.#pad.rgba(), width, height);
        this.#send(this.#pad.isEmpty ? null : preprocess(ink, width, height));
      });
    });
  }

  #send(digit) {
    for (const hub of this.hubs) hub.setInput(digit);
    this.dispatchEvent(new CustomEvent('digitchange', { detail: { digit } }));
  }
}

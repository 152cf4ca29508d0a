/**
 * `<ae-code-map>`: the codes of the 2,000 built-in test digits, flattened to
 * two dimensions by PCA and coloured by label. Hovering or tapping a point
 * shows its digit; with the map focused, ← and → step through the points.
 * The digit being looked at is marked with a ring.
 *
 * Attribute: points (how many test digits, default all 2,000).
 * Parts: map, digit, legend. Custom property: --ae-map-size (default 320px).
 */
import { Pca } from '../index.js';
import { drawDigit, fitCanvas, themeColour } from './draw.js';
import { sharedDigits } from './model.js';
import { ModelView, article, numberAttribute } from './view.js';

/** One colour per label, told apart also by people with common colour blindness. */
export const LABEL_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#6b7280'];

const RADIUS = 2.5;
const REACH = 10;

export class AeCodeMap extends ModelView {
  static style = `
.map { width: min(100%, var(--ae-map-size, 320px)); aspect-ratio: 1; display: block;
  border: 1px solid var(--border); border-radius: 6px; cursor: crosshair; }
.legend { display: flex; flex-wrap: wrap; gap: 0.2em 0.8em; padding: 0; margin: 0.4em 0;
  list-style: none; font-size: 0.85em; }
.legend span { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%;
  margin-right: 0.25em; vertical-align: -0.05em; }
.picked { min-height: calc(var(--digit) + 1.5em); }
`;

  #points = null;
  #labels = null;
  #images = null;
  #pca = null;
  #picked = -1;
  #version = 0;

  template() {
    const legend = LABEL_COLOURS.map((colour, label) =>
      `<li><span style="background:${colour}"></span>${label}</li>`).join('');
    return `
<div class="row">
  <canvas class="map" part="map" tabindex="0" role="img"
    aria-label="Map of the test digits' codes"></canvas>
  <figure class="picked"><canvas class="digit" part="digit" width="28" height="28"></canvas>
  <figcaption class="picked-label" part="caption" aria-live="polite">Point at a dot</figcaption>
  </figure>
</div>
<ul class="legend" part="legend" aria-label="Colours of the labels">${legend}</ul>
<p class="note" part="caption"></p>`;
  }

  setUp() {
    const map = this.part('.map');
    const pick = (event) => this.#pickAt(event);
    map.addEventListener('pointermove', pick);
    map.addEventListener('pointerdown', pick);
    map.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step || !this.#points) return;
      event.preventDefault();
      const count = this.#labels.length;
      this.pick(((this.#picked < 0 ? 0 : this.#picked + step) + count) % count);
    });
    new ResizeObserver(() => this.#draw()).observe(map);
  }

  tearDown() {
    this.#pca?.free();
    this.#pca = null;
  }

  /** Index of the test digit shown, or -1. */
  get picked() {
    return this.#picked;
  }

  /** The label of test digit `index` and its place on the map, in CSS pixels. */
  pointOf(index) {
    const [x, y] = this.#place(this.#points[2 * index], this.#points[2 * index + 1]);
    return { x, y, label: this.#labels[index] };
  }

  /** Shows test digit `index`. */
  pick(index) {
    this.#picked = index;
    drawDigit(this.part('.digit'), this.#images.subarray(index * 784, (index + 1) * 784));
    this.part('.picked-label').textContent = `test digit ${index}: ${
      article(this.#labels[index])} ${this.#labels[index]}`;
    this.#draw();
  }

  async modelChanged() {
    const version = ++this.#version;
    let digits;
    try {
      digits = await sharedDigits();
    } catch (error) {
      this.say(`could not load the test digits: ${error.message}`);
      return;
    }
    if (version !== this.#version || !this.hub?.model) return;
    this.guarded(() => {
      const count = Math.min(numberAttribute(this, 'points',
        { whole: true, min: 2, fallback: digits.testCount }),
        digits.testCount);
      this.#images = digits.images('test').subarray(0, count * 784);
      this.#labels = digits.labels('test').subarray(0, count);
      const codes = this.hub.encodeDigits(this.#images);

      this.#pca?.free();
      this.#pca = new Pca(codes, this.hub.model.codeSize, 2);
      this.#points = this.#pca.project(codes);
      const [first, second] = this.#pca.variances;
      const total = codes.length / count;
      this.part('.note').textContent = `${count} test digits. Horizontal: the direction `
        + `in which the ${total} code values vary most (variance ${first.toPrecision(3)}); `
        + `vertical: the next one (${second.toPrecision(3)}).`;
      this.#draw();
    });
  }

  inputChanged() {
    this.#draw();
  }

  #draw() {
    const frame = this.#points && fitCanvas(this.part('.map'));
    if (!frame) return;
    const { context } = frame;
    this.#bounds(frame.width, frame.height);

    for (let i = 0; i < this.#labels.length; i++) {
      const [x, y] = this.#place(this.#points[2 * i], this.#points[2 * i + 1]);
      context.fillStyle = LABEL_COLOURS[this.#labels[i]];
      context.fillRect(x - RADIUS, y - RADIUS, 2 * RADIUS, 2 * RADIUS);
    }
    if (this.#picked >= 0) this.#ring(context, this.pointOf(this.#picked), '#111');
    const digit = this.hub?.input;
    if (digit && this.#pca) {
      const [px, py] = this.#pca.project(this.hub.encodeDigits(digit));
      const [x, y] = this.#place(px, py);
      this.#ring(context, { x, y }, themeColour(this, '--ae-accent', '#2563eb'), 7);
    }
  }

  #ring(context, { x, y }, colour, radius = 5) {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    context.arc(x, y, radius, 0, 2 * Math.PI);
    context.stroke();
  }

  /** Fits every point into the canvas with a margin. */
  #bounds(width, height) {
    let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < this.#points.length; i += 2) {
      minX = Math.min(minX, this.#points[i]);
      maxX = Math.max(maxX, this.#points[i]);
      minY = Math.min(minY, this.#points[i + 1]);
      maxY = Math.max(maxY, this.#points[i + 1]);
    }
    const margin = 8;
    const scaleX = (width - 2 * margin) / (maxX - minX || 1);
    const scaleY = (height - 2 * margin) / (maxY - minY || 1);
    this.#place = (x, y) => [margin + (x - minX) * scaleX, height - margin - (y - minY) * scaleY];
  }

  #place = () => [0, 0];

  #pickAt(event) {
    if (!this.#points) return;
    const box = this.part('.map').getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    let best = -1;
    let bestDistance = REACH * REACH;
    for (let i = 0; i < this.#labels.length; i++) {
      const point = this.pointOf(i);
      const distance = (point.x - x) ** 2 + (point.y - y) ** 2;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    if (best >= 0 && best !== this.#picked) this.pick(best);
  }
}

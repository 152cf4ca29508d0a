/**
 * The code map: the codes of the test digits by one card's encoder, projected on their
 * first two principal components and drawn as dots coloured by label. Pointing at a dot
 * (mouse, touch or pen), or moving from dot to dot with the arrow keys, shows its digit.
 */
import { Pca } from '../pkg/index.js';
import { drawDigit, fitCanvas } from './pictures.js';

/** One colour per label, 0 to 9: ten hues told apart on white. */
const LABEL_COLOURS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

const SIDE = 28;
const MARGIN = 10;
const DOT_RADIUS = 2.5;

/** Dots a little see-through, so that where they crowd shows as darker. */
const DOT_OPACITY = 0.75;

/** How far from a dot a pointer may be and still pick it, in CSS pixels. */
const REACH = { mouse: 10, pen: 10, touch: 20 };

const KEY_DIRECTIONS = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** A scatter plot of codes in two dimensions, for the card chosen in its selector. */
export class CodeMap {
  /**
   * @param {HTMLElement} root the element holding #code-map-kind, #code-map,
   *   #code-map-digit and #code-map-legend
   * @param {object} context
   * @param {Float32Array} context.images the test digits, `[n, 784]`
   * @param {Uint8Array} context.labels their labels
   * @param {(kind: string) => import('../pkg/index.js').Autoencoder | null} context.model
   *   the current model of a kind
   */
  constructor(root, { images, labels, model }) {
    this.root = root;
    this.images = images;
    this.labels = labels;
    this.model = model;
    this.canvas = this.#find('#code-map');

    /** Each test digit's two coordinates, `[n, 2]`, or null before the first model. */
    this.coordinates = null;
    /** Where each dot was last drawn, `{ x, y }` in CSS pixels of the canvas. */
    this.dots = [];
    /** The test digit shown beside the map, or -1. */
    this.selected = -1;

    this.#makeLegend();
    this.#listen();
  }

  /** The kind whose codes are drawn. */
  get kind() {
    return this.#find('#code-map-kind').value;
  }

  /** Draws the map again if `kind` is the one shown (after its model changed). */
  modelChanged(kind) {
    if (kind === this.kind) this.update();
  }

  /** Projects the codes of the chosen kind's model and draws them. */
  update() {
    const model = this.model(this.kind);
    if (!model) return;

    const codes = model.encode(this.images);
    const pca = new Pca(codes, model.codeSize, 2);
    try {
      this.coordinates = pca.project(codes);
      this.#describe(model, pca.variances, codes);
    } finally {
      pca.free();
    }

    this.canvas.dataset.encoder = this.kind;
    this.canvas.dataset.points = String(this.labels.length);
    this.redraw();
  }

  /** Draws the dots for the canvas's current size, and the selected one ringed. */
  redraw() {
    const frame = fitCanvas(this.canvas);
    if (!frame || !this.coordinates) return;
    const { context, width, height } = frame;

    this.dots = placeDots(this.coordinates, width, height);
    context.globalAlpha = DOT_OPACITY;
    this.dots.forEach(({ x, y }, index) => {
      context.fillStyle = LABEL_COLOURS[this.labels[index]];
      context.beginPath();
      context.arc(x, y, DOT_RADIUS, 0, 2 * Math.PI);
      context.fill();
    });
    context.globalAlpha = 1;
    this.#ring(context);
  }

  /** Each dot, for tests: `{ index, label, x, y }`, x and y in CSS pixels. */
  points() {
    return this.dots.map(({ x, y }, index) => ({ index, label: this.labels[index], x, y }));
  }

  /** Shows test digit `index` beside the map and rings its dot. */
  select(index) {
    this.selected = index;
    const label = this.labels[index];
    const image = this.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE);
    drawDigit(this.#find('#code-map-preview'), image);

    const figure = this.#find('#code-map-digit');
    figure.dataset.index = String(index);
    figure.dataset.label = String(label);
    this.#find('#code-map-digit-caption').textContent =
      `Test digit ${index}, labelled ${label}`;
    this.redraw();
  }

  #ring(context) {
    const dot = this.dots[this.selected];
    if (!dot) return;

    context.lineWidth = 2;
    context.strokeStyle = '#0f172a';
    context.beginPath();
    context.arc(dot.x, dot.y, DOT_RADIUS + 3, 0, 2 * Math.PI);
    context.stroke();
  }

  /** Says how much of the codes' spread the two directions show. */
  #describe(model, variances, codes) {
    const shown = variances[0] + variances[1];
    const share = Math.round((100 * shown) / totalVariance(codes, model.codeSize));
    const count = this.labels.length.toLocaleString('en');
    this.canvas.setAttribute('aria-label', `Code map of the ${count} test ` +
      `digits by the ${this.kind} encoder; the arrow keys move from dot to dot`);
    this.#find('#code-map-share').textContent =
      `These two directions hold ${share}% of the spread of the ${model.codeSize}-unit codes.`;
  }

  /** The dot nearest to a pointer event, if it is within reach; else -1. */
  #dotAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const reach = REACH[event.pointerType] ?? REACH.mouse;
    return nearest(this.dots, event.clientX - box.left, event.clientY - box.top, reach);
  }

  #onPointer(event) {
    const index = this.#dotAt(event);
    if (index >= 0 && index !== this.selected) this.select(index);
  }

  /** Arrow keys move to the nearest dot that way; Home to the first dot. */
  #onKey(event) {
    if (this.dots.length === 0) return;
    if (event.key === 'Home') {
      event.preventDefault();
      this.select(0);
      return;
    }

    const direction = KEY_DIRECTIONS[event.key];
    if (!direction) return;
    event.preventDefault();
    if (this.selected < 0) {
      this.select(0);
      return;
    }
    const next = nextDot(this.dots, this.selected, direction);
    if (next >= 0) this.select(next);
  }

  #makeLegend() {
    const legend = this.#find('#code-map-legend');
    LABEL_COLOURS.forEach((colour, label) => {
      const item = document.createElement('li');
      item.innerHTML = '<span class="swatch" aria-hidden="true"></span>';
      item.querySelector('.swatch').style.background = colour;
      item.append(`${label}`);
      legend.append(item);
    });
  }

  #listen() {
    this.#find('#code-map-kind').addEventListener('change', () => this.update());
    this.canvas.addEventListener('pointermove', (event) => this.#onPointer(event));
    this.canvas.addEventListener('pointerdown', (event) => this.#onPointer(event));
    this.canvas.addEventListener('keydown', (event) => this.#onKey(event));
    this.canvas.addEventListener('focus', () => {
      if (this.selected < 0 && this.dots.length > 0) this.select(0);
    });
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

/**
 * Canvas positions of `[n, 2]` coordinates, one scale for both axes (so distances on
 * the screen are distances between codes), centred, inside the margins.
 */
function placeDots(coordinates, width, height) {
  const xs = coordinates.filter((_, i) => i % 2 === 0);
  const ys = coordinates.filter((_, i) => i % 2 === 1);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];

  const scale = Math.min(
    (width - 2 * MARGIN) / (xMax - xMin || 1),
    (height - 2 * MARGIN) / (yMax - yMin || 1),
  );
  const left = (width - scale * (xMax - xMin)) / 2;
  const top = (height - scale * (yMax - yMin)) / 2;
  return Array.from(xs, (x, i) => ({
    x: left + scale * (x - xMin),
    y: top + scale * (yMax - ys[i]),
  }));
}

/** Index of the dot nearest to (x, y) within `reach`, or -1. */
function nearest(dots, x, y, reach) {
  let best = -1;
  let bestDistance = reach * reach;
  dots.forEach((dot, index) => {
    const distance = (dot.x - x) ** 2 + (dot.y - y) ** 2;
    if (distance <= bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** The nearest dot from dot `from` within 45° of `direction`, or -1. */
function nextDot(dots, from, [dx, dy]) {
  const origin = dots[from];
  let best = -1;
  let bestDistance = Infinity;
  dots.forEach((dot, index) => {
    const along = (dot.x - origin.x) * dx + (dot.y - origin.y) * dy;
    const across = Math.abs((dot.x - origin.x) * dy - (dot.y - origin.y) * dx);
    const distance = (dot.x - origin.x) ** 2 + (dot.y - origin.y) ** 2;
    if (along > 0 && across <= along && distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** The sum of the variances of the code units, `codes: [n, width]`. */
function totalVariance(codes, width) {
  const count = codes.length / width;
  let total = 0;
  for (let unit = 0; unit < width; unit++) {
    let sum = 0;
    let squares = 0;
    for (let row = 0; row < count; row++) {
      const value = codes[row * width + unit];
      sum += value;
      squares += value * value;
    }
    total += squares / count - (sum / count) ** 2;
  }
  return total;
}

/**
 * Pictures of the numbers for the widgets: digits as pixels, a code `h` as
 * bars, weights as images, and a canvas sized to its place on the screen.
 * Colours come from the widget's CSS custom properties, so a host page can
 * theme them.
 */

/**
 * A CSS custom property of `element`, or `fallback` when it is not set.
 * @param {Element} element
 * @param {string} name e.g. '--ae-accent'
 * @param {string} fallback
 */
export function themeColour(element, name, fallback) {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * Draws `values` (row-major, in [0, 1]) white on black, one value a canvas
 * pixel; CSS scales the canvas up with crisp pixels.
 * @param {HTMLCanvasElement} canvas sized like the image, e.g. 28×28
 * @param {ArrayLike<number>} values `width · height` values
 */
export function drawDigit(canvas, values) {
  const { width, height } = canvas;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(width, height);

  for (let i = 0; i < width * height; i++) {
    const level = Math.round(Math.min(Math.max(values[i], 0), 1) * 255);
    pixels.data.set([level, level, level, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
}

/** Ink and background of a rebuilt half: light blue on dark blue. */
const REBUILT_INK = [191, 219, 254];
const REBUILT_BACKGROUND = [23, 37, 84];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];

/**
 * Draws a 28×28 digit whose `hidden` half was rebuilt by a model: the seen
 * half white on black as `drawDigit` draws it, the rebuilt half light blue on
 * dark blue.
 * @param {HTMLCanvasElement} canvas 28×28
 * @param {ArrayLike<number>} values 784 values in [0, 1], row-major
 * @param {'left' | 'right'} hidden the half that was rebuilt
 */
export function drawHalves(canvas, values, hidden) {
  const { width, height } = canvas;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(width, height);

  for (let i = 0; i < width * height; i++) {
    const level = Math.min(Math.max(values[i], 0), 1);
    const rebuilt = (i % width < width / 2) === (hidden === 'left');
    const rgb = rebuilt
      ? mix(REBUILT_BACKGROUND, REBUILT_INK, level)
      : mix(BLACK, WHITE, level);
    pixels.data.set([...rgb, 255], 4 * i);
  }
  context.putImageData(pixels, 0, 0);
}

/** The colour a fraction `t` of the way from `from` to `to` (RGB triples). */
function mix(from, to, t) {
  return from.map((channel, i) => Math.round(channel + (to[i] - channel) * t));
}

/**
 * Draws weights (any sign) as an image: positive ones light, negative ones
 * dark, zero mid-grey, scaled to the largest magnitude.
 * @param {HTMLCanvasElement} canvas sized like the image
 * @param {ArrayLike<number>} weights `width · height` values
 */
export function drawWeights(canvas, weights) {
  let largest = 1e-12;
  for (let i = 0; i < weights.length; i++) largest = Math.max(largest, Math.abs(weights[i]));
  const levels = Array.from(weights, (w) => 0.5 + w / (2 * largest));
  drawDigit(canvas, levels);
}

/**
 * Draws a code `h` as one bar per unit. Codes in [0, 1] keep that scale;
 * larger codes are scaled to their largest value; negative values hang below
 * a middle line.
 * @param {HTMLCanvasElement} canvas
 * @param {ArrayLike<number>} code
 * @param {{ bar: string, axis: string, highlight?: number, highlightColour?: string }} colours
 */
export function drawBars(canvas, code, colours) {
  const frame = fitCanvas(canvas);
  if (!frame) return;
  const { context, width, height } = frame;

  const values = Array.from(code);
  const scale = Math.max(1, ...values.map(Math.abs));
  const signed = values.some((value) => value < 0);
  const baseline = signed ? height / 2 : height;
  const reach = signed ? height / 2 : height;

  const slot = width / values.length;
  const gap = slot >= 4 ? 1 : 0;
  values.forEach((value, unit) => {
    const length = (value / scale) * reach;
    const highlighted = unit === colours.highlight;
    context.fillStyle = highlighted ? colours.highlightColour : colours.bar;
    context.fillRect(unit * slot + gap / 2, baseline - length, slot - gap, length);
  });

  context.fillStyle = colours.axis;
  context.fillRect(0, baseline - 0.5, width, 1);
}

/**
 * Sizes the canvas's pixel buffer to its CSS box times the device pixel ratio
 * and clears it.
 * @returns {{ context: CanvasRenderingContext2D, width: number, height: number } | null}
 *   a context that draws in CSS pixels, or null while the canvas is not laid out
 */
export function fitCanvas(canvas) {
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return null;

  const ratio = window.devicePixelRatio || 1;
  const pixelWidth = Math.round(width * ratio);
  const pixelHeight = Math.round(height * ratio);
  if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
  if (canvas.height !== pixelHeight) canvas.height = pixelHeight;

  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

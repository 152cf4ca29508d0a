/**
 * Pictures of the numbers: digits as pixels (with a rebuilt half tinted), a code `h` as
 * bars, and a helper that sizes a canvas to its place on the screen.
 */

const BAR_COLOUR = '#2563eb';
const AXIS_COLOUR = '#94a3b8';

/** Ink and background of a rebuilt half: light blue on dark blue. */
const REBUILT_INK = [191, 219, 254];
const REBUILT_BACKGROUND = [23, 37, 84];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];

/**
 * Draws `values` (row-major, in [0, 1]) white on black, one value a canvas pixel; CSS
 * scales the canvas up with crisp pixels.
 * @param {HTMLCanvasElement} canvas sized like the image, e.g. 28×28
 * @param {Float32Array} values `width · height` values
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

/**
 * Draws a 28×28 digit whose `hidden` half was rebuilt by a model: the seen half white on
 * black as `drawDigit` draws it, the rebuilt half light blue on dark blue.
 * @param {HTMLCanvasElement} canvas 28×28
 * @param {Float32Array} values 784 values in [0, 1], row-major
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

/**
 * Draws a code `h` as one bar per unit. Codes in [0, 1] keep that scale; larger codes
 * are scaled to their largest value, and negative values hang below a middle line.
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} code
 */
export function drawCode(canvas, code) {
  const frame = fitCanvas(canvas);
  if (!frame) return;
  const { context, width, height } = frame;

  const scale = Math.max(1, ...code.map(Math.abs));
  const signed = code.some((value) => value < 0);
  const baseline = signed ? height / 2 : height;
  const reach = signed ? height / 2 : height;

  const slot = width / code.length;
  const gap = slot >= 4 ? 1 : 0;
  context.fillStyle = BAR_COLOUR;
  code.forEach((value, unit) => {
    const length = (value / scale) * reach;
    context.fillRect(unit * slot + gap / 2, baseline - length, slot - gap, length);
  });

  context.fillStyle = AXIS_COLOUR;
  context.fillRect(0, baseline - 0.5, width, 1);
}

/**
 * Sizes the canvas's pixel buffer to its CSS box times the device pixel ratio and
 * clears it.
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

/** The colour a fraction `t` of the way from `from` to `to` (RGB triples). */
function mix(from, to, t) {
  return from.map((channel, i) => Math.round(channel + (to[i] - channel) * t));
}

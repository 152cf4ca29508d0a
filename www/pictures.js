/**
 * Pictures of the numbers: the package's drawing helpers, and a code `h` in the
 * demo's colours.
 */
import { drawBars, drawDigit, drawHalves, fitCanvas } from '../pkg/widgets.js';

export { drawDigit, drawHalves, fitCanvas };

const BAR_COLOUR = '#2563eb';
const AXIS_COLOUR = '#94a3b8';

/**
 * Draws a code `h` as one bar per unit. Codes in [0, 1] keep that scale; larger codes
 * are scaled to their largest value, and negative values hang below a middle line.
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} code
 */
export function drawCode(canvas, code) {
  drawBars(canvas, code, { bar: BAR_COLOUR, axis: AXIS_COLOUR });
}

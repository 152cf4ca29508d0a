/**
 * A live loss curve: the loss of each chunk of training steps, stacked as the
 * reconstruction part with the penalty part on top, against epochs.
 */
import { fitCanvas } from './draw.js';

const COLOURS = { reconstruction: '#2563eb', penalty: '#f59e0b', text: '#475569' };
const MARGIN = { left: 4, right: 4, top: 16, bottom: 16 };

/** The loss curve of one training run, drawn on a canvas. */
export class LossChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {() => typeof COLOURS} [colours] the colours to draw with, asked at each draw
   */
  constructor(canvas, colours = () => COLOURS) {
    this.canvas = canvas;
    this.colours = colours;
    this.points = [];
    this.epochs = 1;
  }

  /** Starts a new curve whose x axis runs from 0 to `epochs`. */
  reset(epochs) {
    this.points = [];
    this.epochs = epochs;
    this.draw();
  }

  /** Adds the losses of one chunk, a `Progress` from the trainer. */
  add({ epoch, epochProgress, reconstruction, penalty }) {
    const total = reconstruction + penalty;
    this.points.push({ x: epoch + epochProgress, reconstruction, total });
    this.draw();
  }

  draw() {
    const frame = fitCanvas(this.canvas);
    if (!frame || this.points.length === 0) return;
    const { context, width, height } = frame;

    const colours = this.colours();
    const top = Math.max(...this.points.map((point) => point.total));
    const place = placement(width, height, this.epochs, top);
    this.#band(context, place, zero, reconstructionOf, colours.reconstruction);
    this.#band(context, place, reconstructionOf, totalOf, colours.penalty);

    labels(context, width, height, this.epochs, top, colours.text);
  }

  /** Fills the band between `lower(point)` and `upper(point)` across the points. */
  #band(context, place, lower, upper, colour) {
    context.beginPath();
    this.points.forEach((point, i) => {
      const [x, y] = place(point.x, upper(point));
      if (i === 0) context.moveTo(x, y);
      else context.lineTo(x, y);
    });
    for (const point of [...this.points].reverse()) {
      context.lineTo(...place(point.x, lower(point)));
    }
    context.closePath();

    context.fillStyle = colour;
    context.fill();
  }
}

const zero = () => 0;
const reconstructionOf = (point) => point.reconstruction;
const totalOf = (point) => point.total;

/** Maps (epoch, loss) to canvas pixels inside the margins. */
function placement(width, height, epochs, top) {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  return (x, loss) => [
    MARGIN.left + (x / epochs) * plotWidth,
    MARGIN.top + (1 - loss / (top || 1)) * plotHeight,
  ];
}

function labels(context, width, height, epochs, top, colour) {
  context.fillStyle = colour;
  context.font = '11px system-ui, sans-serif';

  context.textBaseline = 'top';
  context.textAlign = 'left';
  context.fillText(`loss ${top.toPrecision(3)}`, MARGIN.left, 1);

  context.textBaseline = 'bottom';
  context.fillText('0', MARGIN.left, height);
  context.textAlign = 'right';
  context.fillText(epochs === 1 ? '1 epoch' : `${epochs} epochs`, width - MARGIN.right, height);
}

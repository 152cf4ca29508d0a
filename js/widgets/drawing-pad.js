/**
 * The drawing pad: white round-brush strokes on a transparent canvas, drawn with any
 * pointer (mouse, touch, pen), undone one stroke at a time. It can also show a digit
 * image instead of strokes; the next stroke replaces it.
 */

/** Brush width as a fraction of the pad's width: after preprocessing, an MNIST stroke. */
const BRUSH_WIDTH = 0.08;

const INK = '#fff';

/** Strokes drawn on a canvas, kept so they can be undone and redrawn. */
export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas the pad; its width and height are the ink's size
   * @param {() => void} onChange called after each change of what the pad shows
   */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;

    /** Finished strokes, each a list of `{x, y}` in canvas pixels. */
    this.strokes = [];

    /** The stroke being drawn: `{ pointerId, points }`, or null. */
    this.active = null;

    /** True while the pad shows a digit image rather than strokes. */
    this.showsImage = false;

    this.#listen();
  }

  /** True when there is no stroke to undo. */
  get isEmpty() {
    return this.strokes.length === 0 && !this.active;
  }

  /** The pad's pixels, RGBA `[height, width, 4]`; ink is in the alpha channel. */
  rgba() {
    const { width, height } = this.canvas;
    return this.context.getImageData(0, 0, width, height).data;
  }

  /** Removes all strokes and any image. */
  clear() {
    this.strokes = [];
    this.active = null;
    this.showsImage = false;
    this.#redraw();
    this.onChange();
  }

  /** Removes the last finished stroke. */
  undo() {
    if (this.active || this.strokes.length === 0) return;
    this.strokes.pop();
    this.#redraw();
    this.onChange();
  }

  /**
   * Shows a grayscale image (values in [0, 1], `size`×`size`) scaled to the pad, in
   * place of the strokes.
   */
  showImage(values, size) {
    this.strokes = [];
    this.active = null;
    this.#redraw();

    const small = new OffscreenCanvas(size, size);
    const pixels = new ImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      pixels.data.set([255, 255, 255, Math.round(values[i] * 255)], 4 * i);
    }
    small.getContext('2d').putImageData(pixels, 0, 0);

    this.context.imageSmoothingEnabled = true;
    this.context.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
    this.showsImage = true;
  }

  #listen() {
    const canvas = this.canvas;
    canvas.addEventListener('pointerdown', (event) => this.#start(event));
    canvas.addEventListener('pointermove', (event) => this.#extend(event));
    canvas.addEventListener('pointerup', (event) => this.#end(event));
    canvas.addEventListener('pointercancel', (event) => this.#end(event));
    canvas.addEventListener('lostpointercapture', (event) => this.#end(event));
  }

  #start(event) {
    if (this.active || event.button !== 0) return;
    event.preventDefault();
    // preventDefault keeps focus where it was: take it from a form field, so
    // that Ctrl+Z next undoes this stroke rather than an edit in that field.
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    this.canvas.setPointerCapture(event.pointerId);

    if (this.showsImage) this.clear();

    const point = this.#point(event);
    this.active = { pointerId: event.pointerId, points: [point] };
    this.#dot(point);
    this.onChange();
  }

  #extend(event) {
    if (event.pointerId !== this.active?.pointerId) return;
    const points = this.active.points;
    const events = event.getCoalescedEvents?.() ?? [];

    for (const each of events.length > 0 ? events : [event]) {
      const point = this.#point(each);
      this.#segment(points[points.length - 1], point);
      points.push(point);
    }
    this.onChange();
  }

  #end(event) {
    if (event.pointerId !== this.active?.pointerId) return;
    this.strokes.push(this.active.points);
    this.active = null;
    this.onChange();
  }

  /** The event's position in canvas pixels (the canvas may be scaled by CSS). */
  #point(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.canvas.width) / box.width,
      y: ((event.clientY - box.top) * this.canvas.height) / box.height,
    };
  }

  #redraw() {
    const { width, height } = this.canvas;
    this.context.clearRect(0, 0, width, height);

    for (const points of this.strokes) {
      this.#dot(points[0]);
      for (let i = 1; i < points.length; i++) this.#segment(points[i - 1], points[i]);
    }
  }

  #dot({ x, y }) {
    const context = this.context;
    context.fillStyle = INK;
    context.beginPath();
    context.arc(x, y, this.#brush() / 2, 0, 2 * Math.PI);
    context.fill();
  }

  #segment(from, to) {
    const context = this.context;
    context.strokeStyle = INK;
    context.lineWidth = this.#brush();
    context.lineCap = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }

  #brush() {
    return BRUSH_WIDTH * this.canvas.width;
  }
}

/**
 * The training data of every retrain: the built-in train digits, or the images of an
 * IDX file the person picks or drops (MNIST or Fashion-MNIST format, plain or gzip),
 * with a label file if they like.
 *
 * Size, count and image shape are checked from the file and its header before the
 * bytes go into wasm memory; `readIdxImages` then checks everything else.
 */
import { readIdxImages, readIdxLabels } from '../pkg/index.js';
import { acceptDrops } from './files.js';
import { drawDigit } from './pictures.js';

/** Largest file read, in MB (the package itself stops at 256 MB). */
export const MAX_FILE_MB = 200;

/** Most images trained on: as many as MNIST's training set. */
export const MAX_IMAGES = 60_000;

/** The models take 28×28 images (784 inputs). */
const SIDE = 28;

/** How many of the images are shown. */
const PREVIEW_COUNT = 10;

/** Second and third bytes of an IDX header after 0x00 0x00: unsigned bytes, rank. */
const UNSIGNED_BYTES = 0x08;

/** The images retraining uses, shown in the "Training data" section. */
export class TrainingData {
  /**
   * @param {HTMLElement} root the section: a drop zone holding #training-images,
   *   #training-labels, #built-in-digits, #training-data-summary and .preview
   * @param {object} context
   * @param {{ count: number, sample: (index: number) => { image: Float32Array,
   *   label: number } }} context.builtIn the built-in train digits
   * @param {(text: string, state?: string) => void} context.report writes the status line
   */
  constructor(root, { builtIn, report }) {
    this.root = root;
    this.builtIn = builtIn;
    this.report = report;

    /** `{ images, count, file, labels, labelFile }` read from files, or null. */
    this.loaded = null;

    this.#find('.limits').textContent = 'Pick or drop an IDX image file (MNIST or ' +
      `Fashion-MNIST format, plain or .gz) of ${SIDE}×${SIDE} images, at most ` +
      `${formatCount(MAX_IMAGES)} images and ${MAX_FILE_MB} MB, and its labels if you like.`;
    this.#listen();
    this.#show();
  }

  /**
   * What a retrain uses now; `images` (`[count, 784]`) is null for the built-in digits.
   * @returns {{ images: Float32Array | null, count: number, source: string }}
   */
  current() {
    if (!this.loaded) {
      return { images: null, count: this.builtIn.count, source: 'the built-in digits' };
    }
    const { images, count, file } = this.loaded;
    return { images, count, source: `${count.toLocaleString('en')} images from ${file}` };
  }

  /**
   * Trains on the images of an IDX file from now on; a file that is too big, not
   * 28×28 or not a readable image file throws, changing nothing.
   * @param {File} file
   */
  async loadImages(file) {
    checkSize(file);
    const header = await headerOf(file);
    if (header?.dims.length === 3) checkImages(...header.dims);

    this.report(`Reading ${file.name}…`, 'loading');
    const { images, count, rows, cols } = readIdxImages(await bytesOf(file));
    checkImages(count, rows, cols);

    this.loaded = { images, count, file: file.name, labels: null, labelFile: null };
    this.#show();
    this.report(`Retraining now uses ${this.current().source}.`);
  }

  /**
   * Adds the labels of the loaded images (one per image); a bad file throws.
   * @param {File} file
   */
  async loadLabels(file) {
    if (!this.loaded) throw new Error('load the image file first; labels go with it');
    checkSize(file);

    const labels = readIdxLabels(await bytesOf(file));
    const { count } = this.loaded;
    if (labels.length !== count) {
      throw new Error(`it holds ${formatCount(labels.length)} labels for ` +
        `${formatCount(count)} images`);
    }

    Object.assign(this.loaded, { labels, labelFile: file.name });
    this.#show();
    this.report(`Labelled the ${formatCount(count)} images with ${file.name}.`);
  }

  /** Goes back to the built-in train digits. */
  useBuiltIn() {
    this.loaded = null;
    this.#show();
    this.report('Retraining now uses the built-in digits.');
  }

  /** Loads dropped files: an image file, a label file, or both (told apart by header). */
  async #loadDropped(files) {
    if (files.length > 2) throw new Error('drop one image file and, if you like, its labels');

    const headers = await Promise.all(files.map(headerOf));
    const isLabels = (file) => headers[files.indexOf(file)]?.dims.length === 1;
    const [images, ...moreImages] = files.filter((file) => !isLabels(file));
    const [labels, ...moreLabels] = files.filter(isLabels);
    if (moreImages.length > 0 || moreLabels.length > 0) {
      throw new Error('drop one image file and, if you like, its labels');
    }

    const loaded = !images || (await this.#attempt(images, () => this.loadImages(images)));
    if (loaded && labels) await this.#attempt(labels, () => this.loadLabels(labels));
  }

  /** Runs `load` and reports its failure, naming the file; resolves to success. */
  async #attempt(file, load) {
    try {
      await load();
      return true;
    } catch (error) {
      this.report(`Training data: could not use ${file.name}: ${messageOf(error)}`, 'error');
      return false;
    }
  }

  #listen() {
    for (const [id, load] of [
      ['training-images', (file) => this.loadImages(file)],
      ['training-labels', (file) => this.loadLabels(file)],
    ]) {
      const input = this.#find(`#${id}`);
      input.addEventListener('change', () => {
        const [file] = input.files;
        input.value = '';
        if (file) this.#attempt(file, () => load(file));
      });
    }

    this.#find('#built-in-digits').addEventListener('click', () => this.useBuiltIn());
    acceptDrops(this.root, (files) => {
      this.#loadDropped(files).catch((error) => {
        this.report(`Training data: ${messageOf(error)}`, 'error');
      });
    });
  }

  /** Shows what retraining uses: a summary, data attributes and the first images. */
  #show() {
    const summary = this.#find('#training-data-summary');
    const { count } = this.current();
    summary.dataset.count = String(count);
    summary.dataset.source = this.loaded ? 'file' : 'built-in';
    summary.textContent = this.#describe();

    this.#find('#built-in-digits').disabled = !this.loaded;
    this.#find('#training-labels').disabled = !this.loaded;
    this.#preview();
  }

  #describe() {
    if (!this.loaded) {
      return `${formatCount(this.builtIn.count)} built-in train digits (MNIST).`;
    }
    const { count, file, labelFile } = this.loaded;
    const labels = labelFile ? `, labelled by ${labelFile}` : '';
    return `${formatCount(count)} images of ${SIDE}×${SIDE} from ${file}${labels}.`;
  }

  /** Draws the first images, with their labels when known. */
  #preview() {
    const preview = this.#find('.preview');
    const shown = Math.min(PREVIEW_COUNT, this.current().count);
    while (preview.children.length < shown) preview.append(thumbnail());

    [...preview.children].forEach((figure, index) => {
      figure.hidden = index >= shown;
      if (figure.hidden) return;
      const { image, label } = this.#sample(index);
      drawDigit(figure.querySelector('canvas'), image);
      figure.querySelector('figcaption').textContent = label ?? '';
    });
  }

  #sample(index) {
    if (!this.loaded) return this.builtIn.sample(index);
    const size = SIDE * SIDE;
    const image = this.loaded.images.subarray(index * size, (index + 1) * size);
    return { image, label: this.loaded.labels?.[index] };
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

/** Refuses a file over the size limit before it is read. */
function checkSize(file) {
  const megabytes = file.size / 2 ** 20;
  if (megabytes > MAX_FILE_MB) {
    throw new Error(`it is ${Math.ceil(megabytes)} MB; the limit is ${MAX_FILE_MB} MB`);
  }
}

/** Refuses image sets the models cannot train on. */
function checkImages(count, rows, cols) {
  if (rows !== SIDE || cols !== SIDE) {
    throw new Error(`its images are ${rows}×${cols}; the models take ${SIDE}×${SIDE} ` +
      `(${SIDE * SIDE} inputs)`);
  }
  if (count > MAX_IMAGES) {
    throw new Error(`it holds ${formatCount(count)} images; the limit is ` +
      `${formatCount(MAX_IMAGES)}`);
  }
}

/**
 * The dimensions in a file's IDX header (read through gzip if need be), or null when
 * the start of the file is not a header of unsigned bytes; `readIdxImages` says why.
 * @returns {Promise<{ dims: number[] } | null>}
 */
async function headerOf(file) {
  const head = await plainStart(file, 16);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 4 || view.getUint16(0) !== 0 || head[2] !== UNSIGNED_BYTES) return null;

  const rank = head[3];
  if (rank < 1 || rank > 3 || head.length < 4 + 4 * rank) return null;
  return { dims: Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i)) };
}

/** Up to `length` first bytes of a file, inflated if it is gzip; fewer if damaged. */
async function plainStart(file, length) {
  const magic = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip) return new Uint8Array(await file.slice(0, length).arrayBuffer());
  if (typeof DecompressionStream === 'undefined') return new Uint8Array(0);

  const stream = file.stream().pipeThrough(new DecompressionStream('gzip'));
  return readStart(stream.getReader(), length);
}

/** Reads up to `length` bytes from a stream, then cancels it. */
async function readStart(reader, length) {
  const start = new Uint8Array(length);
  let filled = 0;
  try {
    while (filled < length) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, length - filled);
      start.set(part, filled);
      filled += part.length;
    }
  } catch {
    // A damaged gzip stream: reading the whole file will name the problem.
  }
  reader.cancel().catch(() => {});
  return start.subarray(0, filled);
}

async function bytesOf(file) {
  return new Uint8Array(await file.arrayBuffer());
}

function thumbnail() {
  const figure = document.createElement('figure');
  const canvas = document.createElement('canvas');
  canvas.className = 'digit';
  canvas.width = SIDE;
  canvas.height = SIDE;
  figure.append(canvas, document.createElement('figcaption'));
  return figure;
}

function formatCount(count) {
  return count.toLocaleString('en');
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `InferencePool`: one trained model in several Web Workers (`pool-worker.js`
 * beside this file), a batch split among them by rows. The page's thread only
 * copies the rows out and the results back, so it stays free while a large
 * batch runs on every core. Each row's result has the same bits as
 * `Autoencoder.reconstruct` gives it, in either build: rows are computed
 * independently, in the same order of sums.
 */

/** Fewest rows a worker is given: below that, a message costs more than the rows. */
const SHARE_ROWS = 64;
const MOST_WORKERS = 16;

/** Runs one model's `encode`, `decode` and `reconstruct` across Web Workers. */
export class InferencePool {
  static #made = Symbol('made by create');

  #workers;
  /** `{ inputSize, codeSize, isEncoderOnly }`, as the workers' model has them. */
  #sizes;
  #next = 0;
  #calls = 0;
  /** Each share in flight, by id: `{ fail }`. */
  #pending = new Map();
  /** ArrayBuffers that came back from the workers, for the next shares. */
  #spares = [];
  #stopped = null;

  /**
   * Starts the workers and loads the model in each.
   * @param {Uint8Array | ArrayBuffer} modelBytes a model file (as `toBytes` writes)
   * @param {{ workers?: number, workerUrl?: string | URL,
   *   wasm?: string | URL | ArrayBuffer | ArrayBufferView }} [options]
   *   `workers`: 1 to 16, by default the cores the browser reports, at most 4;
   *   `workerUrl`: where pool-worker.js is; `wasm`: where the inference build's
   *   `.wasm` is, or its bytes (by default beside the package)
   * @returns {Promise<InferencePool>}
   */
  static async create(modelBytes, options = {}) {
    const op = 'InferencePool.create';
    if (typeof Worker === 'undefined') {
      throw new Error(`${op}: needs Web Workers (a page or a worker); in Node, `
        + 'call the model itself');
    }
    if (!(modelBytes instanceof Uint8Array || modelBytes instanceof ArrayBuffer)) {
      throw new Error(`${op}: \`modelBytes\` must be a Uint8Array, got ${shown(modelBytes)}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new Error(`${op}: \`options\` must be an object, got ${shown(options)}`);
    }
    const count = options.workers ?? defaultWorkers();
    if (!Number.isInteger(count) || count < 1 || count > MOST_WORKERS) {
      throw new Error(`${op}: \`workers\` must be a whole number from 1 to ${MOST_WORKERS}, `
        + `got ${shown(count)}`);
    }
    const workerUrl = options.workerUrl ?? new URL('./pool-worker.js', import.meta.url);
    // The file alone (copied out of a view): a view's whole buffer would go to every worker.
    const file = new Uint8Array(modelBytes);
    const wasm = options.wasm instanceof URL ? options.wasm.href : options.wasm ?? null;

    const workers = [];
    try {
      for (let i = 0; i < count; i += 1) workers.push(new Worker(workerUrl, { type: 'module' }));
      const sizes = await Promise.all(workers.map((worker) => loaded(worker, wasm, file)));
      return new InferencePool(InferencePool.#made, workers, sizes[0]);
    } catch (error) {
      workers.forEach((worker) => worker.terminate());
      throw named(op, error);
    }
  }

  /** Use `await InferencePool.create(modelBytes)`: a pool is ready only once its workers are. */
  constructor(made, workers, sizes) {
    if (made !== InferencePool.#made) {
      throw new Error('new InferencePool: make one with `await InferencePool.create(modelBytes)`');
    }
    this.#workers = workers;
    this.#sizes = sizes;
    for (const worker of workers) {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.#stop(`a worker failed (${event.message || 'for no reason it gave'})`);
      });
      worker.addEventListener('messageerror', () => {
        this.#stop('a worker sent a message that could not be read');
      });
    }
  }

  /** How many workers hold the model. */
  get workers() {
    return this.#workers.length;
  }

  /** Values per row of an input, and of a code (as the model's). */
  get inputSize() {
    return this.#sizes.inputSize;
  }

  get codeSize() {
    return this.#sizes.codeSize;
  }

  /** True for an exported encoder: it can encode, not decode or reconstruct. */
  get isEncoderOnly() {
    return this.#sizes.isEncoderOnly;
  }

  /** `[n, inputSize]` → `[n, codeSize]`, as `Autoencoder.encode`. */
  encode(x) {
    return this.#run('encode', x, null);
  }

  /** `[n, codeSize]` → `[n, inputSize]`, as `Autoencoder.decode`. */
  decode(code) {
    return this.#run('decode', code, null);
  }

  /** `decode(encode(x))`, as `Autoencoder.reconstruct`. */
  reconstruct(x) {
    return this.#run('reconstruct', x, null);
  }

  /**
   * `encode` into `out`, a Float32Array of the result's length, once every
   * share is done; on an error `out` is left as it was. It may be `x` itself.
   * @returns {Promise<void>}
   */
  encodeInto(x, out) {
    return this.#run('encode', x, out, 'encodeInto');
  }

  decodeInto(code, out) {
    return this.#run('decode', code, out, 'decodeInto');
  }

  reconstructInto(x, out) {
    return this.#run('reconstruct', x, out, 'reconstructInto');
  }

  /** Ends the workers; calls in flight reject, and so does every later call. */
  terminate() {
    this.#stop('this InferencePool was terminated');
  }

  #stop(reason) {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#workers.forEach((worker) => worker.terminate());
    for (const share of this.#pending.values()) share.fail(new Error(reason));
    this.#pending.clear();
  }

  async #run(op, x, out, name = op) {
    const called = `InferencePool.${name}`;
    if (this.#stopped) throw new Error(`${called}: ${this.#stopped}`);
    const [inWidth, outWidth] = widths(op, this.inputSize, this.codeSize);
    if (!(x instanceof Float32Array)) {
      throw new Error(`${called}: \`${op === 'decode' ? 'code' : 'x'}\` must be a Float32Array, `
        + `got ${shown(x)}`);
    }
    const rows = x.length / inWidth;
    const whole = x.length > 0 && Number.isInteger(rows);
    if (whole && out !== null) checkOut(called, out, rows * outWidth);

    // A batch the model refuses goes whole to one worker, so that its error
    // names the value or length as in the batch given: the same checks, the
    // same words as `Autoencoder`'s.
    const shares = whole ? split(rows, this.#workers.length) : [[0, 0]];
    const first = this.#next;
    this.#next = (first + shares.length) % this.#workers.length;
    const worker = (i) => this.#workers[(first + i) % this.#workers.length];
    const pending = Promise.all(shares.map(([start, end], i) => {
      return whole
        ? this.#send(worker(i), op, x.subarray(start * inWidth, end * inWidth), (end - start) * outWidth)
        : this.#send(worker(i), op, x, null);
    })).catch(async (error) => {
      if (shares.length === 1 || this.#stopped) throw error;
      // A share failed (a NaN in it, say): the whole batch again in one
      // worker, for the error's index within the batch.
      this.#recycle(await this.#send(worker(0), op, x, rows * outWidth));
      throw error;
    }).catch((error) => {
      throw named(called, error);
    });
    // A new array is made while the workers run: a fresh 3 MB costs
    // Chromium about a millisecond, which this thread would otherwise idle.
    const result = out ?? (whole ? new Float32Array(rows * outWidth) : null);
    const parts = await pending;
    shares.forEach(([start], i) => {
      result.set(parts[i].result, start * outWidth);
      this.#recycle(parts[i]);
    });
    return out === null ? result : undefined;
  }

  /**
   * Sends `values` (a copy in a spare buffer) to `worker`, with a spare
   * buffer of `resultLength` for its result (none where `resultLength` is
   * null: the worker then makes its own). Resolves with the share's arrays
   * `{ x, result }`, whose buffers are spares again once read.
   */
  #send(worker, op, values, resultLength) {
    const id = ++this.#calls;
    const x = this.#spare(values.length);
    x.set(values);
    // A reconstruction has its input's shape: the worker writes it over `x`.
    const out = resultLength === null || op === 'reconstruct' ? null : this.#spare(resultLength);
    return new Promise((resolve, reject) => {
      const listener = ({ data }) => {
        if (data?.id !== id) return;
        worker.removeEventListener('message', listener);
        this.#pending.delete(id);
        if (data.type === 'done') resolve({ x: data.x, result: data.result });
        else reject(new Error(data.message));
      };
      const fail = (error) => {
        worker.removeEventListener('message', listener);
        reject(error);
      };
      this.#pending.set(id, { fail });
      worker.addEventListener('message', listener);
      worker.postMessage({ type: 'run', id, op, x, out }, out ? [x.buffer, out.buffer] : [x.buffer]);
    });
  }

  /**
   * A Float32Array of `length` values over the smallest spare buffer that
   * holds them, or over a new one. New buffers are what a batch would
   * otherwise pay most for: Chromium maps and zeroes fresh memory.
   */
  #spare(length) {
    const bytes = length * Float32Array.BYTES_PER_ELEMENT;
    let best = -1;
    this.#spares.forEach((buffer, i) => {
      if (buffer.byteLength >= bytes
        && (best < 0 || buffer.byteLength < this.#spares[best].byteLength)) best = i;
    });
    const buffer = best < 0 ? new ArrayBuffer(bytes) : this.#spares.splice(best, 1)[0];
    return new Float32Array(buffer, 0, length);
  }

  /** Keeps the buffers of a finished share as spares: the largest few, two per worker. */
  #recycle({ x, result }) {
    this.#spares.push(...new Set([x.buffer, result.buffer]));
    this.#spares.sort((a, b) => b.byteLength - a.byteLength);
    this.#spares.length = Math.min(this.#spares.length, 2 * this.#workers.length);
  }
}

/** Waits for a new worker to load the model; resolves with the model's sizes. */
function loaded(worker, wasm, bytes) {
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', ({ data }) => {
      if (data?.type === 'loaded') resolve(data);
      else if (data?.type === 'error' && data.id === null) reject(new Error(data.message));
    }, { once: true });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new Error(`a worker could not start (${event.message
        || 'its script could not be loaded'})`));
    }, { once: true });
    worker.postMessage({ type: 'load', wasm, bytes });
  });
}

/** `error` as thrown by the call `called`: the model's name for its call gives way to the pool's. */
function named(called, error) {
  const message = error.message.replace(/^Autoencoder\.\w+: /, '');
  return new Error(`${called}: ${message}`, { cause: error });
}

function defaultWorkers() {
  const cores = globalThis.navigator?.hardwareConcurrency;
  return Number.isInteger(cores) && cores > 0 ? Math.min(cores, 4) : 2;
}

/** Values per row of the input and of the result of `op`. */
function widths(op, inputSize, codeSize) {
  if (op === 'encode') return [inputSize, codeSize];
  if (op === 'decode') return [codeSize, inputSize];
  return [inputSize, inputSize];
}

/** `[start, end)` row ranges, as even as whole rows allow, of at least SHARE_ROWS rows each. */
function split(rows, workers) {
  const count = Math.max(1, Math.min(workers, Math.floor(rows / SHARE_ROWS)));
  return Array.from({ length: count }, (_, i) => [
    Math.round((rows * i) / count), Math.round((rows * (i + 1)) / count),
  ]);
}

function checkOut(called, out, length) {
  if (!(out instanceof Float32Array)) {
    throw new Error(`${called}: \`out\` must be a Float32Array, got ${shown(out)}`);
  }
  if (out.length !== length) {
    throw new Error(`${called}: \`out\` must hold ${length} values for this input, `
      + `got ${out.length}`);
  }
}

/** A value as a message shows it: its kind, and the value itself where short. */
function shown(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.slice(0, 40)}'`;
  if (typeof value !== 'object' && typeof value !== 'function') return String(value);
  return value.constructor?.name ?? 'an object';
}

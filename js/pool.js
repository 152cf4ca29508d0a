/**
 * `InferencePool`: one trained model in several Web Workers (`pool-worker.js`
 * beside this file), a batch split among them by rows. The page's thread only
 * copies the rows out and the results back, so it stays free while a large
 * batch runs on every core; arrays on a SharedArrayBuffer (a cross-origin-
 * isolated page) it does not even copy: the workers read and write them.
 * Each row's result has the same bits as `Autoencoder.reconstruct` gives it,
 * in either build: rows are computed independently, in the same order of
 * sums. The `fused` option trades that for speed.
 */

import { TYPED, bufferOf, lengthOf, shown, typeOf } from './load.js';
import { CANCELLED, COMMITTED, LENGTH as BARRIER_LENGTH, OPEN, STATE } from './pool-barrier.js';

/** Fewest rows a worker is given: below that, a message costs more than the rows. */
const SHARE_ROWS = 64;
const MOST_WORKERS = 16;
/** How long a new worker may take to run its script and say so, in ms. */
const START_TIMEOUT = 30_000;
/** How long it may then take to load the wasm module and the model, in ms. */
const LOAD_TIMEOUT = 120_000;
/** What the methods without `out` pass for it: an `out` of null is the caller's mistake. */
const NO_OUT = Symbol('no out');

const { subarray } = TYPED;
const tag = (value) => Object.prototype.toString.call(value);
const isArrayBuffer = (value) => tag(value) === '[object ArrayBuffer]';
/**
 * Whether the workers see a typed array's memory in place: it is shared, and
 * the page cross-origin isolated (elsewhere shared memory cannot be sent to a
 * worker, and such arrays are copied like any other).
 */
const inPlace = (array) => tag(bufferOf.call(array)) === '[object SharedArrayBuffer]'
  && globalThis.crossOriginIsolated === true;

/** Runs one model's `encode`, `decode` and `reconstruct` across Web Workers. */
export class InferencePool {
  static #made = Symbol('made by create');

  #workers;
  /** `{ inputSize, codeSize, isEncoderOnly }`, as the workers' model has them. */
  #sizes;
  #fused;
  #calls = 0;
  /** Each share in flight, by id: `{ resolve, reject }`. */
  #pending = new Map();
  /** ArrayBuffers that came back from the workers, for the next shares. */
  #spares = [];
  /** Calls in flight whose `out` the workers write: `{ barrier, ids }`. */
  #sharedCalls = new Set();
  #next = 0;
  #stopped = null;

  /**
   * Starts the workers and loads the model in each.
   * @param {Uint8Array | ArrayBuffer} modelBytes a model file (as `toBytes` writes)
   * @param {import('./pool.d.ts').InferencePoolOptions} [options]
   * @returns {Promise<InferencePool>}
   */
  static async create(modelBytes, options = {}) {
    const op = 'InferencePool.create';
    if (typeof Worker === 'undefined') {
      throw new Error(`${op}: needs Web Workers (a page or a worker); in Node, `
        + 'call the model itself');
    }
    const isBytes = ArrayBuffer.isView(modelBytes) && typeOf.call(modelBytes) === 'Uint8Array';
    if (!isBytes && !isArrayBuffer(modelBytes)) {
      throw new Error(`${op}: \`modelBytes\` must be a Uint8Array or an ArrayBuffer, `
        + `got ${shown(modelBytes)}`);
    }
    if (detached(modelBytes)) {
      throw new Error(`${op}: \`modelBytes\` was transferred elsewhere (detached): it holds no bytes`);
    }
    if (options === null || typeof options !== 'object') {
      throw new Error(`${op}: \`options\` must be an object, got ${shown(options)}`);
    }
    const count = options.workers ?? defaultWorkers();
    if (!Number.isInteger(count) || count < 1 || count > MOST_WORKERS) {
      throw new Error(`${op}: \`workers\` must be a whole number from 1 to ${MOST_WORKERS}, `
        + `got ${shown(count)}`);
    }
    const fused = options.fused ?? false;
    if (typeof fused !== 'boolean') {
      throw new Error(`${op}: \`fused\` must be true or false, got ${shown(fused)}`);
    }
    const wasm = wasmSource(op, options.wasm);
    // The file alone, copied out of a view: a view's whole buffer would go to every worker.
    const file = isBytes ? Uint8Array.from(modelBytes) : new Uint8Array(modelBytes);

    const workers = [];
    try {
      for (let i = 0; i < count; i += 1) {
        // A literal `new URL(..., import.meta.url)` inside `new Worker`, as bundlers look for.
        workers.push(options.workerUrl === undefined
          ? new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' })
          : new Worker(options.workerUrl, { type: 'module' }));
      }
      const sizes = await Promise.all(workers.map((worker) => loaded(worker, wasm, fused, file)));
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
    this.#fused = sizes.fused;
    for (const worker of workers) {
      // One listener per worker: each answer finds its share by id.
      worker.addEventListener('message', ({ data }) => this.#answer(data));
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.#stop(`a worker failed (${event.message || 'for no reason it gave'})`, true);
      });
      worker.addEventListener('messageerror', () => {
        this.#stop('a worker sent a message that could not be read', true);
      });
    }
  }

  /** How many workers hold the model (none once terminated). */
  get workers() {
    return this.#stopped ? 0 : this.#workers.length;
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

  /**
   * True where the workers run the fused build (`fused: true` was asked and
   * the runtime has relaxed SIMD): faster, with other last bits.
   */
  get fused() {
    return this.#fused;
  }

  /** `[n, inputSize]` → `[n, codeSize]`, as `Autoencoder.encode`. */
  encode(x) {
    return InferencePool.#call(this, 'encode', x, NO_OUT, 'encode');
  }

  /** `[n, codeSize]` → `[n, inputSize]`, as `Autoencoder.decode`. */
  decode(code) {
    return InferencePool.#call(this, 'decode', code, NO_OUT, 'decode');
  }

  /** `decode(encode(x))`, as `Autoencoder.reconstruct`. */
  reconstruct(x) {
    return InferencePool.#call(this, 'reconstruct', x, NO_OUT, 'reconstruct');
  }

  /**
   * `encode` into `out`, a Float32Array of the result's length, once every
   * share is done; on an error `out` is left as it was. It may be `x` itself.
   * @returns {Promise<void>}
   */
  encodeInto(x, out) {
    return InferencePool.#call(this, 'encode', x, out, 'encodeInto');
  }

  decodeInto(code, out) {
    return InferencePool.#call(this, 'decode', code, out, 'decodeInto');
  }

  reconstructInto(x, out) {
    return InferencePool.#call(this, 'reconstruct', x, out, 'reconstructInto');
  }

  /**
   * Ends the workers and lets go of the buffers kept for reuse; calls in
   * flight reject, and so does every later call. A call whose workers are
   * already writing their results into shared memory finishes first (and
   * resolves): its `out` is never left half written.
   */
  terminate() {
    if (!InferencePool.#isPool(this)) {
      throw new Error(`InferencePool.terminate: ${notAPool(this, 'terminate')}`);
    }
    this.#stop('this InferencePool was terminated');
  }

  static #isPool(value) {
    return value !== null && typeof value === 'object' && #workers in value;
  }

  /** A method's call: a rejection, never a throw, for a `this` that is no pool. */
  static #call(pool, op, x, out, name) {
    if (!InferencePool.#isPool(pool)) {
      return Promise.reject(new Error(`InferencePool.${name}: ${notAPool(pool, name)}`));
    }
    return pool.#run(op, x, out, name);
  }

  /**
   * Rejects the calls in flight and ends the workers, but for calls already
   * committed to writing into shared memory: their workers end once those
   * are done, unless a worker `failed`, which ends everything at once.
   */
  #stop(reason, failed = false) {
    if (this.#stopped && !failed) return;
    this.#stopped ??= reason;
    this.#spares = [];
    const finishing = new Set();
    for (const { barrier, ids } of this.#sharedCalls) {
      const state = Atomics.compareExchange(barrier, STATE, OPEN, CANCELLED);
      Atomics.notify(barrier, STATE);
      if (state === COMMITTED && !failed) ids.forEach((id) => finishing.add(id));
    }
    for (const [id, share] of this.#pending) {
      if (finishing.has(id)) continue;
      this.#pending.delete(id);
      share.reject(new Error(reason));
    }
    if (this.#pending.size === 0) this.#workers.forEach((worker) => worker.terminate());
  }

  #answer(data) {
    const share = this.#pending.get(data?.id);
    if (!share) return;
    this.#pending.delete(data.id);
    if (data.type === 'done') share.resolve({ x: data.x, result: data.result });
    else share.reject(new Error(data.message));
    // The last share a stopped pool waited for.
    if (this.#stopped && this.#pending.size === 0) this.#workers.forEach((worker) => worker.terminate());
  }

  async #run(op, x, out, name) {
    const called = `InferencePool.${name}`;
    if (this.#stopped) throw new Error(`${called}: ${this.#stopped}`);
    const [inWidth, outWidth] = widths(op, this.inputSize, this.codeSize);
    const input = op === 'decode' ? 'code' : 'x';
    if (!isFloats(x)) throw new Error(`${called}: \`${input}\` must be a Float32Array, got ${shown(x)}`);
    if (detached(x)) {
      throw new Error(`${called}: \`${input}\` was transferred elsewhere (detached): it holds no values`);
    }
    const length = lengthOf.call(x);
    const rows = length / inWidth;
    const whole = length > 0 && Number.isInteger(rows);
    // The model's order of checks: a decoder first, then the input's length
    // and values, then `out` (a bad `out` waits for a NaN's error, if any).
    const decodes = op !== 'encode';
    if (whole && out !== NO_OUT && !(decodes && this.isEncoderOnly)) {
      const wrong = outProblem(out, rows * outWidth);
      if (wrong) {
        const bad = firstNonFinite(x);
        throw new Error(bad < 0 ? `${called}: ${wrong}`
          : `${called}: input value at index ${bad} is NaN or infinite`);
      }
    }

    // A batch the model refuses for its length goes whole to one worker, for
    // the model's own words about it.
    const shares = whole ? split(rows, this.#workers.length) : [[0, 0]];
    // An `out` in shared memory is written by the workers themselves, once
    // every share has its result (they wait for each other on `barrier`).
    const sharedOut = whole && out !== NO_OUT && inPlace(out);
    const call = sharedOut
      ? { barrier: new Int32Array(new SharedArrayBuffer(4 * BARRIER_LENGTH)), ids: [] } : null;
    const first = this.#next;
    this.#next = (first + shares.length) % this.#workers.length;
    const sent = shares.map(([start, end], i) => {
      const worker = this.#workers[(first + i) % this.#workers.length];
      if (!whole) return this.#send(worker, op, x, null);
      const share = {
        x: subarray.call(x, start * inWidth, end * inWidth),
        out: sharedOut ? subarray.call(out, start * outWidth, end * outWidth) : null,
        call,
        count: shares.length,
      };
      return this.#send(worker, op, share.x, (end - start) * outWidth, share);
    });
    if (call) this.#sharedCalls.add(call);
    let settled;
    try {
      settled = await Promise.allSettled(sent);
    } finally {
      this.#sharedCalls.delete(call);
    }
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') this.#recycle(outcome.value);
    }
    const failures = settled.flatMap((outcome, i) => {
      return outcome.status === 'rejected' ? [{ error: outcome.reason, offset: shares[i][0] * inWidth }] : [];
    });
    if (failures.length > 0) throw named(called, batchError(failures));

    if (sharedOut) return undefined;
    const parts = settled.map((outcome) => outcome.value.result);
    if (out !== NO_OUT) {
      // Checked again: the caller may have transferred or shrunk it meanwhile.
      const wrong = outProblem(out, rows * outWidth);
      if (wrong) throw new Error(`${called}: ${wrong} (it changed while the call ran)`);
    }
    const result = out === NO_OUT ? new Float32Array(rows * outWidth) : out;
    shares.forEach(([start], i) => result.set(parts[i], start * outWidth));
    return out === NO_OUT ? result : undefined;
  }

  /**
   * Sends `values` to `worker`: a copy in a spare buffer, or the values
   * themselves where they are in shared memory. The result goes into
   * `shared.out` where that is given (shared memory too, written once the
   * `shared.count` shares that meet at `shared.call`'s barrier all have
   * theirs; the share's id joins the call's), else
   * into a spare buffer of `resultLength` (none where `resultLength` is null:
   * the worker then makes its own). Resolves with the share's arrays
   * `{ x, result }`, whose unshared buffers become spares again once read.
   */
  #send(worker, op, values, resultLength, shared = {}) {
    const id = ++this.#calls;
    const barrier = shared.call?.barrier;
    shared.call?.ids.push(id);
    return new Promise((resolve, reject) => {
      try {
        const seen = inPlace(values);
        const x = seen ? values : this.#spare(values.length);
        if (!seen) x.set(values);
        // A reconstruction has its input's shape: the worker writes it over a copied `x`.
        const out = shared.out ?? (resultLength === null || (op === 'reconstruct' && !seen)
          ? null : this.#spare(resultLength));
        const moved = [x, out].filter((a) => a && !inPlace(a)).map((a) => a.buffer);
        this.#pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'run', id, op, x, out, barrier, count: shared.count }, moved);
      } catch (error) {
        // The other shares' workers must not wait for this one.
        if (barrier) {
          Atomics.compareExchange(barrier, STATE, OPEN, CANCELLED);
          Atomics.notify(barrier, STATE);
        }
        this.#pending.delete(id);
        reject(error);
      }
    });
  }

  /**
   * A Float32Array of `length` values over the smallest spare buffer that
   * holds them, or over a new one: new buffers are costly in Chromium, which
   * maps and zeroes fresh memory.
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

  /**
   * Keeps the buffers of a finished share as spares: the largest, two per
   * worker, so the pool holds about twice its largest batch until `terminate`.
   */
  #recycle({ x, result }) {
    if (this.#stopped) return;
    this.#spares.push(...new Set([x, result].filter((a) => a && !inPlace(a)).map((a) => a.buffer)));
    this.#spares.sort((a, b) => b.byteLength - a.byteLength);
    this.#spares.length = Math.min(this.#spares.length, 2 * this.#workers.length);
  }
}

/**
 * The error the model would give for the whole batch, from its shares'
 * errors (`{ error, offset }`, `offset` the share's first value): a NaN's
 * index counted from the batch's start, found in the earliest share that has
 * one (the model checks every value before any sum); else the overflow in
 * the earliest layer (the model runs the batch layer by layer); else the
 * first error.
 */
function batchError(failures) {
  for (const { error, offset } of failures) {
    const found = /^(.*input value at index )(\d+)( .*)$/s.exec(error.message);
    if (found) return new Error(`${found[1]}${Number(found[2]) + offset}${found[3]}`);
  }
  const layer = (failure) => Number(/overflowed in layer (\d+)/.exec(failure.error.message)?.[1]);
  const overflows = failures.filter((failure) => layer(failure) > 0);
  if (overflows.length > 0) return overflows.reduce((a, b) => (layer(b) < layer(a) ? b : a)).error;
  return failures[0].error;
}

/**
 * Waits for a new worker to run its script and load the model; resolves
 * with the model's sizes. A worker that answers as no pool-worker.js
 * would, or not at all, is refused.
 */
function loaded(worker, wasm, fused, bytes) {
  return new Promise((resolve, reject) => {
    let silent = setTimeout(() => {
      fail(new Error(`a worker did not start within ${START_TIMEOUT / 1000} s (is its script pool-worker.js?)`));
    }, START_TIMEOUT);
    const onMessage = ({ data }) => {
      if (data?.type === 'started') {
        // Sent only now: a script that imports pool-worker.js late (after an
        // `await`) would miss a message sent before it listens.
        worker.postMessage({ type: 'load', wasm, fused, bytes });
        clearTimeout(silent);
        silent = setTimeout(() => {
          fail(new Error(`a worker did not load the model within ${LOAD_TIMEOUT / 1000} s `
            + '(does the wasm file answer?)'));
        }, LOAD_TIMEOUT);
      } else if (data?.type === 'loaded') {
        done();
        resolve(data);
      } else if (data?.type === 'error' && data.id === null) {
        fail(new Error(data.message));
      } else {
        fail(new Error('a worker answered as no pool-worker.js would: is `workerUrl` that script?'));
      }
    };
    const onError = (event) => {
      event.preventDefault();
      fail(new Error(`a worker could not start (${event.message || 'its script could not be loaded'})`));
    };
    const done = () => {
      clearTimeout(silent);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    const fail = (error) => {
      done();
      reject(error);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

/** The `wasm` option as a worker can use it: a string or URL resolved against the page, or bytes. */
function wasmSource(op, wasm) {
  if (wasm === undefined || wasm === null) return null;
  if (typeof wasm === 'string' || wasm instanceof URL) {
    try {
      return new URL(wasm, globalThis.location?.href).href;
    } catch {
      throw new Error(`${op}: \`wasm\` is no URL: ${shown(wasm)}`);
    }
  }
  return wasm;
}

/** `error` as thrown by the call `called`: the model's name for its call gives way to the pool's. */
function named(called, error) {
  const message = error.message.replace(/^Autoencoder\.\w+: /, '');
  return new Error(`${called}: ${message}`, { cause: error });
}

function notAPool(value, name) {
  return `called on ${shown(value)}, which is not an InferencePool (a method taken off its `
    + `object? call it as pool.${name}(...))`;
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

/** A Float32Array of this realm or another (an iframe's). */
function isFloats(value) {
  return ArrayBuffer.isView(value) && typeOf.call(value) === 'Float32Array';
}

/** Whether an array's buffer, or a buffer, was transferred away. */
function detached(value) {
  const buffer = isArrayBuffer(value) ? value : bufferOf.call(value);
  return buffer.detached === true;
}

/** What is wrong with `out` for a result of `length` values, or null. */
function outProblem(out, length) {
  if (!isFloats(out)) return `\`out\` must be a Float32Array, got ${shown(out)}`;
  if (detached(out)) return '`out` was transferred elsewhere (detached): it holds no values';
  const given = lengthOf.call(out);
  return given === length ? null : `\`out\` must hold ${length} values for this input, got ${given}`;
}

/** The index of the first NaN or infinity in `values`, or -1. */
function firstNonFinite(values) {
  const length = lengthOf.call(values);
  for (let i = 0; i < length; i += 1) {
    if (!Number.isFinite(values[i])) return i;
  }
  return -1;
}

/**
 * `TrainingWorker`: trains a model in a Web Worker (`worker.js` beside this file), one
 * job at a time, turning the worker's messages into a promise per job and
 * `onprogress` calls. The messages are described at the top of worker.js.
 */

/** Trains in a Web Worker so the page never blocks. */
export class TrainingWorker {
  /** Called with `{ type: 'progress', ...Progress }` after each chunk of a job. */
  onprogress = null;

  /** The worker, or null after it failed (the next job starts a new one). */
  #worker = null;
  #workerUrl;
  #jobCount = 0;
  #terminated = false;

  /** The running job: `{ resolve, reject, removeListeners }`, or null. */
  #job = null;

  /**
   * @param {{ workerUrl?: string | URL }} [options] where the worker script is;
   *   by default `worker.js` beside this module. It is started as a module worker.
   */
  constructor({ workerUrl = new URL('./worker.js', import.meta.url) } = {}) {
    if (typeof Worker === 'undefined') {
      throw new Error('TrainingWorker needs Web Workers (a page or a worker); '
        + 'in Node, use Trainer directly');
    }
    this.#workerUrl = workerUrl;
    this.#worker = this.#spawn();
  }

  #spawn() {
    return new Worker(this.#workerUrl, { type: 'module' });
  }

  /**
   * Runs a training job.
   * @param {import('./index.js').TrainingJob} job
   * @returns {Promise<Uint8Array>} the trained model file; rejects with an Error on a
   *   failure, on `cancel()`, on `terminate()`, or if a job is already running.
   */
  train(job) {
    return this.#request('train', job);
  }

  /**
   * Measures a linear classifier on a model's codes and on raw pixels, off the
   * main thread.
   * @param {import('./index.js').ProbeJob} job
   * @returns {Promise<import('./index.js').ProbeResult>}
   */
  probe(job) {
    return this.#request('probe', job);
  }

  /**
   * Loads the wasm module and the built-in digits in the worker now, so that
   * later jobs need no network (a page that must work offline once loaded).
   * @returns {Promise<null>}
   */
  prepare() {
    return this.#request('prepare', {});
  }

  #request(type, job) {
    if (this.#terminated) {
      return Promise.reject(new Error('this TrainingWorker was terminated'));
    }
    if (this.#job) {
      return Promise.reject(new Error('this TrainingWorker is already running a job'));
    }
    return new Promise((resolve, reject) => this.#start(type, job, resolve, reject));
  }

  /** Pauses the running job after its current chunk. */
  pause() {
    if (this.#job) this.#worker.postMessage({ type: 'pause' });
  }

  /** Resumes a paused job. */
  resume() {
    if (this.#job) this.#worker.postMessage({ type: 'resume' });
  }

  /**
   * Stops the running job; its promise rejects with "training cancelled" (a
   * training job) or "job cancelled" (a probe or prepare).
   */
  cancel() {
    if (!this.#job) return;
    this.#worker.postMessage({ type: 'cancel' });
    this.#finish(this.#cancelledError());
  }

  #cancelledError() {
    return new Error(this.#job?.type === 'train' ? 'training cancelled' : 'job cancelled');
  }

  /** Ends the worker for good; a running job rejects. */
  terminate() {
    this.#terminated = true;
    this.#worker?.terminate();
    this.#finish(new Error('the TrainingWorker was terminated'));
  }

  #start(type, job, resolve, reject) {
    const id = ++this.#jobCount;
    // A worker that failed (its script could not load, say) fires `error`
    // once and then answers nothing: each job after a failure starts afresh.
    this.#worker ??= this.#spawn();
    const worker = this.#worker;

    const onMessage = ({ data }) => {
      if (data?.id === id) this.#handle(data);
    };
    const onError = (event) => {
      event.preventDefault();
      const reason = event.message || 'the worker script could not be loaded';
      worker.terminate();
      if (this.#worker === worker) this.#worker = null;
      this.#finish(new Error(`training worker failed: ${reason}`));
    };
    const onMessageError = () => {
      this.#finish(new Error('training worker sent a message that could not be read'));
    };

    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onMessageError);
    const removeListeners = () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
    };
    this.#job = { type, resolve, reject, removeListeners };

    try {
      worker.postMessage({ type, id, job });
    } catch (error) {
      this.#finish(error);
    }
  }

  #handle(message) {
    switch (message.type) {
      case 'progress': {
        const progress = { ...message };
        delete progress.id;
        this.onprogress?.(progress);
        break;
      }
      case 'done':
        this.#finish(null, message.bytes ?? message.result);
        break;
      case 'cancelled':
        this.#finish(this.#cancelledError());
        break;
      case 'error':
        this.#finish(new Error(message.message));
        break;
    }
  }

  /** Ends the running job: removes its listeners, then settles its promise. */
  #finish(error, outcome) {
    const job = this.#job;
    if (!job) return;

    this.#job = null;
    job.removeListeners();

    if (error) job.reject(error);
    else job.resolve(outcome);
  }
}

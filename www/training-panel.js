/**
 * A card's training panel: runs jobs in the card's own `TrainingWorker` and shows
 * their progress, speed and live loss curve, with pause, resume and cancel.
 */
import { TrainingWorker } from '../pkg/index.js';
import { LossChart } from '../pkg/widgets.js';

/** Runs one training job at a time for a card and shows how it goes. */
export class TrainingPanel {
  /**
   * @param {HTMLElement} root the card's `.training` section
   * @param {(running: boolean) => void} onRunningChange called as a job starts and ends
   */
  constructor(root, onRunningChange) {
    this.root = root;
    this.onRunningChange = onRunningChange;
    this.chart = new LossChart(this.#find('.loss-chart'));

    this.worker = null;
    this.running = false;
    this.paused = false;
    this.cancelled = false;
    this.epochs = 1;

    this.#listen();
  }

  /**
   * Runs a training job (see `TrainingJob`; `epochs` is required here).
   * @param {import('../pkg/index.js').TrainingJob} job
   * @param {string} source what it trains on, e.g. "the built-in digits"
   * @returns {Promise<Uint8Array | null>} the trained model file, or null if cancelled
   */
  async run(job, source) {
    if (this.running) throw new Error('a training job is already running');
    this.#begin(job.epochs, source);

    try {
      return await this.#trainer().train(job);
    } catch (error) {
      if (this.cancelled) return null;
      throw error;
    } finally {
      this.#end();
    }
  }

  /** Draws the loss curve again, e.g. after the page was resized. */
  redraw() {
    this.chart.draw();
  }

  /** The card's worker, started on first use and kept for later jobs. */
  #trainer() {
    if (!this.worker) {
      this.worker = new TrainingWorker();
      this.worker.onprogress = (progress) => this.#show(progress);
    }
    return this.worker;
  }

  #begin(epochs, source) {
    this.running = true;
    this.paused = false;
    this.cancelled = false;
    this.epochs = epochs;

    this.root.hidden = false;
    this.root.dataset.step = '0';
    this.root.dataset.epochs = '0';
    this.#find('.progress').value = 0;
    const plural = epochs === 1 ? '' : 's';
    this.#find('.epoch').textContent = `starting: ${epochs} epoch${plural} on ${source}`;
    this.#find('.speed').textContent = '';
    for (const readout of this.root.querySelectorAll('dd')) readout.textContent = '…';
    this.chart.reset(epochs);

    this.#setButtons();
    this.onRunningChange(true);
  }

  #end() {
    this.running = false;
    this.paused = false;
    this.#setButtons();
    this.onRunningChange(false);
  }

  /** Shows one `Progress` message. */
  #show(progress) {
    const done = progress.epoch + progress.epochProgress;
    this.root.dataset.step = String(progress.step);
    this.root.dataset.epochs = String(done);
    this.#find('.progress').value = Math.min(done / this.epochs, 1);
    this.#find('.epoch').textContent =
      `epoch ${done.toFixed(1)} of ${this.epochs}, step ${progress.step}`;
    const speed = Math.round(progress.examplesPerSecond).toLocaleString('en');
    this.#find('.speed').textContent = `${speed} examples/s`;

    readout(this.#find('.reconstruction-loss'), progress.reconstruction);
    readout(this.#find('.penalty'), progress.penalty);
    readout(this.#find('.loss'), progress.loss);
    this.chart.add(progress);
  }

  #listen() {
    this.#find('.pause').addEventListener('click', () => {
      this.paused = !this.paused;
      if (this.paused) this.worker.pause();
      else this.worker.resume();
      this.#setButtons();
    });

    this.#find('.cancel').addEventListener('click', () => {
      this.cancelled = true;
      this.worker.cancel();
    });
  }

  #setButtons() {
    const pause = this.#find('.pause');
    pause.disabled = !this.running;
    pause.textContent = this.paused ? 'Resume' : 'Pause';
    this.#find('.cancel').disabled = !this.running;
    this.root.dataset.paused = String(this.paused);
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

/** Writes a loss into a readout, with the exact number in `data-value`. */
function readout(element, value) {
  element.dataset.value = String(value);
  element.textContent = value.toPrecision(3);
}

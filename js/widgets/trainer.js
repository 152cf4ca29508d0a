/**
 * `<ae-trainer>`: retrains its `<ae-model>` from fresh weights, as the model's
 * attributes describe it, in a Web Worker, with a live loss curve split into
 * reconstruction and penalty. Every view of the model shows the new one.
 *
 * Attributes: epochs (default 2), learning-rate (3e-3), batch-size (64),
 * seed (7), `auto` (retrain whenever the model's attributes change, e.g. a
 * slider moving λ), label (the button's text, default "Train").
 * Parts: button, progress, chart. Events: `trainingdone`, `trainingerror`.
 */
import { Autoencoder } from '../index.js';
import { themeColour } from './draw.js';
import { LossChart } from './loss-chart.js';
import { WorkerView, numberAttribute } from './view.js';

/** How long `auto` waits after the last change before it retrains. */
const SETTLE_MS = 250;

export class AeTrainer extends WorkerView {
  static style = `
.chart { width: 100%; height: var(--ae-chart-height, 7em); display: block; }
progress { width: 100%; accent-color: var(--accent); }
.controls { display: flex; gap: 0.5em; align-items: center; flex-wrap: wrap; }
`;

  #chart = null;
  /** The epochs of the job running now. */
  #jobEpochs = 1;
  #running = false;
  /** Set by Cancel; a run that has not posted its job yet stops there. */
  #cancelled = false;
  #again = false;
  #timer = 0;
  #onConfigChange = () => this.#scheduleAuto();

  template() {
    return `
<div class="controls">
  <button class="train" part="button" type="button">Train</button>
  <button class="cancel" part="button" type="button" hidden>Cancel</button>
  <span class="note readout" part="caption" aria-live="polite">The loss curve appears
  here while the model trains.</span>
</div>
<progress class="progress" part="progress" max="1" value="0"></progress>
<canvas class="chart" part="chart" role="img" aria-label="Loss during training"></canvas>`;
  }

  setUp() {
    this.part('.train').textContent = this.getAttribute('label') ?? 'Train';
    this.part('.train').addEventListener('click', () => this.train());
    this.part('.cancel').addEventListener('click', () => {
      this.#cancelled = true;
      this.worker?.cancel();
    });
    this.#chart = new LossChart(this.part('.chart'), () => ({
      reconstruction: themeColour(this, '--ae-accent', '#2563eb'),
      penalty: themeColour(this, '--ae-penalty', '#f59e0b'),
      text: themeColour(this, '--ae-muted', '#475569'),
    }));
  }

  modelChanged() {
    if (!this.startWorker('training')) return;
    this.worker.onprogress = (progress) => this.#progress(progress);
    this.hub.addEventListener('configchange', this.#onConfigChange);
  }

  tearDown() {
    clearTimeout(this.#timer);
    super.tearDown();
    for (const hub of this.hubs) hub.removeEventListener('configchange', this.#onConfigChange);
  }

  /** The epochs to train (attribute `epochs`, default 2); throws when it is not a number > 0. */
  get epochs() {
    return numberAttribute(this, 'epochs', { above: 0, fallback: 2 });
  }

  /** Trains a fresh model as the `<ae-model>` describes it; resolves when it is in place. */
  async train() {
    if (!this.worker) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#cancelled = false;
    this.#showRunning(true);
    this.say('');
    try {
      await this.workerReady;
      if (this.#cancelled) throw new Error('training cancelled');
      const bytes = await this.worker.train(this.#job());
      this.hub.replaceModel(Autoencoder.fromBytes(bytes));
      this.dispatchEvent(new Event('trainingdone'));
    } catch (error) {
      if (/cancelled/.test(error.message)) {
        this.part('.readout').textContent = 'Training cancelled; the model is as it was.';
      } else if (!/terminated/.test(error.message)) {
        this.say(`training failed: ${error.message}`);
        const detail = { message: error.message };
        this.dispatchEvent(new CustomEvent('trainingerror', { detail }));
      }
    } finally {
      this.#running = false;
      this.#showRunning(false);
    }
    if (this.#again) {
      this.#again = false;
      await this.train();
    }
  }

  #job() {
    const number = (name, fallback) => numberAttribute(this, name, { above: 0, fallback });
    const seed = numberAttribute(this, 'seed', { whole: true, min: 0, fallback: 7 });
    const job = {
      config: this.hub.config(),
      options: {
        optimizer: { kind: 'adam', learningRate: number('learning-rate', 3e-3) },
        batchSize: number('batch-size', 64),
        seed,
      },
      epochs: this.epochs,
    };
    if (this.hub.pairing) job.pairing = this.hub.pairing;
    this.#jobEpochs = job.epochs;
    this.#chart.reset(job.epochs);
    return job;
  }

  #progress(progress) {
    this.#chart.add(progress);
    const done = progress.epoch + progress.epochProgress;
    this.part('.progress').value = Math.min(done / this.#jobEpochs, 1);
    this.part('.readout').textContent = `epoch ${done.toFixed(1)} of ${this.#jobEpochs}: `
      + `loss ${progress.loss.toFixed(4)} (reconstruction ${progress.reconstruction.toFixed(4)}`
      + ` + penalty ${progress.penalty.toFixed(4)}), `
      + `${Math.round(progress.examplesPerSecond)} examples/s`;
  }

  #showRunning(running) {
    this.toggleAttribute('training', running);
    this.part('.cancel').hidden = !running;
    if (running) this.part('.progress').value = 0;
  }

  #scheduleAuto() {
    if (!this.hasAttribute('auto')) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.train(), SETTLE_MS);
  }
}

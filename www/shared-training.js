/**
 * Retraining a shared-code model: a fresh model of the chosen kind, trained in a
 * `TrainingWorker` on the built-in train digits paired as that model needs them (image
 * and label, or left and right halves), with its progress shown and a cancel button.
 */
import {
  Autoencoder,
  TrainingWorker,
  pairingModalities,
  presetConfig,
} from '../pkg/index.js';

const CODE_SIZE = 64;

/** The fraction of training samples that keep one part only, the other set to zeros. */
const MODALITY_DROPOUT = 0.7;

/** Each model as a sentence names it. */
const MODEL_NAMES = { 'image-label': 'image-and-label model', halves: 'halves model' };

const TRAIN_OPTIONS = {
  optimizer: { kind: 'adam', learningRate: 0.003 },
  batchSize: 64,
  seed: 7,
};

/**
 * The config of a shared-code model of `kind` for `pairing`: one code of 64 units for
 * both parts, and modality dropout so that either part alone is enough.
 * @param {import('../pkg/index.js').Kind} kind
 * @param {import('../pkg/index.js').Pairing} pairing
 * @returns {import('../pkg/index.js').ModelConfig}
 */
export function sharedConfig(kind, pairing) {
  return presetConfig(kind, {
    modalities: pairingModalities(pairing),
    codeSize: CODE_SIZE,
    modalityDropout: MODALITY_DROPOUT,
    seed: 1,
  });
}

/** The "Retrain a shared-code model" form and the worker that trains. */
export class SharedTraining {
  /**
   * @param {HTMLFormElement} form `#shared-retrain`
   * @param {object} context
   * @param {(pairing: string, model: Autoencoder, source: string) => void}
   *   context.onTrained puts a trained model in place (and owns it from then on)
   * @param {(text: string, state?: string) => void} context.report writes the status line
   */
  constructor(form, { onTrained, report }) {
    this.form = form;
    this.onTrained = onTrained;
    this.report = report;

    this.worker = null;
    this.running = false;
    this.cancelled = false;
    this.epochs = 1;

    this.form.dataset.state = 'ready';
    this.#listen();
  }

  /** Trains a fresh model as the form says and puts it in place when done. */
  async retrain() {
    const { pairing, kind, epochs } = this.#read();
    const job = { config: sharedConfig(kind, pairing), options: TRAIN_OPTIONS, pairing, epochs };
    const what = MODEL_NAMES[pairing];

    this.#begin(epochs, `Training a ${kind} ${what} for ${epochCount(epochs)}…`);
    try {
      const bytes = await this.#trainer().train(job);
      const source = `retrained as ${kind} for ${epochCount(epochs)}`;
      this.onTrained(pairing, Autoencoder.fromBytes(bytes), source);
      this.#say(`Done: the ${what} is now ${kind}, trained for ${epochCount(epochs)}.`);
      this.report(`Shared code: the ${what} was retrained as ${kind} for ` +
        `${epochCount(epochs)}.`);
    } catch (error) {
      if (!this.cancelled) throw error;
      this.#say(`Training cancelled; the ${what} is unchanged.`);
    } finally {
      this.#end();
    }
  }

  /** The form's choices; throws with a readable reason when epochs is out of range. */
  #read() {
    const data = new FormData(this.form);
    const epochs = Number(data.get('epochs'));
    const field = this.form.elements.epochs;
    if (!(epochs >= Number(field.min) && epochs <= Number(field.max))) {
      throw new Error(`epochs must be a number from ${field.min} to ${field.max}`);
    }
    return { pairing: data.get('pairing'), kind: data.get('kind'), epochs };
  }

  /** The worker, started on first use and kept for later jobs. */
  #trainer() {
    if (!this.worker) {
      this.worker = new TrainingWorker();
      this.worker.onprogress = (progress) => this.#show(progress);
    }
    return this.worker;
  }

  #begin(epochs, text) {
    this.running = true;
    this.cancelled = false;
    this.epochs = epochs;

    const progress = this.#find('#shared-progress');
    progress.hidden = false;
    progress.value = 0;
    this.#say(text);
    this.#setBusy(true);
  }

  #end() {
    this.running = false;
    this.#find('#shared-progress').hidden = true;
    this.#setBusy(false);
  }

  /** Shows one `Progress` message of the worker. */
  #show({ epoch, epochProgress, step, loss }) {
    const done = epoch + epochProgress;
    this.#find('#shared-progress').value = Math.min(done / this.epochs, 1);
    const status = this.#find('#shared-training-status');
    status.dataset.step = String(step);
    this.#say(`Epoch ${done.toFixed(1)} of ${this.epochs}, step ${step}, ` +
      `loss ${loss.toPrecision(3)}`);
  }

  #say(text) {
    this.#find('#shared-training-status').textContent = text;
  }

  #setBusy(running) {
    this.form.dataset.state = running ? 'training' : 'ready';
    for (const field of this.form.querySelectorAll('select, input')) field.disabled = running;
    this.#find('#shared-retrain-button').disabled = running;
    this.#find('#shared-cancel').disabled = !running;
  }

  #listen() {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.running) return;
      this.retrain().catch((error) => this.#fail(error));
    });

    this.#find('#shared-cancel').addEventListener('click', () => {
      this.cancelled = true;
      this.worker?.cancel();
    });
  }

  #fail(error) {
    const message = error instanceof Error ? error.message : String(error);
    this.#say(`Could not train: ${message}`);
    this.report(`Shared code: could not train: ${message}`, 'error');
  }

  #find(selector) {
    return this.form.querySelector(selector);
  }
}

function epochCount(epochs) {
  return epochs === 1 ? '1 epoch' : `${epochs} epochs`;
}

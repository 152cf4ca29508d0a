/**
 * One model card: a kind's reconstruction of the input and its code, its loss on the
 * test digits, saving and loading its model file, and retraining it in a worker.
 */
import { Autoencoder, presetConfig } from '../pkg/index.js';
import { drawCode, drawDigit } from './pictures.js';
import { fillSettings, linkFields, readSettings, updateFields } from './settings.js';
import { TrainingPanel } from './training-panel.js';

/** Title and one line about each kind. */
const ABOUT = {
  undercomplete: ['Undercomplete', 'A code smaller than the input keeps what matters.'],
  sparse: ['Sparse', 'A penalty keeps most code units near zero for any one digit.'],
  denoising: ['Denoising', 'Trained to rebuild clean digits from corrupted ones.'],
  contractive: ['Contractive', 'Penalises ‖∂h/∂x‖²: small input changes barely move h.'],
};

const INPUT_SIZE = 784;

/** The card of one kind: owns its current model and shows what it does. */
export class ModelCard {
  /**
   * @param {HTMLElement} root a clone of the card template, already in the page
   * @param {import('../pkg/index.js').Kind} kind
   * @param {object} context
   * @param {Float32Array} context.testImages `[n, 784]`, for the test loss
   * @param {(text: string, state?: string) => void} context.report writes the status line
   * @param {() => void} context.onModelChange called after the model was replaced
   */
  constructor(root, kind, { testImages, report, onModelChange }) {
    this.root = root;
    this.kind = kind;
    this.title = ABOUT[kind][0];
    this.testImages = testImages;
    this.report = report;
    this.onModelChange = onModelChange;

    /** @type {Autoencoder | null} the card owns it and frees it when replaced */
    this.model = null;
    this.lastCode = null;
    this.lastReconstruction = null;

    this.form = this.#find('.retrain-form');
    this.training = new TrainingPanel(this.#find('.training'), (running) => {
      this.#setBusy(running);
    });

    this.#label();
    this.#listen();
  }

  /** Replaces the model (freeing the old one) and shows its settings and test loss. */
  setModel(model) {
    this.model?.free();
    this.model = model;

    this.#describe();
    fillSettings(this.form, model.config(), model.codeSize);
    this.onModelChange();
  }

  /** Shows this model's reconstruction and code of `input` (784 values). */
  show(input) {
    const code = this.model.encode(input);
    const reconstruction = this.model.decode(code);

    drawDigit(this.#find('.reconstruction'), reconstruction);
    drawCode(this.#find('.code'), code);
    const mean = code.reduce((sum, value) => sum + Math.abs(value), 0) / code.length;
    this.#find('.code-caption').textContent =
      `Code h: ${code.length} units, mean |h| ${mean.toFixed(2)}`;

    this.lastCode = code;
    this.lastReconstruction = reconstruction;
  }

  /** Downloads the model as `<kind>.safetensors`. */
  save() {
    const bytes = this.model.toBytes();
    const file = new Blob([bytes], { type: 'application/octet-stream' });
    const url = URL.createObjectURL(file);

    const link = document.createElement('a');
    link.href = url;
    link.download = `${this.kind}.safetensors`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);

    this.report(`Saved the ${this.title} model as ${link.download}.`);
  }

  /** Replaces the model by one read from a file; a bad file throws, changing nothing. */
  async load(file) {
    const model = Autoencoder.fromBytes(new Uint8Array(await file.arrayBuffer()));
    if (model.inputSize !== INPUT_SIZE) {
      const inputs = model.inputSize;
      model.free();
      throw new Error(`the model takes ${inputs} inputs; this page gives 784 (28×28)`);
    }

    this.setModel(model);
    this.report(`Loaded ${file.name} into the ${this.title} card.`);
  }

  /** Trains a fresh model with the form's settings and puts it in place when done. */
  async retrain() {
    const settings = readSettings(this.form);
    const config = presetConfig(this.kind, { ...this.#kept(), ...settings.preset });
    const job = {
      config,
      epochs: settings.epochs,
      options: { optimizer: { kind: 'adam', learningRate: settings.learningRate } },
    };

    const bytes = await this.training.run(job);
    if (!bytes) {
      this.report(`${this.title}: training cancelled; the model is unchanged.`);
      return;
    }
    this.setModel(Autoencoder.fromBytes(bytes));
    const epochs = settings.epochs === 1 ? '1 epoch' : `${settings.epochs} epochs`;
    this.report(`${this.title} retrained for ${epochs}.`);
  }

  /** What a retrained model keeps from the current one: hidden layers and loss. */
  #kept() {
    const config = this.model.config();
    const hidden = config.encoder.slice(0, -1).map((layer) => layer.units);
    return { hidden, loss: config.objective.loss };
  }

  #describe() {
    const config = this.model.config();
    const sizes = [config.inputSize, ...config.encoder, ...config.decoder]
      .map((layer) => layer.units ?? layer);
    const parameters = this.model.parameterCount.toLocaleString('en');
    this.#find('.architecture').textContent =
      `${sizes.join(' → ')} · ${parameters} parameters`;

    const evaluation = this.model.evaluate(this.testImages);
    const loss = this.#find('.test-loss');
    loss.dataset.value = String(evaluation.loss);
    const name = config.objective.loss.toUpperCase();
    loss.textContent = `(${name}) ${formatLoss(evaluation)}`;
  }

  #label() {
    const [title, about] = ABOUT[this.kind];
    this.root.dataset.kind = this.kind;
    this.#find('.title').textContent = title;
    this.#find('.about').textContent = about;

    const loadFile = this.#find('.load-file');
    loadFile.id = `load-file-${this.kind}`;
    loadFile.setAttribute('aria-label', `Load a ${title} model file`);
    this.#find('.save').setAttribute('aria-label', `Save the ${title} model`);
    this.#find('.retrain').setAttribute('aria-label', `Retrain the ${title} model`);

    const fields = document.getElementById(`fields-${this.kind}`);
    if (fields) this.#find('.kind-fields').append(fields.content.cloneNode(true));
    linkFields(this.form);
  }

  #listen() {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.retrain().catch((error) => this.#fail('training failed', error));
    });

    this.#find('.save').addEventListener('click', () => {
      try {
        this.save();
      } catch (error) {
        this.#fail('could not save', error);
      }
    });

    const loadFile = this.#find('.load-file');
    loadFile.addEventListener('change', () => {
      const [file] = loadFile.files;
      loadFile.value = '';
      if (!file) return;
      this.load(file).catch((error) => this.#fail(`could not load ${file.name}`, error));
    });
  }

  #setBusy(running) {
    this.root.dataset.state = running ? 'training' : 'ready';
    this.#find('.retrain').disabled = running;
    this.#find('.load-file').disabled = running;
    for (const field of this.form.querySelectorAll('.fields input, .fields select')) {
      field.disabled = running;
    }
    if (!running) updateFields(this.form);
  }

  #fail(what, error) {
    const message = error instanceof Error ? error.message : String(error);
    this.report(`${this.title}: ${what}: ${message}`, 'error');
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

function formatLoss({ loss, reconstruction, penalty }) {
  if (penalty === 0) return loss.toPrecision(3);
  return `${loss.toPrecision(3)} = ${reconstruction.toPrecision(3)} + penalty ` +
    `${penalty.toPrecision(3)}`;
}

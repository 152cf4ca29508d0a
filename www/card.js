/**
 * One model card: a kind's reconstruction of the input and its code, its loss on the
 * test digits, its model file (save, load or drop, export the encoder, keep in the
 * browser), and retraining it in a worker.
 */
import { Autoencoder, presetConfig } from '../pkg/index.js';
import { acceptDrops, downloadBytes } from './files.js';
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

/** Mini-batch size of a retrain (the package's default, stated so steps can be counted). */
const BATCH_SIZE = 64;

/** Steps between progress messages at most (the worker's default chunk). */
const MAX_CHUNK = 20;

/** A short retrain still reports about this many times, so its loss curve has a shape. */
const PROGRESS_POINTS = 40;

/** The card of one kind: owns its current model and shows what it does. */
export class ModelCard {
  /**
   * @param {HTMLElement} root a clone of the card template, already in the page
   * @param {import('../pkg/index.js').Kind} kind
   * @param {object} context
   * @param {Float32Array} context.testImages `[n, 784]`, for the test loss
   * @param {(text: string, state?: string) => void} context.report writes the status line
   * @param {() => void} context.onModelChange called after the model was replaced
   * @param {() => { images: Float32Array | null, count: number, source: string }}
   *   context.trainingData what a retrain trains on (`images` null: the built-in digits)
   * @param {(model: { name: string, kind: string, testLoss: number,
   *   bytes: Uint8Array }) => void} context.keep stores a model in the browser
   */
  constructor(root, kind, { testImages, report, onModelChange, trainingData, keep }) {
    this.root = root;
    this.kind = kind;
    this.title = ABOUT[kind][0];
    this.testImages = testImages;
    this.report = report;
    this.onModelChange = onModelChange;
    this.trainingData = trainingData;
    this.keepModel = keep;

    /** @type {Autoencoder | null} the card owns it and frees it when replaced */
    this.model = null;
    /** Where the model comes from, e.g. "Sparse, from my.safetensors"; a kept name. */
    this.name = '';
    this.testLoss = NaN;
    this.lastCode = null;
    this.lastReconstruction = null;

    this.form = this.#find('.retrain-form');
    this.training = new TrainingPanel(this.#find('.training'), (running) => {
      this.#setBusy(running);
    });

    this.#label();
    this.#listen();
  }

  /**
   * Replaces the model (freeing the old one) and shows its settings and test loss.
   * @param {Autoencoder} model
   * @param {string} name where it comes from, e.g. "Sparse, as shipped"
   */
  setModel(model, name) {
    this.model?.free();
    this.model = model;
    this.name = name;

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
    const name = `${this.kind}.safetensors`;
    downloadBytes(this.model.toBytes(), name);
    this.report(`Saved the ${this.title} model as ${name}.`);
  }

  /** Downloads the encoder alone as `<kind>-encoder.safetensors`. */
  exportEncoder() {
    const encoder = this.model.encoderOnly();
    const name = `${this.kind}-encoder.safetensors`;
    try {
      downloadBytes(encoder.toBytes(), name);
    } finally {
      encoder.free();
    }
    this.report(`Exported the ${this.title} encoder as ${name}: it gives codes h, ` +
      'and cannot rebuild digits.');
  }

  /** Stores the model in the browser under its name. */
  keep() {
    const { name, kind, testLoss } = this;
    this.keepModel({ name, kind, testLoss, bytes: this.model.toBytes() });
  }

  /** Replaces the model by one read from a file; a bad file throws, changing nothing. */
  async load(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    this.use(bytes, `${this.title}, from ${file.name}`);
    this.report(`Loaded ${file.name} into the ${this.title} card.`);
  }

  /**
   * Replaces the model by the one in a model file. An unreadable file, an encoder
   * alone, a model of another input size, or a card in training throws, changing
   * nothing.
   * @param {Uint8Array} bytes
   * @param {string} name where the model comes from
   */
  use(bytes, name) {
    if (this.training.running) {
      throw new Error('the card is training; wait for it to end, or cancel it');
    }

    const model = Autoencoder.fromBytes(bytes);
    const problem = unfitness(model);
    if (problem) {
      model.free();
      throw new Error(problem);
    }
    this.setModel(model, name);
  }

  /** Trains a fresh model with the form's settings and puts it in place when done. */
  async retrain() {
    const settings = readSettings(this.form);
    const config = presetConfig(this.kind, { ...this.#inherited(), ...settings.preset });
    const data = this.trainingData();
    const job = {
      config,
      epochs: settings.epochs,
      chunk: chunkFor(settings.epochs, data.count),
      options: {
        optimizer: { kind: 'adam', learningRate: settings.learningRate },
        batchSize: BATCH_SIZE,
      },
      ...(data.images && { images: data.images }),
    };

    const bytes = await this.training.run(job, data.source);
    if (!bytes) {
      this.report(`${this.title}: training cancelled; the model is unchanged.`);
      return;
    }

    const epochs = settings.epochs === 1 ? '1 epoch' : `${settings.epochs} epochs`;
    const name = `${this.title}, code ${config.encoder.at(-1).units}, ${epochs} on ` +
      data.source;
    this.setModel(Autoencoder.fromBytes(bytes), name);
    const on = data.images ? ` on ${data.source}` : '';
    this.report(`${this.title} retrained for ${epochs}${on}.`);
  }

  /** What a retrained model keeps from the current one: hidden layers and loss. */
  #inherited() {
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
    this.testLoss = evaluation.loss;
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
    loadFile.setAttribute('aria-label', `Load a model file into the ${title} card`);
    this.#find('.save').setAttribute('aria-label', `Save the ${title} model`);
    this.#find('.retrain').setAttribute('aria-label', `Retrain the ${title} model`);
    this.#find('.keep').setAttribute('aria-label', `Keep the ${title} model in this browser`);
    this.#find('.export-encoder')
      .setAttribute('aria-label', `Export the ${title} encoder alone`);

    const fields = document.getElementById(`fields-${this.kind}`);
    if (fields) this.#find('.kind-fields').append(fields.content.cloneNode(true));
    linkFields(this.form);
  }

  #listen() {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.retrain().catch((error) => this.#fail('training failed', error));
    });

    this.#onClick('.save', 'could not save', () => this.save());
    this.#onClick('.export-encoder', 'could not export the encoder', () => {
      this.exportEncoder();
    });
    this.#onClick('.keep', 'could not keep the model', () => this.keep());

    const loadFile = this.#find('.load-file');
    loadFile.addEventListener('change', () => {
      const [file] = loadFile.files;
      loadFile.value = '';
      if (file) this.#loadFile(file);
    });
    acceptDrops(this.root, (files) => this.#onDrop(files));
  }

  /** Runs `action` on clicks of the button `selector`, reporting a failure as `what`. */
  #onClick(selector, what, action) {
    this.#find(selector).addEventListener('click', () => {
      try {
        action();
      } catch (error) {
        this.#fail(what, error);
      }
    });
  }

  #onDrop(files) {
    if (files.length !== 1) {
      this.report(`${this.title}: drop one model file at a time.`, 'error');
      return;
    }
    this.#loadFile(files[0]);
  }

  #loadFile(file) {
    this.load(file).catch((error) => this.#fail(`could not load ${file.name}`, error));
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

/** Why a model cannot go in a card, or null when it can. */
function unfitness(model) {
  if (model.isEncoderOnly) {
    return 'this is an encoder alone (exported with "Export encoder"); a card needs a ' +
      'whole autoencoder to rebuild digits';
  }
  if (model.inputSize !== INPUT_SIZE) {
    return `the model takes ${model.inputSize} inputs; this page gives 784 (28×28)`;
  }
  return null;
}

/** Steps per progress message: up to MAX_CHUNK, fewer for a short job. */
function chunkFor(epochs, imageCount) {
  const steps = Math.ceil(epochs * Math.ceil(imageCount / BATCH_SIZE));
  return Math.min(MAX_CHUNK, Math.max(1, Math.round(steps / PROGRESS_POINTS)));
}

function formatLoss({ loss, reconstruction, penalty }) {
  if (penalty === 0) return loss.toPrecision(3);
  return `${loss.toPrecision(3)} = ${reconstruction.toPrecision(3)} + penalty ` +
    `${penalty.toPrecision(3)}`;
}

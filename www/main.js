/**
 * The autoencoder-lab demo: draw a digit (or take a real test digit), add noise, and
 * watch four kinds of autoencoder rebuild it; retrain each of them, on the built-in
 * digits or on IDX files the person loads; save, load, drop, export and keep models.
 *
 * Hooks for tests (kept stable):
 *   #pad                        the drawing canvas, 280×280 canvas pixels
 *   #undo, #clear               buttons; Ctrl+Z or ⌘Z also undoes the last stroke
 *   #random-digit               shows a random test digit; #digit-label then has
 *                               data-index and data-label (both absent while drawing)
 *   #input-clean, #input-noisy  28×28 canvases: the models' input before and after noise
 *   #noise-kind, #noise-level, #new-noise   the noise added to the input
 *   #status                     the status line; data-state is loading, ready or error
 *   [data-kind=K]               the card of kind K (undercomplete, sparse, denoising,
 *                               contractive); data-state is ready or training. Inside:
 *     .reconstruction, .code    canvases: the reconstruction and the code h
 *     .test-loss[data-value]    the loss on the test digits
 *     .retrain-form             settings: fields named codeSize, learningRate, epochs
 *                               and, by kind, weight, sparsity, target, noiseKind,
 *                               noiseLevel
 *     .retrain, .save           buttons; .load-file (id load-file-K) the file picker
 *     .export-encoder           downloads the encoder alone as K-encoder.safetensors
 *     .keep                     stores the model in the browser (see #kept-models)
 *                               The card takes a dropped model file, like .load-file;
 *                               it has data-drop=over while files are dragged over it.
 *     .training                 shown from the first retrain on: .progress, .loss-chart,
 *                               .speed, .pause, .cancel, and the readouts
 *                               .reconstruction-loss, .penalty, .loss whose data-value
 *                               holds the last number; data-step and data-epochs hold
 *                               the steps and epochs done (from the worker's progress)
 *   #training-data              what retraining uses; takes dropped IDX files. Inside:
 *     #training-images, #training-labels   file pickers (IDX, plain or gzip)
 *     #built-in-digits          goes back to the built-in train digits
 *     #training-data-summary    data-source is built-in or file, data-count the images
 *   #kept-models                models kept in the browser; data-state is loading,
 *                               ready or unavailable. Inside: .kept-note, and
 *                               .kept-list > li[data-id][data-kind][data-test-loss],
 *                               each with .name, .details, and .use, .delete buttons
 *   window.demo = {
 *     ready: Promise<void>      resolves once the models are in place
 *     models: { K: Autoencoder }   the models shown now (replaced on retrain or load)
 *     digits: Digits            the built-in digits
 *     lastInput(), lastModelInput(): Float32Array(784)   before and after noise
 *     lastCode(K), lastReconstruction(K): Float32Array   as last drawn
 *     showTestDigit(index)      shows test digit `index` and updates at once
 *     trainingData(): { images: Float32Array | null, count, source }   what a retrain
 *                               uses (images null: the built-in digits)
 *   }
 */
import {
  Autoencoder,
  corrupt,
  init,
  inkFromRgba,
  loadDigits,
  preprocess,
  presetConfig,
} from '../pkg/index.js';
import { ModelCard } from './card.js';
import { refuseStrayDrops } from './files.js';
import { KeptModels } from './kept-models.js';
import { DrawingPad } from './pad.js';
import { drawDigit } from './pictures.js';
import { TrainingData } from './training-data.js';

const KINDS = ['undercomplete', 'sparse', 'denoising', 'contractive'];
const SIDE = 28;

const page = {
  ready: false,
  digits: null,
  cards: new Map(),
  pad: new DrawingPad(byId('pad'), onPadChange),
  trainingData: null,
  kept: new KeptModels(byId('kept-models'), { report: showStatus, use: useKept }),

  /** The test digit shown, `{ index, label, image }`, or null while drawing. */
  testDigit: null,
  noiseSeed: 1,
  input: new Float32Array(SIDE * SIDE),
  modelInput: new Float32Array(SIDE * SIDE),
  frame: 0,
};

const demo = {
  models: {},
  digits: null,
  lastInput: () => page.input,
  lastModelInput: () => page.modelInput,
  lastCode: (kind) => page.cards.get(kind)?.lastCode ?? null,
  lastReconstruction: (kind) => page.cards.get(kind)?.lastReconstruction ?? null,
  showTestDigit,
  trainingData: () => page.trainingData?.current() ?? null,
};
window.demo = demo;

listen();
demo.ready = start();
demo.ready.catch((error) => {
  showStatus(`Could not start the demo: ${messageOf(error)}`, 'error');
});

/** Loads the wasm module, the digits and the four models, then shows a test digit. */
async function start() {
  showStatus('Loading the WebAssembly module…', 'loading');
  await init();

  showStatus('Loading the digits and the models…', 'loading');
  const [digits, { models, failures }] = await Promise.all([loadDigits(), loadModels()]);
  page.digits = digits;
  demo.digits = digits;
  page.trainingData = makeTrainingData(digits);
  makeCards(digits.images('test'));
  for (const [kind, card] of page.cards) {
    const how = failures.has(kind) ? 'untrained' : 'as shipped';
    card.setModel(models[kind], `${card.title}, ${how}`);
  }

  page.ready = true;
  byId('random-digit').disabled = false;
  showTestDigit(Math.floor(Math.random() * digits.testCount));
  reportLoaded(failures);
  page.kept.refresh();
}

/**
 * Fetches the pretrained models beside this page; a kind whose file fails gets an
 * untrained model instead, and its failure (kind → message) is returned.
 */
async function loadModels() {
  const results = await Promise.allSettled(KINDS.map(fetchModel));
  const models = {};
  const failures = new Map();

  results.forEach((result, i) => {
    const kind = KINDS[i];
    if (result.status === 'fulfilled') {
      models[kind] = result.value;
    } else {
      failures.set(kind, messageOf(result.reason));
      models[kind] = new Autoencoder(presetConfig(kind));
    }
  });
  return { models, failures };
}

async function fetchModel(kind) {
  const url = new URL(`models/${kind}.safetensors`, import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url.pathname}`);
  return Autoencoder.fromBytes(new Uint8Array(await response.arrayBuffer()));
}

function reportLoaded(failures) {
  if (failures.size > 0) {
    const which = [...failures].map(([kind, message]) => `${kind} (${message})`).join('; ');
    showStatus(`Could not load: ${which}. Those cards hold untrained models.`, 'error');
    return;
  }
  console.info('autoencoder-lab: loaded the four models from models/');
  showStatus('Ready. Draw a digit, or pick a random test digit.');
}

function makeCards(testImages) {
  const template = byId('card-template');
  const container = byId('cards');

  for (const kind of KINDS) {
    container.append(template.content.cloneNode(true));
    const card = new ModelCard(container.lastElementChild, kind, {
      testImages,
      report: showStatus,
      onModelChange: () => {
        demo.models[kind] = card.model;
        scheduleRender();
      },
      trainingData: () => page.trainingData.current(),
      keep: (model) => page.kept.keep(model),
    });
    page.cards.set(kind, card);
  }
}

/** The "Training data" section, starting with the built-in train digits. */
function makeTrainingData(digits) {
  const builtIn = {
    count: digits.trainCount,
    sample: (index) => ({
      image: digits.image('train', index),
      label: digits.label('train', index),
    }),
  };
  return new TrainingData(byId('training-data'), { builtIn, report: showStatus });
}

/** Puts a kept model into the card of its kind; throws with the reason if it cannot. */
function useKept({ name, kind, bytes }) {
  const card = page.cards.get(kind);
  if (!card) throw new Error(`this page has no card for ${kind} models`);

  card.use(bytes, name);
  showStatus(`Loaded “${name}” into the ${card.title} card.`);
}

/** Adds the page's listeners, once. */
function listen() {
  byId('undo').addEventListener('click', () => page.pad.undo());
  byId('clear').addEventListener('click', () => page.pad.clear());
  byId('random-digit').addEventListener('click', () => {
    showTestDigit(Math.floor(Math.random() * page.digits.testCount));
  });

  byId('noise-kind').addEventListener('change', onNoiseChange);
  byId('noise-level').addEventListener('input', onNoiseChange);
  byId('new-noise').addEventListener('click', () => {
    page.noiseSeed += 1;
    scheduleRender();
  });

  document.addEventListener('keydown', onKeyDown);
  window.addEventListener('resize', onResize);
  refuseStrayDrops();
  onNoiseChange();
  onPadChange();
}

/** Shows test digit `index` on the pad and as the models' input, at once. */
function showTestDigit(index) {
  const image = page.digits.image('test', index);
  const label = page.digits.label('test', index);
  page.testDigit = { index, label, image };
  page.pad.showImage(image, SIDE);

  const caption = byId('digit-label');
  caption.dataset.index = String(index);
  caption.dataset.label = String(label);
  caption.textContent = `Test digit ${index}, labelled ${label}. Draw to replace it.`;
  byId('undo').disabled = true;
  renderNow();
}

function onPadChange() {
  byId('undo').disabled = page.pad.strokes.length === 0;
  if (page.pad.showsImage || !page.testDigit) {
    scheduleRender();
    return;
  }

  page.testDigit = null;
  const caption = byId('digit-label');
  delete caption.dataset.index;
  delete caption.dataset.label;
  caption.textContent = 'Drawing. Undo removes the last stroke.';
  scheduleRender();
}

function onNoiseChange() {
  const kind = byId('noise-kind').value;
  const level = byId('noise-level');
  level.disabled = kind === 'none';
  byId('noise-level-value').textContent = Number(level.value).toFixed(2);
  const name = byId('noise-kind').selectedOptions[0].text;
  const caption = kind === 'none' ? 'No noise' : `With ${name} noise`;
  byId('input-noisy-caption').textContent = caption;
  scheduleRender();
}

function onKeyDown(event) {
  const undo = (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey;
  if (!undo || event.key.toLowerCase() !== 'z') return;
  if (event.target.closest?.('input, select, textarea')) return;

  event.preventDefault();
  page.pad.undo();
}

function onResize() {
  scheduleRender();
  for (const card of page.cards.values()) card.training.redraw();
}

/** Draws the input and every card at the next animation frame (once per frame). */
function scheduleRender() {
  if (!page.ready || page.frame) return;
  page.frame = requestAnimationFrame(() => {
    page.frame = 0;
    renderNow();
  });
}

function renderNow() {
  try {
    render();
  } catch (error) {
    showStatus(`Could not update the pictures: ${messageOf(error)}`, 'error');
  }
}

function render() {
  page.input = currentInput();
  page.modelInput = withNoise(page.input);

  drawDigit(byId('input-clean'), page.input);
  drawDigit(byId('input-noisy'), page.modelInput);
  for (const card of page.cards.values()) card.show(page.modelInput);
}

/** The 784 values the models see: the test digit, or the pad's ink made MNIST-like. */
function currentInput() {
  if (page.testDigit) return page.testDigit.image;

  const { width, height } = byId('pad');
  return preprocess(inkFromRgba(page.pad.rgba(), width, height), width, height);
}

function withNoise(input) {
  const kind = byId('noise-kind').value;
  if (kind === 'none') return input;

  const level = Number(byId('noise-level').value);
  return corrupt(input, { kind, level }, page.noiseSeed);
}

/** Writes the status line; `state` is loading, ready or error. */
function showStatus(text, state = 'ready') {
  const status = byId('status');
  status.textContent = text;
  status.dataset.state = state;
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

function byId(id) {
  return document.getElementById(id);
}

/**
 * The autoencoder-lab demo: draw a digit (or take a real test digit), add noise, and
 * watch four kinds of autoencoder rebuild it; retrain each of them, on the built-in
 * digits or on IDX files the person loads; save, load, drop, export and keep models.
 * Below: two shared-code models rebuild a missing label, image or half of the digit,
 * and the cards' encoders are probed with a linear classifier and mapped in 2-D.
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
 *   #shared-code                the shared-code section; data-state is loading or ready
 *     #label-bars > li[data-digit][data-value]   the label rebuilt from the image alone,
 *                               a probability per digit; the likeliest has data-predicted
 *     #label-prediction[data-label]   that label in words (no data-label while blank)
 *     #label-buttons > button[data-digit]   rebuild an image from that label alone;
 *                               aria-pressed marks the one shown
 *     #image-from-label[data-label]   the 28×28 canvas of that image
 *     input[name=hide-half][value=left|right]   which half the halves model does not see
 *     #halves-rebuilt           28×28: the seen half, the hidden half rebuilt (blue);
 *                               #halves-view[data-hidden] says which; #halves-truth the
 *                               whole digit; #halves-error[data-value][data-blank] the
 *                               squared error of the rebuilt half and of a black half
 *     #shared-retrain           form, data-state ready or training: #shared-pairing,
 *                               #shared-kind, #shared-epochs, #shared-retrain-button,
 *                               #shared-cancel, #shared-progress, #shared-training-status
 *     #shared-models > li[data-pairing][data-source]   where each model comes from:
 *                               "as shipped", "untrained" or "retrained as K for N epochs"
 *   #downstream                 the encoder downstream. Inside:
 *     #probe-measure            fits linear probes in the package's worker
 *     #probe-table              data-state empty, measuring, done or error; rows
 *                               tr[data-features=K|pixels] (data-stale once K's model
 *                               changed), cells td[data-per-class=10|100|all][data-value]
 *     #probe-status             progress and errors of the measure
 *     #code-map-kind            the card whose codes are mapped
 *     #code-map                 canvas, data-encoder (K) and data-points (2000); focusable:
 *                               arrow keys go to the nearest dot that way
 *     #code-map-digit[data-index][data-label]   the digit of the dot pointed at, with
 *                               #code-map-preview its 28×28 canvas
 *   window.demo = {
 *     ready: Promise<void>      resolves once the models are in place
 *     models: { K: Autoencoder }   the models shown now (replaced on retrain or load)
 *     sharedModels: { 'image-label': Autoencoder, halves: Autoencoder }   likewise
 *     digits: Digits            the built-in digits
 *     lastInput(), lastModelInput(): Float32Array(784)   before and after noise
 *     lastCode(K), lastReconstruction(K): Float32Array   as last drawn
 *     showTestDigit(index)      shows test digit `index` and updates at once
 *     trainingData(): { images: Float32Array | null, count, source }   what a retrain
 *                               uses (images null: the built-in digits)
 *     lastLabelProbabilities(): Float32Array(10) | null   as last drawn (null: blank)
 *     lastImageFromLabel(): { label, image: Float32Array(784) }
 *     lastHalves(): { hidden, truth, shown }   the digit, and the picture of
 *                               #halves-rebuilt (784 values each)
 *     probeResults: Promise<{ K | pixels: { 10, 100, all } }> | null   the last
 *                               measure's test accuracies (fractions)
 *     codeMapPoints(): [{ index, label, x, y }]   the dots, x and y in CSS pixels of
 *                               #code-map
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
import { CodeMap } from './code-map.js';
import { refuseStrayDrops } from './files.js';
import { KeptModels } from './kept-models.js';
import { DrawingPad } from '../pkg/widgets.js';
import { drawDigit } from './pictures.js';
import { ProbeTable } from './probe-table.js';
import { SharedCode } from './shared-code.js';
import { SharedTraining, sharedConfig } from './shared-training.js';
import { TrainingData } from './training-data.js';

const KINDS = ['undercomplete', 'sparse', 'denoising', 'contractive'];
const PAIRINGS = ['image-label', 'halves'];
const SIDE = 28;

const page = {
  ready: false,
  digits: null,
  cards: new Map(),
  pad: new DrawingPad(byId('pad'), onPadChange),
  trainingData: null,
  kept: new KeptModels(byId('kept-models'), { report: showStatus, use: useKept }),
  shared: new SharedCode(byId('shared-code')),
  sharedTraining: new SharedTraining(byId('shared-retrain'), {
    onTrained: (pairing, model, source) => page.shared.setModel(pairing, model, source),
    report: showStatus,
  }),
  probes: null,
  codeMap: null,

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
  sharedModels: page.shared.models,
  lastLabelProbabilities: () => page.shared.lastProbabilities,
  lastImageFromLabel: () => page.shared.lastImageFromLabel,
  lastHalves: () => page.shared.lastHalves,
  get probeResults() {
    return page.probes?.last ?? null;
  },
  codeMapPoints: () => page.codeMap?.points() ?? [],
};
window.demo = demo;

listen();
demo.ready = start();
demo.ready.catch((error) => {
  showStatus(`Could not start the demo: ${messageOf(error)}`, 'error');
});

/**
 * Loads the wasm module, the digits, the four models and the two shared-code models,
 * then shows a test digit.
 */
async function start() {
  showStatus('Loading the WebAssembly module…', 'loading');
  await init();

  showStatus('Loading the digits and the models…', 'loading');
  const [digits, cards, shared] = await Promise.all([
    loadDigits(),
    loadModels(KINDS, (kind) => presetConfig(kind)),
    loadModels(PAIRINGS, (pairing) => sharedConfig('undercomplete', pairing)),
  ]);
  page.digits = digits;
  demo.digits = digits;
  page.trainingData = makeTrainingData(digits);
  makeDownstream(digits);
  makeCards(digits.images('test'));
  for (const [kind, card] of page.cards) {
    const how = cards.failures.has(kind) ? 'untrained' : 'as shipped';
    card.setModel(cards.models[kind], `${card.title}, ${how}`);
  }
  for (const pairing of PAIRINGS) {
    const how = shared.failures.has(pairing) ? 'untrained' : 'as shipped';
    page.shared.setModel(pairing, shared.models[pairing], how);
  }

  page.ready = true;
  byId('random-digit').disabled = false;
  page.probes.enable();
  showTestDigit(Math.floor(Math.random() * digits.testCount));
  reportLoaded(new Map([...cards.failures, ...shared.failures]));
  page.kept.refresh();
}

/**
 * Fetches the pretrained models `names` beside this page; a name whose file fails gets
 * an untrained model of `configOf(name)` instead, and its failure (name → message) is
 * returned.
 */
async function loadModels(names, configOf) {
  const results = await Promise.allSettled(names.map(fetchModel));
  const models = {};
  const failures = new Map();

  results.forEach((result, i) => {
    const name = names[i];
    if (result.status === 'fulfilled') {
      models[name] = result.value;
    } else {
      failures.set(name, messageOf(result.reason));
      models[name] = new Autoencoder(configOf(name));
    }
  });
  return { models, failures };
}

async function fetchModel(name) {
  const url = new URL(`models/${name}.safetensors`, import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url.pathname}`);
  return Autoencoder.fromBytes(new Uint8Array(await response.arrayBuffer()));
}

function reportLoaded(failures) {
  if (failures.size > 0) {
    const which = [...failures].map(([kind, message]) => `${kind} (${message})`).join('; ');
    showStatus(`Could not load: ${which}. Untrained models stand in for those.`, 'error');
    return;
  }
  console.info('autoencoder-lab: loaded the six models from models/');
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
        page.codeMap.modelChanged(kind);
        page.probes.modelChanged(kind);
        scheduleRender();
      },
      trainingData: () => page.trainingData.current(),
      keep: (model) => page.kept.keep(model),
    });
    page.cards.set(kind, card);
  }
}

/** The linear-probe table and the code map of "The encoder downstream". */
function makeDownstream(digits) {
  const root = byId('downstream');
  const model = (kind) => page.cards.get(kind)?.model ?? null;
  const encoders = KINDS.map((kind) => ({ kind, title: kind[0].toUpperCase() + kind.slice(1) }));

  page.probes = new ProbeTable(root, { encoders, model, report: showStatus });
  page.codeMap = new CodeMap(root, {
    images: digits.images('test'),
    labels: digits.labels('test'),
    model,
  });
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
  if (page.pad.showsImage) {
    scheduleRender();
    return;
  }

  page.testDigit = null;
  const caption = byId('digit-label');
  delete caption.dataset.index;
  delete caption.dataset.label;
  const hint = page.pad.isEmpty ? 'Draw with a mouse, finger or pen.'
    : 'Drawing. Undo removes the last stroke.';
  // Written only when it changes: a live region would announce each rewrite.
  if (caption.textContent.trim() !== hint) caption.textContent = hint;
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
  page.codeMap?.redraw();
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
  page.shared.show(page.input);
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

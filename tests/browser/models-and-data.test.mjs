/**
 * How models and data travel in the demo, in headless Chromium: model files dropped
 * on a card, the encoder exported alone, IDX files loaded as training data and
 * trained on, models kept in the browser across reloads, and a browser whose storage
 * fails. Screenshots go to test-results/. Any console error or uncaught page error
 * (an uncaught promise included) fails it.
 *
 * Run: node --test tests/browser/   (after `node scripts/setup.mjs` built pkg/)
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  RESULTS,
  ROOT,
  modelState,
  nextFrame,
  openDemo,
  readError,
  statusAfter,
} from './helpers.mjs';

const SIDE = 28;

/**
 * Test digits in the IDX files: ceil(300 / 64) = 5 steps per epoch at batch 64, so
 * one epoch on them ends at step 5 where the 8,000 built-in digits would need 125.
 * The retrain is seeded; measured, its loss falls at every step, 0.231 to 0.205.
 */
const IDX_COUNT = 300;
const IDX_STEPS_PER_EPOCH = 5;

/** The card retrained on the IDX file, then kept. */
const RETRAINED = 'denoising';

describe('models and data in the demo', { timeout: 90_000 }, () => {
  let demo;
  let page;

  /** The IDX files made from the first IDX_COUNT test digits. */
  let idx;

  before(async () => {
    demo = await openDemo();
    page = demo.page;
    idx = await makeIdxFiles(page);
  });

  after(() => demo?.close());

  it('opens with the built-in digits and no kept model', async () => {
    await page.waitForSelector('#kept-models[data-state=ready]');
    assert.equal(await page.locator('#kept-models .kept-list > li').count(), 0);

    const summary = page.locator('#training-data-summary');
    assert.equal(await summary.getAttribute('data-source'), 'built-in');
    assert.equal(await summary.getAttribute('data-count'), '8000');
  });

  it('highlights a card while a file is dragged over it', async () => {
    const card = page.locator('[data-kind=sparse]');
    const files = await transfer(page, [{ name: 'any.safetensors', bytes: [1, 2, 3] }]);

    await card.dispatchEvent('dragover', { dataTransfer: files });
    assert.equal(await card.getAttribute('data-drop'), 'over');
    await card.dispatchEvent('dragleave', { dataTransfer: files });
    assert.equal(await card.getAttribute('data-drop'), null);
  });

  it('refuses a dropped file that is no model, or broken, and keeps the model', async () => {
    const model = await readFile(join(ROOT, 'www/models/sparse.safetensors'));
    const files = [
      { name: 'notes.txt', bytes: Buffer.from('these are notes, not a model') },
      { name: 'broken.safetensors', bytes: model.subarray(0, model.length / 2) },
    ];
    const kept = await modelState(page, 'sparse');

    for (const file of files) {
      const reason = await readError(page, file.bytes);
      assert.match(reason, /^cannot read model file: /);

      await drop(page, '[data-kind=sparse]', [file]);
      const state = await statusAfter(page, `Sparse: could not load ${file.name}: ${reason}`);
      assert.equal(state, 'error');
      assert.deepEqual(await modelState(page, 'sparse'), kept, `after ${file.name}`);
      assert.equal(await page.getAttribute('[data-kind=sparse]', 'data-drop'), null);
    }
  });

  it('loads a model file dropped on a card', async () => {
    const bytes = await readFile(join(ROOT, 'www/models/denoising.safetensors'));
    await drop(page, '[data-kind=contractive]', [{ name: 'denoising.safetensors', bytes }]);
    const state = await statusAfter(
      page,
      'Loaded denoising.safetensors into the Contractive card.',
    );

    assert.equal(state, 'ready');
    const [loaded, original] = await Promise.all([
      modelState(page, 'contractive'),
      modelState(page, 'denoising'),
    ]);
    assert.deepEqual(loaded.reconstruction, original.reconstruction);
  });

  it('exports the encoder alone, which the package loads as encoder-only', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-kind=undercomplete] .export-encoder'),
    ]);
    assert.equal(download.suggestedFilename(), 'undercomplete-encoder.safetensors');
    const bytes = await readFile(await download.path());

    const encoder = await page.evaluate(async (base64) => {
      const { Autoencoder } = await import('/pkg/index.js');
      const model = Autoencoder.fromBytes(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      const input = window.demo.lastInput();
      const result = {
        isEncoderOnly: model.isEncoderOnly,
        code: Array.from(model.encode(input)),
        cardCode: Array.from(window.demo.models.undercomplete.encode(input)),
      };
      model.free();
      return result;
    }, bytes.toString('base64'));

    assert.equal(encoder.isEncoderOnly, true);
    assert.deepEqual(encoder.code, encoder.cardCode, 'the encoder should give the same codes');
  });

  it('refuses an encoder alone dropped on a card', async () => {
    const bytes = await page.evaluate(() => {
      const encoder = window.demo.models.undercomplete.encoderOnly();
      const bytes = Array.from(encoder.toBytes());
      encoder.free();
      return bytes;
    });
    const kept = await modelState(page, 'undercomplete');

    await drop(page, '[data-kind=undercomplete]', [{ name: 'encoder.safetensors', bytes }]);
    const state = await statusAfter(page, 'Undercomplete: could not load ' +
      'encoder.safetensors: this is an encoder alone (exported with "Export encoder"); ' +
      'a card needs a whole autoencoder to rebuild digits');
    assert.equal(state, 'error');
    assert.deepEqual(await modelState(page, 'undercomplete'), kept);
  });

  it('refuses broken, foreign-size and oversized IDX files, saying why', async () => {
    const truncated = idx.images.subarray(0, idx.images.length - 100);
    const reason = await readError(page, truncated, 'images');
    assert.match(reason, /^cannot read data file: .*truncated/);

    const cases = [
      { name: 'truncated.idx', bytes: truncated, message: reason },
      {
        name: 'large-digits.idx',
        bytes: idxImages(new Uint8Array(10 * 32 * 32), 10, 32),
        message: 'its images are 32×32; the models take 28×28 (784 inputs)',
      },
      {
        // Only a header: refused from the header alone, before the file is read.
        name: 'too-many.idx.gz',
        bytes: gzipSync(idxImages(new Uint8Array(0), 70_000, SIDE)),
        message: 'it holds 70,000 images; the limit is 60,000',
      },
    ];

    for (const { name, bytes, message } of cases) {
      await page.setInputFiles('#training-images', { name, buffer: Buffer.from(bytes) });
      const state = await statusAfter(page, `Training data: could not use ${name}: ${message}`);
      assert.equal(state, 'error');
      assert.equal(await page.getAttribute('#training-data-summary', 'data-source'), 'built-in');
    }
  });

  it('refuses a file over the size limit before reading it', async () => {
    await page.evaluate(() => {
      const megabyte = new Uint8Array(2 ** 20);
      const file = new File(Array(201).fill(megabyte), 'huge.idx');
      const files = new DataTransfer();
      files.items.add(file);
      const zone = document.getElementById('training-data');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true }));
    });

    const state = await statusAfter(
      page,
      'Training data: could not use huge.idx: it is 201 MB; the limit is 200 MB',
    );
    assert.equal(state, 'error');
    assert.equal(await page.getAttribute('#training-data-summary', 'data-source'), 'built-in');
  });

  it('trains a card on the images of a loaded IDX file, with its labels', async () => {
    await drop(page, '#training-data', [
      { name: 'digits-300.idx', bytes: idx.images },
      { name: 'labels-300.idx', bytes: idx.labels },
    ]);
    await statusAfter(page, 'Labelled the 300 images with labels-300.idx.');
    const summary = page.locator('#training-data-summary');
    assert.equal(await summary.getAttribute('data-source'), 'file');
    assert.equal(await summary.getAttribute('data-count'), String(IDX_COUNT));
    assert.equal(await summary.textContent(),
      '300 images of 28×28 from digits-300.idx, labelled by labels-300.idx.');
    const captions = await page.locator('#training-data .preview figcaption').allTextContents();
    assert.deepEqual(captions, idx.firstLabels.map(String));

    const card = page.locator(`[data-kind=${RETRAINED}]`);
    await card.locator('.settings summary').click();
    await card.locator('[name=epochs]').fill('1');
    await recordLosses(page, RETRAINED);
    await card.locator('.retrain').click();
    await page.waitForSelector(`[data-kind=${RETRAINED}][data-state=ready]`);
    await statusAfter(page, 'Denoising retrained for 1 epoch on 300 images from digits-300.idx.');

    const training = card.locator('.training');
    assert.equal(await training.getAttribute('data-step'), String(IDX_STEPS_PER_EPOCH));
    assert.equal(await training.getAttribute('data-epochs'), '1');
    const losses = await page.evaluate(() => window.e2eLosses);
    assert.equal(losses.length, IDX_STEPS_PER_EPOCH, 'one readout a step on a short job');
    assert.ok(losses.at(-1) < losses[0], `the loss should fall: ${losses}`);
  });

  it('takes a gzip IDX file too, and goes back to the built-in digits', async () => {
    await page.setInputFiles('#training-images', {
      name: 'digits-300.idx.gz',
      buffer: gzipSync(idx.images),
    });
    await statusAfter(page, 'Retraining now uses 300 images from digits-300.idx.gz.');
    assert.equal(await page.textContent('#training-data-summary'),
      '300 images of 28×28 from digits-300.idx.gz.');
    assert.deepEqual(await page.evaluate(() => window.demo.trainingData().count), IDX_COUNT);

    await page.click('#built-in-digits');
    await statusAfter(page, 'Retraining now uses the built-in digits.');
    assert.equal(await page.getAttribute('#training-data-summary', 'data-count'), '8000');
    assert.equal(await page.evaluate(() => window.demo.trainingData().images), null);
    assert.equal(await page.isDisabled('#built-in-digits'), true);
  });

  it('keeps a model across a reload, uses it, and deletes it for good', async () => {
    await page.evaluate(() => window.demo.showTestDigit(0));
    const retrained = await modelState(page, RETRAINED);
    const name = 'Denoising, code 32, 1 epoch on 300 images from digits-300.idx';

    await page.click(`[data-kind=${RETRAINED}] .keep`);
    await statusAfter(page, `Kept “${name}” in this browser (see Kept models).`);
    await keepUnfitModels(page);

    await page.reload();
    await page.evaluate(() => window.demo.ready);
    await page.waitForSelector('#kept-models[data-state=ready]');
    const items = page.locator('#kept-models .kept-list > li');
    assert.deepEqual(await items.locator('.name').allTextContents(),
      ['Foreign size', 'Undercomplete encoder', name]);
    const item = items.filter({ hasText: name });
    assert.equal(await item.getAttribute('data-kind'), RETRAINED);
    assert.equal(await item.getAttribute('data-test-loss'), retrained.testLoss);

    await page.evaluate(() => window.demo.showTestDigit(0));
    assert.notDeepEqual(await modelState(page, RETRAINED), retrained, 'shipped after reload');
    await item.locator('.use').click();
    await statusAfter(page, `Loaded “${name}” into the Denoising card.`);
    assert.deepEqual(await modelState(page, RETRAINED), retrained);

    await screenshots(page, idx.images);
    await refusesUnfitModels(page, items);
    await deletesAll(page, items);
  });

  it('says so when the browser refuses storage, and never leaves a promise uncaught',
    async () => {
      for (const refusal of [refuseStorageAtOnce, refuseStorageLater]) {
        const tab = demo.watch(await demo.context.newPage());
        await tab.addInitScript(refusal);
        await tab.goto(demo.url);
        await tab.evaluate(() => window.demo.ready);

        await tab.waitForSelector('#kept-models[data-state=unavailable]');
        const reason = "the browser's storage is unavailable here (The user denied " +
          'permission to access the database); private browsing can cause this';
        assert.equal(await tab.textContent('#kept-models .kept-note'),
          `Models cannot be kept: ${reason}.`);

        await tab.click('[data-kind=sparse] .keep');
        const state = await statusAfter(tab, `Could not keep “Sparse, as shipped”: ${reason}`);
        assert.equal(state, 'error', refusal.name);
        await tab.close();
      }
    });

  it('logs no console error and throws no page error', () => {
    assert.deepEqual(demo.errors, []);
  });
});

/**
 * IDX files of the first IDX_COUNT test digits (pixels × 255): `images`, `labels`
 * and the labels of the first ten, as the preview shows them.
 */
async function makeIdxFiles(page) {
  const { pixels, labels } = await page.evaluate((count) => {
    const { digits } = window.demo;
    const images = digits.images('test').subarray(0, count * 784);
    return {
      pixels: Array.from(images, (value) => Math.round(value * 255)),
      labels: Array.from(digits.labels('test').subarray(0, count)),
    };
  }, IDX_COUNT);

  return {
    images: idxImages(Uint8Array.from(pixels), IDX_COUNT, SIDE),
    labels: idxFile([labels.length], Uint8Array.from(labels)),
    firstLabels: labels.slice(0, 10),
  };
}

/** An IDX image file: `count` images of side × side bytes. */
function idxImages(pixels, count, side) {
  return idxFile([count, side, side], pixels);
}

/** An IDX file of unsigned bytes: 0x00 0x00 0x08 rank, big-endian sizes, the data. */
function idxFile(dims, data) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** In the page: IndexedDB refuses to open by throwing, as some private modes do. */
function refuseStorageAtOnce() {
  IDBFactory.prototype.open = () => {
    throw new DOMException('The user denied permission to access the database.',
      'SecurityError');
  };
}

/** In the page: IndexedDB refuses to open with an error event, as others do. */
function refuseStorageLater() {
  IDBFactory.prototype.open = () => {
    const request = new EventTarget();
    request.error = new DOMException('The user denied permission to access the database.',
      'SecurityError');
    setTimeout(() => request.onerror?.(new Event('error')));
    return request;
  };
}

/** A DataTransfer in the page holding `files` (`{ name, bytes }`), as a handle. */
function transfer(page, files) {
  const encoded = files.map(({ name, bytes }) => ({
    name,
    base64: Buffer.from(bytes).toString('base64'),
  }));
  return page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of files) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], name));
    }
    return transfer;
  }, encoded);
}

/** Drags `files` over the element `selector` and drops them there. */
async function drop(page, selector, files) {
  const dataTransfer = await transfer(page, files);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
  await dataTransfer.dispose();
}

/** Keeps every value the card's loss readout shows, in `window.e2eLosses`. */
function recordLosses(page, kind) {
  return page.evaluate((kind) => {
    const readout = document.querySelector(`[data-kind=${kind}] .training .loss`);
    window.e2eLosses = [];
    new MutationObserver(() => window.e2eLosses.push(Number(readout.dataset.value)))
      .observe(readout, { attributes: true, attributeFilter: ['data-value'] });
  }, kind);
}

/** Stores, straight through storage.js, two models no card can take. */
function keepUnfitModels(page) {
  return page.evaluate(async () => {
    const { Autoencoder, presetConfig } = await import('/pkg/index.js');
    const { keepModel } = await import('/www/storage.js');

    const encoder = window.demo.models.undercomplete.encoderOnly();
    const foreign = new Autoencoder(presetConfig('sparse', { inputSize: 100 }));
    const stored = [
      { name: 'Undercomplete encoder', kind: 'undercomplete', model: encoder },
      { name: 'Foreign size', kind: 'sparse', model: foreign },
    ];
    for (const { name, kind, model } of stored) {
      await keepModel({ name, kind, testLoss: 1, bytes: model.toBytes() });
      model.free();
    }
  });
}

/** "Use" on the unfit kept models says why and changes nothing. */
async function refusesUnfitModels(page, items) {
  const refusals = [
    ['Undercomplete encoder', 'undercomplete', 'this is an encoder alone (exported with ' +
      '"Export encoder"); a card needs a whole autoencoder to rebuild digits'],
    ['Foreign size', 'sparse', 'the model takes 100 inputs; this page gives 784 (28×28)'],
  ];

  for (const [name, kind, reason] of refusals) {
    const before = await modelState(page, kind);
    await items.filter({ hasText: name }).locator('.use').click();
    const state = await statusAfter(page, `Could not use “${name}”: ${reason}`);
    assert.equal(state, 'error');
    assert.deepEqual(await modelState(page, kind), before, name);
  }
}

/** Deletes every kept model, and finds none after a reload. */
async function deletesAll(page, items) {
  while ((await items.count()) > 0) {
    const name = await items.first().locator('.name').textContent();
    const count = await items.count();
    await items.first().locator('.delete').click();
    await statusAfter(page, `Deleted “${name}” from this browser.`);
    await page.waitForFunction(
      (count) => document.querySelectorAll('#kept-models .kept-list > li').length === count,
      count - 1,
    );
  }

  await page.reload();
  await page.evaluate(() => window.demo.ready);
  await page.waitForSelector('#kept-models[data-state=ready]');
  assert.equal(await items.count(), 0);
  assert.match(await page.textContent('#kept-models .kept-note'), /^None yet\./);
}

/**
 * Screenshots of the whole page at 1280 and 375 px, with an IDX file loaded; at 375
 * nothing reaches past the right edge.
 */
async function screenshots(page, idxImages) {
  await mkdir(RESULTS, { recursive: true });
  await page.setInputFiles('#training-images', { name: 'digits-300.idx', buffer: idxImages });
  await statusAfter(page, 'Retraining now uses 300 images from digits-300.idx.');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.setViewportSize({ width: 1280, height: 900 });
  await nextFrame(page);
  await page.screenshot({ path: join(RESULTS, 'models-and-data.png'), fullPage: true });

  await page.setViewportSize({ width: 375, height: 812 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await nextFrame(page);
  const outside = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5)
      .map((element) => element.outerHTML.slice(0, 80));
  });
  assert.deepEqual(outside, [], 'no element should reach past the right edge at 375 px');
  await page.screenshot({ path: join(RESULTS, 'models-and-data-375.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

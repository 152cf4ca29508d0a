// Every widget snippet of the README, pasted alone into a page of a fresh
// project that installed the packed npm tarball, in Chromium: each widget must
// respond to what a reader does (draw, move a slider, press a button) with real
// numbers, and no page may log an error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { installPackedPackage } from '../packed.mjs';
import { ROOT, servePackedProject } from './helpers.mjs';

let installed;
let served;
let base;
let context;
const pages = new Map();

/** The ```html blocks of the README's widget section, by what they contain. */
async function readmeSnippets() {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Widgets for tutorials'),
    readme.indexOf('## Command line'));
  return [...section.matchAll(/```html\n([\s\S]*?)```/g)].map((match) => match[1]);
}

before(async () => {
  installed = installPackedPackage('autoencoder-lab-widgets-');
  const snippets = await readmeSnippets();
  assert.ok(snippets.length >= 8, `found ${snippets.length} snippets`);
  const names = [];
  for (const [i, snippet] of snippets.entries()) {
    const name = `snippet-${i}.html`;
    await writeFile(join(installed.project, name),
      `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n${snippet}`);
    pages.set(snippet, name);
    names.push(name);
  }
  served = await servePackedProject(installed.project, ['node_modules', ...names], 30_000);
  ({ base, context } = served);
});

after(async () => {
  await served?.close();
  installed?.remove();
});

/** Opens the page of the snippet that holds `tag`; `errors` collects console errors. */
async function open(tag) {
  const snippet = [...pages.keys()].find((text) => text.includes(`<${tag}`));
  assert.ok(snippet, `the README has no snippet with <${tag}>`);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/${pages.get(snippet)}`);
  await page.evaluate(() => Promise.all([...document.querySelectorAll('ae-model')]
    .map((model) => customElements.whenDefined('ae-model').then(() => model.ready))));
  return { page, errors };
}

/** Draws a 7 on the page's pad (its canvas is inside the shadow root). */
async function drawSeven(page) {
  const box = await page.locator('ae-pad canvas.pad').boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.2), { steps: 6 });
  await page.mouse.move(...at(0.45, 0.85), { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('ae-model')?.input !== null);
}

/** The brightest pixel of a 28×28 canvas in a widget's shadow root, in [0, 1]. */
function brightest(page, tag, selector) {
  return page.evaluate(([tag, selector]) => {
    const canvas = document.querySelector(tag).shadowRoot.querySelector(selector);
    const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
    let top = 0;
    for (let i = 0; i < data.length; i += 4) top = Math.max(top, data[i]);
    return top / 255;
  }, [tag, selector]);
}

async function finish({ page, errors }) {
  assert.deepEqual(errors, []);
  await page.close();
}

test('ae-pad feeds ae-reconstruction, which redraws the digit close to what was drawn', async () => {
  const opened = await open('ae-reconstruction');
  const { page } = opened;
  assert.equal(await brightest(page, 'ae-reconstruction', '.output'), 0);
  await drawSeven(page);
  await page.waitForFunction(() => document.querySelector('ae-reconstruction').shadowRoot
    .querySelector('.note').textContent.includes('squared error'));
  const error = await page.evaluate(() => {
    const model = document.querySelector('ae-model');
    const rebuilt = model.reconstructDigits(model.input);
    let sum = 0;
    for (let i = 0; i < 784; i++) sum += (rebuilt[i] - model.input[i]) ** 2;
    return sum / 784;
  });
  // A drawn 7 comes back with a squared error per pixel near 0.02; a blank
  // image would have about 0.15.
  assert.ok(error < 0.06, `error ${error}`);
  assert.ok(await brightest(page, 'ae-reconstruction', '.output') > 0.5);
  await finish(opened);
});

test('ae-code inside its ae-model shows the code of the drawing', async () => {
  const opened = await open('ae-code');
  const { page } = opened;
  await drawSeven(page);
  const note = page.locator('ae-code .note');
  await note.filter({ hasText: 'units,' }).waitFor();
  const text = await note.textContent();
  const [, units, zeros] = text.match(/(\d+) units, (\d+) at zero/);
  assert.equal(Number(units), 32);
  // The sparse model's code has several units at zero for any digit.
  assert.ok(Number(zeros) >= 1 && Number(zeros) < 32, text);
  await finish(opened);
});

test('ae-noise corrupts the digit and rebuilds it better than the corruption', async () => {
  const opened = await open('ae-noise');
  const { page } = opened;
  await drawSeven(page);
  const errors = async () => {
    const text = await page.locator('ae-noise .note').textContent();
    const [, noisy, rebuilt] = text.match(/corrupted ([\d.]+), rebuilt ([\d.]+)/);
    return { noisy: Number(noisy), rebuilt: Number(rebuilt) };
  };
  await page.locator('ae-noise .note').filter({ hasText: 'rebuilt' }).waitFor();
  const before = await errors();
  assert.ok(before.rebuilt < before.noisy, JSON.stringify(before));

  // The reader moves the level slider to 0.8: more noise, more error.
  await page.locator('ae-noise input.level').fill('0.8');
  await page.waitForFunction(() => document.querySelector('ae-noise').getAttribute('level')
    === '0.8');
  const after = await errors();
  assert.ok(after.noisy > before.noisy, `${JSON.stringify(before)} then ${JSON.stringify(after)}`);
  await finish(opened);
});

test('ae-trainer trains the fresh model, draws the loss and every view shows the result', async () => {
  const opened = await open('ae-trainer');
  const { page } = opened;
  await drawSeven(page);
  const errorOf = () => page.evaluate(() => {
    const model = document.querySelector('ae-model');
    const rebuilt = model.reconstructDigits(model.input);
    let sum = 0;
    for (let i = 0; i < 784; i++) sum += (rebuilt[i] - model.input[i]) ** 2;
    return sum / 784;
  });
  const untrained = await errorOf();

  await page.evaluate(() => document.querySelector('ae-trainer').setAttribute('epochs', '0.5'));
  const done = page.evaluate(() => new Promise((resolve, reject) => {
    const trainer = document.querySelector('ae-trainer');
    trainer.addEventListener('trainingdone', resolve, { once: true });
    trainer.addEventListener('trainingerror', (event) => reject(event.detail.message));
  }));
  await page.locator('ae-trainer button.train').click();
  await done;
  const trained = await errorOf();
  assert.ok(trained < 0.6 * untrained, `error ${untrained} before, ${trained} after`);

  const readout = await page.locator('ae-trainer .readout').textContent();
  assert.match(readout, /epoch 0\.5 of 0\.5: loss [\d.]+ \(reconstruction [\d.]+ \+ penalty/);
  const inked = await page.evaluate(() => {
    const canvas = document.querySelector('ae-trainer').shadowRoot.querySelector('.chart');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return data.filter((value, i) => i % 4 === 3 && value > 0).length;
  });
  assert.ok(inked > 100, `the loss chart has ${inked} drawn pixels`);
  await finish(opened);
});

test('ae-filters draws one image per unit, each with light and dark weights', async () => {
  const opened = await open('ae-filters');
  const { page } = opened;
  const spreads = await page.evaluate(async () => {
    const grid = document.querySelector('ae-filters').shadowRoot.querySelector('.grid');
    return [...grid.querySelectorAll('canvas')].map((canvas) => {
      const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
      const levels = data.filter((_, i) => i % 4 === 0);
      return Math.max(...levels) - Math.min(...levels);
    });
  });
  assert.equal(spreads.length, 16);
  assert.ok(spreads.every((spread) => spread > 100), `${spreads}`);
  await finish(opened);
});

test('ae-code-map maps 2,000 test digits; pointing at a dot shows that digit', async () => {
  const opened = await open('ae-code-map');
  const { page } = opened;
  await page.locator('ae-code-map .note').filter({ hasText: '2000 test digits' }).waitFor();
  const target = await page.evaluate(() => {
    const map = document.querySelector('ae-code-map');
    const box = map.shadowRoot.querySelector('.map').getBoundingClientRect();
    const point = map.pointOf(123);
    return { x: box.left + point.x, y: box.top + point.y, label: point.label };
  });
  await page.mouse.move(target.x, target.y);
  const picked = await page.evaluate(() => document.querySelector('ae-code-map').picked);
  const caption = await page.locator('ae-code-map .picked-label').textContent();
  // The dot under the pointer (123 or one drawn on top of it) names its label.
  const label = Number(caption.match(/an? (\d)$/)[1]);
  const expected = await page.evaluate(
    (index) => document.querySelector('ae-code-map').pointOf(index).label, picked);
  assert.equal(label, expected);
  assert.ok(await brightest(page, 'ae-code-map', '.digit') > 0.5);
  await drawSeven(page);
  await finish(opened);
});

test('ae-label reads the drawing; ae-halves rebuilds the hidden half', async () => {
  const opened = await open('ae-label');
  const { page } = opened;
  await drawSeven(page);
  await page.waitForFunction(() => document.querySelector('ae-label').probabilities !== null);
  const probabilities = await page.evaluate(
    () => Array.from(document.querySelector('ae-label').probabilities));
  const sum = probabilities.reduce((a, b) => a + b);
  assert.ok(Math.abs(sum - 1) < 1e-4, `${sum}`);
  assert.equal(probabilities.indexOf(Math.max(...probabilities)), 7, `${probabilities}`);

  // The image imagined from the label 0 alone is read as a 0 by the same model.
  await page.locator('ae-label button[data-label="0"]').click();
  const readBack = await page.evaluate(() => {
    const view = document.querySelector('ae-label');
    const model = view.hub;
    const inputs = model.modelInput(view.imagined);
    const out = model.model.reconstruct(inputs).slice(784);
    return out.indexOf(Math.max(...out));
  });
  assert.equal(readBack, 0);

  const halves = await page.evaluate(() => {
    const view = document.querySelector('ae-halves');
    const digit = view.hub.input;
    let rebuilt = 0;
    let blank = 0;
    for (let i = 0; i < 784; i++) {
      if (i % 28 < 14) continue;
      rebuilt += (view.rebuilt[i] - digit[i]) ** 2;
      blank += digit[i] ** 2;
    }
    return { rebuilt, blank };
  });
  assert.ok(halves.rebuilt < halves.blank, JSON.stringify(halves));
  await finish(opened);
});

test('ae-probe measures a linear classifier on codes and on pixels', async () => {
  const opened = await open('ae-probe');
  const { page } = opened;
  const result = page.evaluate(() => new Promise((resolve) => {
    document.querySelector('ae-probe').addEventListener('probedone',
      (event) => resolve(event.detail), { once: true });
  }));
  await page.locator('ae-probe button.measure').click();
  const { perClass, codes, pixels } = await result;
  assert.deepEqual(perClass, [10, null]);
  // The README's table: 74.4% and 89.1% on the codes, 75.0% and 89.5% on pixels.
  assert.ok(Math.abs(codes[0] - 0.744) < 0.03 && Math.abs(codes[1] - 0.891) < 0.015,
    `codes ${codes}`);
  assert.ok(Math.abs(pixels[0] - 0.75) < 0.03 && Math.abs(pixels[1] - 0.895) < 0.015,
    `pixels ${pixels}`);
  const cells = await page.locator('ae-probe td').allTextContents();
  assert.equal(cells.length, 4);
  assert.ok(cells.every((cell) => /^\d+\.\d%$/.test(cell)), `${cells}`);
  await finish(opened);
});

test('a widget without its model says so in words, and throws nothing', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const name = [...pages.values()][0];
  await page.goto(`${base}/${name}`);
  const message = await page.evaluate(async () => {
    const view = document.createElement('ae-code');
    view.setAttribute('model', 'nowhere');
    document.body.append(view);
    return view.shadowRoot.querySelector('.status').textContent;
  });
  assert.match(message, /no <ae-model id="nowhere"> on the page/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a TrainingWorker whose script cannot load fails every job at once, never hangs', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/${[...pages.values()][0]}`);
  const outcomes = await page.evaluate(async () => {
    const { TrainingWorker } = await import('./node_modules/autoencoder-lab/index.js');
    const worker = new TrainingWorker({ workerUrl: 'missing-worker.js' });
    const settle = (promise) => Promise.race([
      promise.then(() => 'resolved', (error) => error.message),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5000)),
    ]);
    const outcomes = [await settle(worker.prepare())];
    outcomes.push(await settle(worker.train({ config: {}, epochs: 0.01 })));
    worker.terminate();
    return outcomes;
  });
  for (const outcome of outcomes) {
    assert.match(outcome, /training worker failed: the worker script could not be loaded/);
  }
  await page.close();
});

test('a TrainingWorker refuses a pairing that is not the model\'s, and chunks too long to cancel', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/${[...pages.values()][0]}`);
  const outcomes = await page.evaluate(async () => {
    const { TrainingWorker } = await import('./node_modules/autoencoder-lab/index.js');
    const worker = new TrainingWorker();
    const bytes = async (name) => {
      const url = `./node_modules/autoencoder-lab/models/${name}.safetensors`;
      return new Uint8Array(await (await fetch(url)).arrayBuffer());
    };
    const outcome = (promise) => promise.then(() => 'resolved', (error) => error.message);
    const outcomes = [
      // A plain model of 784 values would take the halves' reordered pixels.
      await outcome(worker.probe({ modelBytes: await bytes('undercomplete'), pairing: 'halves', perClass: [10] })),
      await outcome(worker.probe({ modelBytes: await bytes('halves'), perClass: [10] })),
      await outcome(worker.train({ modelBytes: await bytes('undercomplete'), pairing: 'halves', epochs: 0.01 })),
      // Pause and cancel wait for the end of a chunk.
      await outcome(worker.train({ modelBytes: await bytes('undercomplete'), epochs: 0.01, chunk: 1e6 })),
    ];
    worker.terminate();
    return outcomes;
  });
  assert.match(outcomes[0], /the 'halves' pairing gives the modalities left 392, right 392, but the model has none/);
  assert.match(outcomes[1], /the model has the modalities left 392, right 392: give the job the pairing/);
  assert.match(outcomes[2], /the 'halves' pairing gives the modalities/);
  assert.match(outcomes[3], /job.chunk must be a number from 1 to 1000, got 1000000/);
  await page.close();
});

test('wrong attributes are named in the widgets, not found out at the first retrain', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/${[...pages.values()][0]}`);
  const say = (html) => page.evaluate(async (html) => {
    const box = document.createElement('div');
    box.innerHTML = html;
    document.body.append(box);
    const view = box.querySelector('ae-code, ae-trainer');
    const model = box.querySelector('ae-model');
    // Any load settles within a few frames (a ready model is fetched).
    await new Promise((resolve) => setTimeout(resolve, 800));
    if (view.localName === 'ae-trainer') {
      await model.ready;
      view.shadowRoot.querySelector('button.train').click();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const text = view.shadowRoot.querySelector('.status').textContent;
    box.remove();
    return text;
  }, html);

  assert.match(await say('<ae-model id="a1" pairing="image-lable" pretrained></ae-model>'
    + '<ae-code model="a1"></ae-code>'), /pairing="image-lable".*image-label or halves/);
  assert.match(await say('<ae-model id="a2" code-size="-3" pretrained></ae-model>'
    + '<ae-code model="a2"></ae-code>'), /code-size="-3".*whole number from 1/);
  assert.match(await say('<ae-model id="a3" kind="sparce" pretrained></ae-model>'
    + '<ae-code model="a3"></ae-code>'), /kind="sparce".*undercomplete, sparse/);
  assert.match(await say('<ae-model id="a4" kind="sparse"></ae-model>'
    + '<ae-trainer model="a4" epochs="abc"></ae-trainer>'), /epochs="abc".*above 0/);
  // The page's own snippet already has an <ae-model id="denoiser">.
  assert.match(await say('<ae-model id="denoiser"></ae-model>'
    + '<ae-code model="denoiser"></ae-code>'), /more than one element on the page has id="denoiser"/);
  assert.deepEqual(errors, []);
  await page.close();
});

/**
 * Model files between the command line and the demo, in headless Chromium. A model
 * that `aelab train` wrote, loaded into a card, gives in the page the loss and mean
 * code that `aelab eval` prints. A model retrained in the page and saved with the
 * card's Save button gives under `aelab eval` what the page computes, and the encoder
 * that `aelab export-encoder` writes of it gives the card's codes, bit for bit. Any
 * console error or uncaught page error fails it.
 *
 * Run: node --test tests/browser/   (after `node scripts/setup.mjs` built pkg/; the
 * test builds target/release/aelab first if it is missing)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { ROOT, openDemo, statusAfter } from './helpers.mjs';

const run = promisify(execFile);
const AELAB = join(ROOT, 'target/release/aelab');

/**
 * How far a number the page computes may be from the one `aelab` prints. The print
 * rounds to six decimals (up to 5e-7 off). Beyond that, the native build's matrix
 * products may use fused multiply-add (chosen at run time on x86-64) where wasm has
 * none, so codes and reconstructions can differ in their last bits, which averaging
 * over 2,000 test digits keeps far below 1e-6. Measured: every number was within the
 * print's rounding (at most 4.9e-7 off). 2e-6 leaves room for both, and a different
 * model misses by thousands of times more (0.022 against 0.052 for the test loss).
 */
const TOLERANCE = 2e-6;

/** The built-in test digits, which `aelab --split test` and the page both use. */
const TEST_COUNT = 2000;

/** The test digit whose reconstruction is compared bit for bit. */
const TEST_DIGIT = 7;

/** The card retrained and saved: its L1 penalty makes `penalty:` worth comparing. */
const SAVED = 'sparse';
const SAVED_TITLE = 'Sparse';

/** One epoch on the 8,000 built-in train digits at the card's batch of 64. */
const STEPS_PER_EPOCH = 125;

await buildAelab();

describe('model files between aelab and the demo', { timeout: 60_000 }, () => {
  let demo;
  let page;

  /** Where the model files of this run go; removed at the end. */
  let folder;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'autoencoder-lab-roundtrip-'));
    demo = await openDemo();
    page = demo.page;
    assert.equal(await page.inputValue('#noise-kind'), 'none', 'cards see the clean digit');
  });

  after(async () => {
    await demo?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('loads a model aelab trained, which gives in the page what aelab eval prints',
    async () => {
      const file = join(folder, 'cli.safetensors');
      await aelab('train', '--kind', 'contractive', '--code-size', '32', '--steps', '100',
        '--out', file);
      const native = await aelabEval(file);

      await page.setInputFiles('#load-file-contractive', file);
      const state = await statusAfter(page, 'Loaded cli.safetensors into the Contractive card.');
      assert.equal(state, 'ready');

      const shown = await cardNumbers(page, 'contractive');
      assert.equal(shown.count, TEST_COUNT);
      assertClose(shown, native, ['loss', 'reconstruction', 'penalty', 'meanCode']);
      assert.ok(Math.abs(shown.testLoss - native.loss) <= TOLERANCE,
        `the card shows test loss ${shown.testLoss}; aelab printed ${native.loss}`);

      const digit = await page.evaluate(async ({ bytes, index }) => {
        const { Autoencoder } = await import('/pkg/index.js');
        window.demo.showTestDigit(index);
        const image = window.demo.digits.image('test', index);
        const fresh = Autoencoder.fromBytes(bytes);
        const result = {
          fresh: fresh.reconstruct(image),
          card: window.demo.models.contractive.reconstruct(image),
          drawn: window.demo.lastReconstruction('contractive'),
        };
        fresh.free();
        return result;
      }, { bytes: new Uint8Array(await readFile(file)), index: TEST_DIGIT });
      assertSameBits(digit.card, digit.fresh, 'the card model and the file read afresh');
      assertSameBits(digit.drawn, digit.fresh, 'what the card draws and the file read afresh');
    });

  it('saves a model retrained in the page, which aelab eval evaluates the same', async () => {
    const card = page.locator(`[data-kind=${SAVED}]`);
    await card.locator('.settings summary').click();
    await card.locator('[name=epochs]').fill('1');
    await card.locator('.retrain').click();
    await page.waitForSelector(`[data-kind=${SAVED}][data-state=ready]`);
    await statusAfter(page, `${SAVED_TITLE} retrained for 1 epoch.`);
    assert.equal(await card.locator('.training').getAttribute('data-step'),
      String(STEPS_PER_EPOCH));

    const file = await saveCard(page, SAVED, SAVED_TITLE, folder);
    const saved = new Uint8Array(await readFile(file));
    const same = await page.evaluate(({ kind, saved }) => {
      const bytes = window.demo.models[kind].toBytes();
      return bytes.length === saved.length && bytes.every((byte, i) => byte === saved[i]);
    }, { kind: SAVED, saved });
    assert.ok(same, 'the download should hold the card model as toBytes writes it');

    const native = await aelabEval(file);
    const shown = await cardNumbers(page, SAVED);
    assert.ok(native.penalty > 0, `an L1 penalty should show: ${native.penalty}`);
    assertClose(shown, native, ['loss', 'reconstruction', 'penalty', 'meanCode']);
  });

  it('exports with aelab the encoder of the saved model, which gives the card codes',
    async () => {
      const model = join(folder, `${SAVED}.safetensors`);
      const file = join(folder, `${SAVED}-encoder.safetensors`);
      const printed = await aelab('export-encoder', '--model', model, '--out', file);
      assert.equal(printed, `wrote the encoder (784 → 32) to ${file}\n`);

      const native = await aelabEval(file);
      assert.equal(native.encoderOnly, true);
      assert.equal(native.loss, undefined, 'an encoder alone has no reconstruction loss');

      const encoder = await page.evaluate(async ({ kind, bytes }) => {
        const { Autoencoder } = await import('/pkg/index.js');
        const images = window.demo.digits.images('test');
        const encoder = Autoencoder.fromBytes(bytes);
        const result = {
          isEncoderOnly: encoder.isEncoderOnly,
          codes: encoder.encode(images),
          cardCodes: window.demo.models[kind].encode(images),
        };
        encoder.free();
        return result;
      }, { kind: SAVED, bytes: new Uint8Array(await readFile(file)) });

      assert.equal(encoder.isEncoderOnly, true);
      assert.equal(encoder.codes.length, TEST_COUNT * 32);
      assertSameBits(encoder.codes, encoder.cardCodes, 'codes of the encoder and of the card');
      assertClose({ meanCode: meanOf(encoder.codes) }, native, ['meanCode']);
    });

  it('logs no console error and throws no page error', () => {
    assert.deepEqual(demo.errors, []);
  });
});

/** Builds the command line when it is missing (a fresh clone), before any test runs. */
async function buildAelab() {
  const built = await access(AELAB).then(() => true, () => false);
  if (built) return;

  console.info('building target/release/aelab for the round-trip test');
  await run('cargo', ['build', '--release', '--bin', 'aelab'], { cwd: ROOT });
}

/** Runs `aelab` with `args` from the repository root; resolves with what it printed. */
async function aelab(...args) {
  const { stdout } = await run(AELAB, args, { cwd: ROOT });
  return stdout;
}

/**
 * What `aelab eval --split test` prints for the model `file`: `loss`, `reconstruction`,
 * `penalty` (undefined for an encoder alone), `meanCode` and `encoderOnly`.
 */
async function aelabEval(file) {
  const printed = await aelab('eval', '--model', file, '--split', 'test');
  assert.match(printed, new RegExp(`^data: ${TEST_COUNT} built-in test digits$`, 'm'));

  const number = (name) => {
    const line = printed.match(new RegExp(`^${name}: (-?\\d+\\.\\d{6})$`, 'm'));
    return line ? Number(line[1]) : undefined;
  };
  const meanCode = number('mean code');
  assert.notEqual(meanCode, undefined, `aelab eval should print the mean code:\n${printed}`);
  return {
    loss: number('loss'),
    reconstruction: number('reconstruction'),
    penalty: number('penalty'),
    meanCode,
    encoderOnly: /^encoder only: /m.test(printed),
  };
}

/**
 * What the page computes for the model in the card of `kind` on the test digits: its
 * `evaluate` (loss and its parts), the mean of its codes, the test loss the card
 * shows, and how many digits there are.
 */
async function cardNumbers(page, kind) {
  const numbers = await page.evaluate((kind) => {
    const model = window.demo.models[kind];
    const images = window.demo.digits.images('test');
    const shown = document.querySelector(`[data-kind=${kind}] .test-loss`).dataset.value;
    return {
      ...model.evaluate(images),
      codes: model.encode(images),
      testLoss: Number(shown),
      count: images.length / model.inputSize,
    };
  }, kind);

  const { codes, ...rest } = numbers;
  return { ...rest, meanCode: meanOf(codes) };
}

/** Clicks Save on the card of `kind` (titled `title`); keeps the download in `folder`. */
async function saveCard(page, kind, title, folder) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-kind=${kind}] .save`),
  ]);
  const name = `${kind}.safetensors`;
  assert.equal(download.suggestedFilename(), name);
  await statusAfter(page, `Saved the ${title} model as ${name}.`);

  const file = join(folder, name);
  await download.saveAs(file);
  return file;
}

/** The mean of `values`, summed in f64 in order, as `aelab eval` does. */
function meanOf(values) {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Each of `names` in `computed` is within TOLERANCE of the same in `native`. */
function assertClose(computed, native, names) {
  for (const name of names) {
    const difference = Math.abs(computed[name] - native[name]);
    assert.ok(difference <= TOLERANCE,
      `${name}: the page computes ${computed[name]}, aelab printed ${native[name]}`);
  }
}

/** `actual` and `expected` (Float32Array) hold the same bits; `what` names them. */
function assertSameBits(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  const bits = (values) => new Uint32Array(values.buffer, values.byteOffset, values.length);
  const [a, b] = [bits(actual), bits(expected)];
  const index = a.findIndex((word, i) => word !== b[i]);
  assert.equal(index, -1,
    `${what} differ first at ${index}: ${actual[index]} and ${expected[index]}`);
}

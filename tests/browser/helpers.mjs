/**
 * What the browser tests share: the demo served on 127.0.0.1 and opened in headless
 * Chromium with a fresh profile, console errors collected, and small page helpers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM_OPTIONS } from '../../scripts/chromium.mjs';
import { ISOLATION_HEADERS, startServer } from '../../scripts/serve.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS = join(ROOT, 'test-results');
export const KINDS = ['undercomplete', 'sparse', 'denoising', 'contractive'];

/**
 * Serves the repository and opens the demo in a fresh browser profile, waiting
 * until its models are in place unless `ready` is false.
 * `errors` collects console errors and uncaught page errors of `page` (and of any
 * page passed to `watch`); none is expected. `close` ends it all.
 */
export async function openDemo({ ready = true } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'autoencoder-lab-browser-'));
  const { server, url } = await startServer({ port: 0 });
  const context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
  context.setDefaultTimeout(20_000);

  const errors = [];
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    return page;
  };
  const page = watch(context.pages()[0] ?? (await context.newPage()));

  const close = async () => {
    try {
      await context.close();
    } finally {
      server.closeAllConnections();
      server.close();
      await rm(profile, { recursive: true, force: true });
    }
  };
  const demoUrl = `${url}/www/`;
  try {
    await page.goto(demoUrl);
    if (ready) await page.evaluate(() => window.demo.ready);
  } catch (error) {
    await close();
    throw error;
  }
  return { url: demoUrl, context, page, errors, watch, close };
}

/** Waits two animation frames: the page renders once per frame after a change. */
export function nextFrame(page) {
  return page.evaluate(() => new Promise((done) => {
    requestAnimationFrame(() => requestAnimationFrame(done));
  }));
}

/** What a card's model gives: its reconstruction of the current input, and test loss. */
export function modelState(page, kind) {
  return page.evaluate((kind) => ({
    reconstruction: Array.from(window.demo.models[kind].reconstruct(window.demo.lastInput())),
    testLoss: document.querySelector(`[data-kind=${kind}] .test-loss`).dataset.value,
  }), kind);
}

/**
 * The message a package function throws for `bytes`, or null when it does not:
 * `reader` is 'model' (`Autoencoder.fromBytes`) or 'images' (`readIdxImages`).
 */
export function readError(page, bytes, reader = 'model') {
  return page.evaluate(async ({ base64, reader }) => {
    const { Autoencoder, init, readIdxImages } = await import('/pkg/index.js');
    await init();
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    try {
      if (reader === 'model') Autoencoder.fromBytes(bytes).free();
      else readIdxImages(bytes);
      return null;
    } catch (error) {
      return error.message;
    }
  }, { base64: Buffer.from(bytes).toString('base64'), reader });
}

/** Waits until the status line reads `text` exactly; resolves with its data-state. */
export async function statusAfter(page, text) {
  await page.waitForFunction(
    (text) => document.getElementById('status').textContent === text,
    text,
  ).catch(async (error) => {
    const shown = await page.textContent('#status');
    throw new Error(`status should read "${text}", reads "${shown}"`, { cause: error });
  });
  return page.getAttribute('#status', 'data-state');
}

/** Draws one stroke through `points` (fractions of `pad`) and waits for a render. */
export async function drawStroke(page, pad, points) {
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];

  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 10 });
  await page.mouse.up();
  await nextFrame(page);
}

/** The red channel of each pixel of a (gray) canvas. */
export function canvasGrays(page, selector) {
  return page.locator(selector).evaluate((canvas) => {
    const { width, height } = canvas;
    const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    return Array.from({ length: width * height }, (_, i) => rgba[4 * i]);
  });
}

/**
 * Serves `folders` of a project that installed the packed npm package (see
 * tests/packed.mjs) on 127.0.0.1, and opens a fresh Chromium profile: what a
 * user's own pages see. `isolatedBase` serves the same files with the headers
 * that make a page cross-origin isolated. `close` ends the browser and the
 * servers.
 */
export async function servePackedProject(project, folders, timeout) {
  const servers = await Promise.all([{}, ISOLATION_HEADERS].map((headers) => {
    return startServer({ root: project, folders, headers });
  }));
  const profile = await mkdtemp(join(tmpdir(), 'autoencoder-lab-packed-browser-'));
  const context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
  context.setDefaultTimeout(timeout);
  const close = async () => {
    await context.close();
    for (const { server } of servers) {
      server.closeAllConnections();
      server.close();
    }
    await rm(profile, { recursive: true, force: true });
  };
  return { base: servers[0].url, isolatedBase: servers[1].url, context, close };
}

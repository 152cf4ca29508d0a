/**
 * The built site (scripts/build-site.mjs) in headless Chromium, served as a static
 * host serves a project page: under the sub-path /project-name/, with plain MIME
 * types and no other headers. From the landing page it follows the links to the lab
 * and the tour, walks every tour page, draws a digit on each and sees the widgets
 * answer; then it takes two pages offline once loaded and draws, picks a random
 * digit, retrains and measures there. Any console error, page error, widget error
 * line, failed request or request outside the sub-path fails it.
 *
 * Run: node --test tests/browser/   (after `node scripts/setup.mjs` built pkg/)
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { buildSite } from '../../scripts/build-site.mjs';
import { CHROMIUM_OPTIONS } from '../../scripts/chromium.mjs';
import { drawStroke, nextFrame } from './helpers.mjs';

const PREFIX = '/project-name/';

/** The tour's pages in the order its navigation lists them. */
const TOUR = ['undercomplete', 'sparse', 'denoising', 'contractive', 'shared'];

/** The MIME types a static host such as GitHub Pages gives the site's files. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/** A hand-drawn 7 (fractions of the pad): the top bar, then the slanted stem. */
const SEVEN = [[0.3, 0.25], [0.7, 0.25], [0.5, 0.75]];

/**
 * A retrain of 0.2 epochs (25 steps of 64 digits) takes about 0.2 s: enough to
 * see a model trained and put in place offline, short enough for the test.
 */
const QUICK_EPOCHS = '0.2';

/**
 * How long the server must have been idle before a page counts as loaded: the
 * training workers fetch the wasm module and the digits a little after
 * `tour.ready`, and finish well within this.
 */
const QUIET_MS = 500;

describe('the built site under a sub-path', { timeout: 120_000 }, () => {
  let folder;
  let site;
  let profile;
  let context;
  let page;
  const seen = { errors: [], requests: [], failed: [] };

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'autoencoder-lab-site-'));
    buildSite({ out: folder, skipSetup: true }); // `npm test` has run the set-up
    site = await serve(folder);

    profile = await mkdtemp(join(tmpdir(), 'autoencoder-lab-browser-'));
    context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
    context.setDefaultTimeout(20_000);
    watch(context, seen);
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    site?.server.closeAllConnections();
    site?.server.close();
    for (const path of [profile, folder]) {
      if (path) await rm(path, { recursive: true, force: true });
    }
  });

  it('opens the landing page, whose links stay inside the sub-path', async () => {
    await page.goto(site.url);
    await checkLinks(page, site);
  });

  it('follows the link to the lab, which gets ready and rebuilds a drawing', async () => {
    await followLink(page, 'www/');
    await page.evaluate(() => window.demo.ready);
    await checkLinks(page, site);

    await page.click('#clear');
    await drawStroke(page, page.locator('#pad'), SEVEN);
    const ink = await page.evaluate(() => Math.max(...window.demo.lastReconstruction('sparse')));
    assert.ok(ink > 0.5, `the sparse reconstruction should have ink, brightest ${ink}`);
  });

  it('follows the link back to the tour', async () => {
    await page.goBack();
    await followLink(page, 'www/tour/');
    await page.evaluate(() => window.tour.ready);
    await checkLinks(page, site);
    assert.deepEqual(await widgetErrors(page), []);
  });

  for (const name of TOUR) {
    it(`walks to ${name}.html: ready, and its widgets answer a drawing`, async () => {
      await followLink(page, `${name}.html`);
      await page.evaluate(() => window.tour.ready);
      await checkLinks(page, site);

      await drawStroke(page, page.locator('ae-pad canvas.pad').first(), SEVEN);
      await widgetsAnswer(page);
      assert.deepEqual(await widgetErrors(page), []);
    });
  }

  it('works offline once loaded: sparse.html draws, picks a digit, retrains', async () => {
    await openLoaded(page, site, 'www/tour/sparse.html');
    const offline = await goOffline(context, site, seen);

    await drawStroke(page, page.locator('ae-pad canvas.pad').first(), SEVEN);
    await widgetsAnswer(page);
    await showRandomDigit(page);
    await widgetsAnswer(page);
    await retrain(page);
    await widgetsAnswer(page);

    await offline.end();
    assert.deepEqual(await widgetErrors(page), []);
  });

  it('works offline once loaded: shared.html retrains and measures', async () => {
    await openLoaded(page, site, 'www/tour/shared.html');
    const offline = await goOffline(context, site, seen);

    await drawStroke(page, page.locator('ae-pad canvas.pad').first(), SEVEN);
    await widgetsAnswer(page);
    await showRandomDigit(page);
    await retrain(page);
    await widgetsAnswer(page);

    const measured = await press(page, 'ae-probe', 'button.measure', 'probedone');
    assert.equal(measured.event, 'probedone', `the probe says "${measured.status}"`);
    const { codes, pixels } = measured.detail;
    for (const accuracy of [...codes, ...pixels]) {
      assert.ok(accuracy > 0.5 && accuracy <= 1, `accuracies ${codes} and ${pixels}`);
    }

    await offline.end();
    assert.deepEqual(await widgetErrors(page), []);
  });

  it('asks for nothing outside the sub-path, and every request succeeds', () => {
    const outside = seen.requests.filter((url) => !url.startsWith(site.url));
    assert.deepEqual(outside, [], 'requests from the browser outside the sub-path');
    assert.deepEqual(site.outside, [], 'requests to the server outside the sub-path');
    assert.deepEqual(seen.failed, []);
  });

  it('logs no console error and throws no page error', () => {
    assert.deepEqual(seen.errors, []);
  });
});

/**
 * Serves `folder` under PREFIX on 127.0.0.1, as a plain static host would: files
 * with their MIME type and no other headers, index.html for a folder, 404 for
 * anything else. Keeps what was asked outside the prefix, and when it was last busy.
 */
async function serve(folder) {
  const site = { outside: [], busy: 0, lastBusy: Date.now(), received: [] };

  site.server = createServer((request, response) => {
    const path = new URL(request.url, 'http://host').pathname;
    site.received.push(path);
    site.busy += 1;
    response.on('close', () => {
      site.busy -= 1;
      site.lastBusy = Date.now();
    });

    if (!path.startsWith(PREFIX)) site.outside.push(path);
    sendFile(folder, path, response).catch(() => response.writeHead(500).end());
  });

  await new Promise((done) => site.server.listen(0, '127.0.0.1', done));
  site.url = `http://127.0.0.1:${site.server.address().port}${PREFIX}`;
  return site;
}

async function sendFile(folder, path, response) {
  const inside = normalize(decodeURIComponent(path.slice(PREFIX.length)));
  if (!path.startsWith(PREFIX) || inside.split(sep).includes('..')) {
    response.writeHead(404).end();
    return;
  }

  let file = join(folder, inside);
  if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
  const body = await readFile(file).catch(() => null);
  if (!body) {
    response.writeHead(404).end();
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type }).end(body);
}

/** Collects console errors, page errors, every http request and every failed one. */
function watch(context, seen) {
  context.on('console', (message) => {
    if (message.type() === 'error') {
      seen.errors.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  context.on('weberror', (error) => seen.errors.push(`page: ${error.error().message}`));
  context.on('request', (request) => {
    if (/^https?:/.test(request.url())) seen.requests.push(request.url());
  });
  context.on('response', (response) => {
    if (response.status() >= 400) seen.failed.push(`${response.status()} ${response.url()}`);
  });
  context.on('requestfailed', (request) => {
    seen.failed.push(`${request.failure()?.errorText} ${request.url()}`);
  });
}

/** Clicks the first link whose href is exactly `href` and waits for the page it opens. */
async function followLink(page, href) {
  const target = new URL(href, page.url()).href;
  await Promise.all([
    page.waitForURL(target, { waitUntil: 'load' }),
    page.locator(`a[href="${href}"]`).first().click(),
  ]);
}

/** Every link of the page must resolve inside the sub-path, to a file the host has. */
async function checkLinks(page, site) {
  const links = await page.$$eval('a[href]', (anchors) => anchors.map((a) => a.href));
  for (const link of new Set(links.map((href) => href.split('#')[0]))) {
    assert.ok(link.startsWith(site.url), `${page.url()} links outside the sub-path: ${link}`);
    const { status } = await fetch(link, { method: 'HEAD' });
    assert.equal(status, 200, `${page.url()} links to ${link}, which is missing`);
  }
}

/** Opens `path` under the site and waits until it is ready and the server is idle. */
async function openLoaded(page, site, path) {
  await page.goto(new URL(path, site.url).href);
  await page.evaluate(() => window.tour.ready);
  while (site.busy > 0 || Date.now() - site.lastBusy < QUIET_MS) {
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Takes the browser offline; `end()` brings it back and fails if anything was asked
 * for meanwhile (a widget that fetches lazily), naming the URLs.
 */
async function goOffline(context, site, seen) {
  const [requests, received] = [seen.requests.length, site.received.length];
  await context.setOffline(true);

  return {
    async end() {
      await context.setOffline(false);
      const asked = seen.requests.slice(requests);
      assert.deepEqual(asked, [], 'asked for while offline');
      assert.deepEqual(site.received.slice(received), [], 'reached the server while offline');
    },
  };
}

/** Presses the first pad's "Random digit" and checks that the pad sends a digit. */
async function showRandomDigit(page) {
  const shown = await press(page, 'ae-pad', 'button.random', 'digitchange');
  assert.equal(shown.event, 'digitchange', `the pad says "${shown.status}"`);
  assert.ok(shown.detail.digit, 'the pad should send a digit');
}

/** Sets the first trainer to a quick retrain, presses it and waits until it is done. */
async function retrain(page) {
  const trained = await press(page, 'ae-trainer', 'button.train', 'trainingdone',
    { epochs: QUICK_EPOCHS });
  assert.equal(trained.event, 'trainingdone', `the trainer says "${trained.status}"`);
}

/**
 * Waits until every view of the models the first pad feeds shows an answer to its
 * digit: reconstructions with ink, label probabilities that sum to 1, a rebuilt half.
 */
async function widgetsAnswer(page) {
  const state = () => page.evaluate(() => {
    const fed = document.querySelector('ae-pad').getAttribute('model').split(/\s+/);
    const views = [...document.querySelectorAll('ae-reconstruction, ae-noise, ae-label, '
      + 'ae-halves')].filter((view) => fed.includes(view.getAttribute('model')));
    const inked = (canvas) => {
      const rgba = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
      return rgba.some((value, i) => i % 4 === 0 && value > 128);
    };
    const answers = (view) => {
      if (view.localName === 'ae-label') {
        const sum = view.probabilities?.reduce((total, p) => total + p, 0);
        return Math.abs(sum - 1) < 1e-3;
      }
      if (view.localName === 'ae-halves') return view.rebuilt !== null;
      return inked(view.shadowRoot.querySelector('canvas.output'));
    };
    return views.map((view) => `${view.localName}#${view.getAttribute('model')}: `
      + (answers(view) ? 'answers' : 'silent'));
  });

  const deadline = Date.now() + 10_000;
  let views = await state();
  while (views.some((view) => view.endsWith('silent')) && Date.now() < deadline) {
    await nextFrame(page);
    views = await state();
  }
  assert.ok(views.length > 0, 'the first pad should feed some view');
  assert.deepEqual(views.filter((view) => view.endsWith('silent')), []);
}

/**
 * Presses `button` in the shadow root of the first `widget` (its `attributes` set
 * first) and waits for the widget's `event`: resolves with `{ event, detail }`, or
 * with `{ event: null, status }`, the widget's error line, if none comes in 20 s.
 * Every widget reports failures in its error line; `trainingerror` ends early.
 */
function press(page, widget, button, event, attributes = {}) {
  return page.evaluate(({ widget, button, event, attributes }) => new Promise((done) => {
    const element = document.querySelector(widget);
    const status = () => element.shadowRoot.querySelector('.status').textContent;
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);

    element.addEventListener(event, ({ detail }) => done({ event, detail }), { once: true });
    element.addEventListener('trainingerror', () => done({ event: null, status: status() }),
      { once: true });
    setTimeout(() => done({ event: null, status: status() }), 20_000);
    element.shadowRoot.querySelector(button).click();
  }), { widget, button, event, attributes });
}

/** The error lines the widgets show (their status lines), as `tag: text`. */
function widgetErrors(page) {
  return page.evaluate(() => [...document.querySelectorAll('*')]
    .filter((element) => element.shadowRoot?.querySelector('.status')?.textContent)
    .map((element) => `${element.localName}: ${element.shadowRoot.querySelector('.status')
      .textContent}`));
}

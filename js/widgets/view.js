/**
 * What every widget shares: a shadow root with styles a host page can theme,
 * finding the `<ae-model>` it shows, following its events, and a status line
 * for what went wrong.
 *
 * Theming: set these custom properties on the widget or any ancestor.
 *   --ae-accent      bars, highlights, focus rings (default #2563eb)
 *   --ae-muted       captions (default #64748b)
 *   --ae-border      buttons and frames (default #cbd5e1)
 *   --ae-button      button background (default white)
 *   --ae-error       error text (default #b91c1c)
 *   --ae-digit-size  side of a shown digit (default 112px)
 * Parts (`::part(name)`): digit, bars, button, caption, status, and each
 * widget's own, listed in its file.
 */

import { TrainingWorker } from '../index.js';

export const BASE_STYLE = `
:host {
  display: block;
  font: inherit;
  color: inherit;
  --accent: var(--ae-accent, #2563eb);
  --muted: var(--ae-muted, #64748b);
  --border: var(--ae-border, #cbd5e1);
  --digit: var(--ae-digit-size, 112px);
}
:host([hidden]), [hidden] { display: none !important; }
.row { display: flex; flex-wrap: wrap; gap: 0.75em; align-items: flex-start; }
figure { margin: 0; display: inline-flex; flex-direction: column; align-items: center;
  gap: 0.25em; }
figcaption, .note { font-size: 0.85em; color: var(--muted); }
.digit { width: var(--digit); height: var(--digit); image-rendering: pixelated;
  background: #000; border-radius: 4px; }
.bars { width: 100%; height: 4em; display: block; }
button, select, input, output { font: inherit; color: inherit; }
button { border: 1px solid var(--border); background: var(--ae-button, #fff);
  border-radius: 6px; padding: 0.3em 0.8em; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
button[aria-pressed="true"] { border-color: var(--accent); background: var(--accent);
  color: #fff; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.status { margin: 0.25em 0 0; font-size: 0.9em; color: var(--ae-error, #b91c1c); }
.status:empty { display: none; }
`;

/**
 * A numeric attribute of `element`, or `fallback` when it is absent or empty;
 * throws an Error that names the attribute when it is anything else.
 * @param {{ fallback?: number, whole?: boolean, min?: number, above?: number }} rule
 *   `whole`: an integer; `min`: at least this; `above`: more than this
 */
export function numberAttribute(element, name, { fallback, whole = false, min, above } = {}) {
  const text = element.getAttribute(name);
  if (text === null || text.trim() === '') return fallback;
  const value = Number(text);
  const fits = Number.isFinite(value) && (!whole || Number.isInteger(value))
    && !(value < min) && !(value <= above);
  if (!fits) {
    const kind = whole ? 'a whole number' : 'a number';
    const bound = min !== undefined ? ` from ${min}` : above !== undefined ? ` above ${above}` : '';
    throw new Error(`<${element.localName} ${name}="${text}">: ${name} must be ${kind}${bound}`);
  }
  return value;
}

/** "an" before a digit that is read with a vowel (8), else "a". */
export function article(digit) {
  return digit === 8 ? 'an' : 'a';
}

/** A widget that shows, or feeds, one or more `<ae-model>` elements. */
export class ModelView extends HTMLElement {
  /** Extra CSS of a widget. */
  static style = '';

  #hubs = [];
  #listeners = [];

  connectedCallback() {
    if (!this.shadowRoot) {
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML = `<style>${BASE_STYLE}${this.constructor.style}</style>`
        + `${this.template()}<p class="status" part="status" role="status"></p>`;
      this.setUp();
    }
    this.#connect();
  }

  disconnectedCallback() {
    // The widget's own clean-up first, while it still knows its models.
    this.tearDown();
    for (const [hub, type, listener] of this.#listeners) {
      hub.removeEventListener(type, listener);
    }
    this.#listeners = [];
    this.#hubs = [];
  }

  /** The first model this widget shows (an `<ae-model>`), or undefined. */
  get hub() {
    return this.#hubs[0];
  }

  /** Every model this widget feeds. */
  get hubs() {
    return this.#hubs;
  }

  /** The widget's HTML, inside its shadow root. */
  template() {
    return '';
  }

  /** Runs once, after the template is in place. */
  setUp() {}

  /** Runs when the widget leaves the page. */
  tearDown() {}

  /** A new model is in place (also called at once if one already is). */
  modelChanged() {}

  /** A new digit is shown. */
  inputChanged() {}

  /** An element of the shadow root. */
  part(selector) {
    return this.shadowRoot.querySelector(selector);
  }

  /** Shows `message` in the status line; an empty message hides it. */
  say(message) {
    this.part('.status').textContent = message;
  }

  /** Runs `work`, showing any error it throws in the status line instead. */
  guarded(work) {
    try {
      work();
    } catch (error) {
      this.say(error instanceof Error ? error.message : String(error));
    }
  }

  #connect() {
    const ids = (this.getAttribute('model') ?? '').split(/\s+/).filter(Boolean);
    const root = this.getRootNode();
    const hubs = ids.length > 0
      ? ids.map((id) => root.getElementById?.(id) ?? document.getElementById(id))
      : [this.closest('ae-model')];
    const missing = hubs.findIndex((hub) => hub?.localName !== 'ae-model');
    if (missing >= 0) {
      const which = ids.length > 0 ? `no <ae-model id="${ids[missing]}"> on the page`
        : 'no <ae-model> around this widget';
      this.say(`${which}: give the widget model="the id of an <ae-model>", or put it inside one`);
      return;
    }

    this.#hubs = hubs;
    const repeated = ids.find((id) => document.querySelectorAll(`#${CSS.escape(id)}`).length > 1);
    if (repeated) {
      this.say(`more than one element on the page has id="${repeated}": this widget shows `
        + 'the first; give each <ae-model> an id of its own');
    }
    for (const hub of hubs) {
      this.#listen(hub, 'modelchange', () => this.guarded(() => this.modelChanged()));
      this.#listen(hub, 'inputchange', () => this.guarded(() => this.inputChanged()));
      this.#listen(hub, 'modelerror', (event) => this.say(event.detail.message));
    }
    if (this.hub.model) this.guarded(() => this.modelChanged());
  }

  #listen(hub, type, listener) {
    hub.addEventListener(type, listener);
    this.#listeners.push([hub, type, listener]);
  }
}

/**
 * A widget with a `TrainingWorker` of its own (the trainer, the probe). The
 * worker starts when the widget first has a model and loads the wasm module
 * and the digits at once, so a page that was loaded then works offline.
 */
export class WorkerView extends ModelView {
  #worker = null;
  #workerReady = Promise.resolve();
  #preparedDone = () => {};

  /** Resolves once the first worker has loaded what jobs need (or failed to). */
  prepared = new Promise((resolve) => {
    this.#preparedDone = resolve;
  });

  /** The worker, or null before the widget first has a model. */
  get worker() {
    return this.#worker;
  }

  /** Settles once the current worker has loaded what jobs need (or failed to). */
  get workerReady() {
    return this.#workerReady;
  }

  /**
   * Starts the worker unless there is one; true when it started one.
   * @param {string} name what the worker does, for a failure's message
   */
  startWorker(name) {
    if (this.#worker) return false;
    this.#worker = new TrainingWorker();
    this.#workerReady = this.#worker.prepare()
      .catch((error) => this.say(`${name} worker: ${error.message}`))
      .finally(this.#preparedDone);
    return true;
  }

  tearDown() {
    this.#worker?.terminate();
    this.#worker = null;
  }
}

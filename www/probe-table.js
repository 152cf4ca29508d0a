/**
 * The linear-probe table: "Measure" sends the four cards' current models and the raw
 * pixels, one row after the other, to the package's worker (`TrainingWorker.probe`),
 * which fits a linear classifier on each at a few counts of labelled digits; each row
 * is filled as its test accuracies arrive.
 */
import { TrainingWorker } from '../pkg/index.js';

/** Labelled training digits per class of each column; null: all of them. */
const PER_CLASS = [10, 100, null];

/** Name of a row of raw pixels; the other rows are named by their kind. */
const PIXELS = 'pixels';

/** The table of probe accuracies and the worker that measures them. */
export class ProbeTable {
  /**
   * @param {HTMLElement} root the element holding #probe-measure, #probe-table and
   *   #probe-status
   * @param {object} context
   * @param {{ kind: string, title: string }[]} context.encoders the rows of codes
   * @param {(kind: string) => import('../pkg/index.js').Autoencoder} context.model the
   *   current model of a kind
   * @param {(text: string, state?: string) => void} context.report writes the status line
   */
  constructor(root, { encoders, model, report }) {
    this.root = root;
    this.model = model;
    this.report = report;
    this.table = this.#find('#probe-table');

    this.worker = null;
    /** The running measure's promise, or null. */
    this.running = null;
    /** The last measure's promise (see `measure`), or null before the first. */
    this.last = null;

    this.#makeRows([...encoders.map(({ kind, title }) => [kind, `${title} codes`]),
      [PIXELS, 'Raw pixels']]);
    this.#find('#probe-measure').addEventListener('click', () => {
      this.measure().catch((error) => this.#fail(error));
    });
  }

  /** Lets "Measure" be clicked (once the models are in place). */
  enable() {
    this.#find('#probe-measure').disabled = false;
  }

  /**
   * Measures every row; the cells fill in as results arrive.
   * @returns {Promise<Record<string, { 10: number, 100: number, all: number }>>} the
   *   test accuracy of each row (a kind or "pixels") by labelled digits per class
   */
  measure() {
    this.running ??= this.#measure().finally(() => {
      this.running = null;
    });
    this.last = this.running;
    return this.running;
  }

  /** Marks the row of `kind` as measured on an earlier model, if it was (or is being). */
  modelChanged(kind) {
    const row = this.table.querySelector(`tr[data-features="${kind}"]`);
    if (!this.running && !row?.querySelector('td[data-value]')) return;

    row.dataset.stale = 'true';
    this.#say('A model changed since it was measured (its row is dimmed); Measure again ' +
      'to update it.');
  }

  async #measure() {
    const features = this.#features();
    const started = performance.now();
    this.#begin();

    try {
      const results = await this.#run(features);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.#say(`Measured in ${seconds} s, on the models the cards hold now.`);
      this.table.dataset.state = 'done';
      return results;
    } finally {
      this.#find('#probe-measure').disabled = false;
    }
  }

  /** What the worker probes: each card's model file, then the pixels. */
  #features() {
    const rows = [...this.table.querySelectorAll('tbody tr')];
    return rows.map(({ dataset }) => {
      const name = dataset.features;
      return name === PIXELS ? { name } : { name, modelBytes: this.model(name).toBytes() };
    });
  }

  #begin() {
    for (const row of this.table.querySelectorAll('tbody tr')) {
      delete row.dataset.stale;
      for (const cell of row.querySelectorAll('td')) {
        delete cell.dataset.value;
        cell.textContent = '…';
      }
    }
    this.table.dataset.state = 'measuring';
    this.#find('#probe-measure').disabled = true;
    this.#say('Measuring…');
  }

  /** Probes each row in the worker, in turn; resolves with every result. */
  async #run(features) {
    const worker = this.#probeWorker();
    const results = {};
    const total = features.length * PER_CLASS.length;

    for (const { name, modelBytes } of features) {
      const job = modelBytes ? { modelBytes, perClass: PER_CLASS }
        : { pixels: true, perClass: PER_CLASS };
      let result;
      try {
        result = await worker.probe(job);
      } catch (error) {
        this.#dropWorker();
        throw error;
      }
      const accuracies = result.codes ?? result.pixels;
      const width = modelBytes ? this.model(name).codeSize : 784;
      PER_CLASS.forEach((perClass, i) => {
        this.#record(results, { name, width, perClass, accuracy: accuracies[i] }, total);
      });
    }
    return results;
  }

  /** Keeps one result, shows it in its cell, and says how far the measure is. */
  #record(results, result, total) {
    const { name, perClass, accuracy } = result;
    results[name] = { ...results[name], [column(perClass)]: accuracy };
    this.#fill(result);

    const done = Object.values(results).reduce((sum, row) => sum + Object.keys(row).length, 0);
    this.#say(`Measuring: ${done} of ${total} classifiers fitted…`);
  }

  /** The worker, started on first use and kept: it keeps the digits loaded. */
  #probeWorker() {
    this.worker ??= new TrainingWorker();
    return this.worker;
  }

  /** Ends a worker that failed; the next measure starts a new one. */
  #dropWorker() {
    this.worker?.terminate();
    this.worker = null;
  }

  /** Writes one result into its cell. */
  #fill({ name, width, perClass, accuracy }) {
    const row = this.table.querySelector(`tr[data-features="${name}"]`);
    const cell = row.querySelector(`td[data-per-class="${column(perClass)}"]`);
    cell.dataset.value = String(accuracy);
    cell.textContent = `${(accuracy * 100).toFixed(1)}%`;

    const unit = name === PIXELS ? 'pixels' : 'units';
    row.querySelector('.width').textContent = `${width} ${unit}`;
  }

  #makeRows(rows) {
    const body = this.table.tBodies[0];
    for (const [name, title] of rows) {
      const row = body.insertRow();
      row.dataset.features = name;

      const header = document.createElement('th');
      header.scope = 'row';
      header.innerHTML = '<span class="name"></span> <span class="width"></span>';
      header.querySelector('.name').textContent = title;
      row.append(header);

      for (const perClass of PER_CLASS) {
        const cell = row.insertCell();
        cell.dataset.perClass = column(perClass);
        cell.textContent = '–';
      }
    }
  }

  #fail(error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const cell of this.table.querySelectorAll('td:not([data-value])')) {
      cell.textContent = '–';
    }
    this.table.dataset.state = 'error';
    this.#say(`Could not measure: ${message}`);
    this.report(`Linear probe: could not measure: ${message}`, 'error');
  }

  #say(text) {
    this.#find('#probe-status').textContent = text;
  }

  #find(selector) {
    return this.root.querySelector(selector);
  }
}

/** The column key of a count of labelled digits per class: "10", "100" or "all". */
function column(perClass) {
  return perClass === null ? 'all' : String(perClass);
}

/**
 * `<ae-probe>`: how useful the codes of its `<ae-model>` are for the next
 * task. A linear softmax classifier is fitted on the frozen codes of the
 * built-in train digits, and on their raw pixels for comparison, from a few
 * or all labels per class, and scored on the 2,000 test digits. The work runs
 * in a Web Worker when the button is pressed (and again after a retrain).
 *
 * Attribute: labels-per-class (default "10,100,all"). Parts: table, button.
 * Event: `probedone`, `detail` the ProbeResult.
 */
import { WorkerView } from './view.js';

export class AeProbe extends WorkerView {
  static style = `
table { border-collapse: collapse; margin: 0.5em 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.75em; text-align: right; border-bottom: 1px solid var(--border); }
th:first-child { text-align: left; }
`;

  #measured = false;
  #runs = 0;

  /** The last result, or null. */
  result = null;

  template() {
    return `
<button class="measure" part="button" type="button">Measure</button>
<table part="table" aria-live="polite"><thead></thead><tbody></tbody></table>
<p class="note" part="caption">Test accuracy on the 2,000 test digits of a linear
classifier fitted on the frozen codes, or on the 784 raw pixels, from that many
labelled train digits per class.</p>`;
  }

  setUp() {
    this.part('.measure').addEventListener('click', () => this.measure());
    this.#fill(null);
  }

  modelChanged() {
    if (!this.result) this.#fill(null);
    this.startWorker('probe');
    if (this.#measured) this.measure();
  }

  /** The counts of labels per class (null: all); throws when the attribute is wrong. */
  get perClass() {
    const text = this.getAttribute('labels-per-class') ?? '10,100,all';
    return text.split(',').map((entry) => {
      if (entry.trim() === 'all') return null;
      const count = Number(entry);
      if (!(Number.isInteger(count) && count >= 1)) {
        throw new Error(`<ae-probe labels-per-class="${text}">: each entry must be a whole `
          + `number from 1, or "all"; "${entry.trim()}" is not`);
      }
      return count;
    });
  }

  /** Measures the accuracies; resolves with the result once shown. */
  async measure() {
    if (!this.hub?.model || !this.worker) return null;
    let perClass;
    try {
      perClass = this.perClass;
    } catch (error) {
      this.say(error.message);
      return null;
    }
    this.#measured = true;
    const run = ++this.#runs;
    const job = { modelBytes: this.hub.model.toBytes(), pixels: true, perClass };
    if (this.hub.pairing) job.pairing = this.hub.pairing;
    const button = this.part('.measure');
    button.disabled = true;
    button.textContent = 'Measuring…';
    this.say('');
    try {
      await this.workerReady;
      if (run !== this.#runs) return null;
      this.worker.cancel(); // an earlier measurement, now out of date
      const result = await this.worker.probe(job);
      if (run !== this.#runs) return null;
      this.result = result;
      this.#fill(result);
      this.dispatchEvent(new CustomEvent('probedone', { detail: result }));
      return result;
    } catch (error) {
      if (run === this.#runs && !/cancelled|terminated/.test(error.message)) {
        this.say(`could not measure: ${error.message}`);
      }
      return null;
    } finally {
      if (run === this.#runs) {
        button.disabled = false;
        button.textContent = 'Measure again';
      }
    }
  }

  #fill(result) {
    let perClass;
    try {
      perClass = this.perClass;
    } catch (error) {
      this.say(error.message);
      return;
    }
    const columns = perClass.map((n) => (n === null ? 'all' : String(n)));
    this.part('thead').innerHTML = `<tr><th scope="col">labels per class</th>${
      columns.map((c) => `<th scope="col">${c}</th>`).join('')}</tr>`;
    const row = (name, values) => `<tr><th scope="row">${name}</th>${columns.map((_, i) =>
      `<td>${values ? `${(100 * values[i]).toFixed(1)}%` : '–'}</td>`).join('')}</tr>`;
    const width = this.hub?.model ? this.hub.model.codeSize : '';
    this.part('tbody').innerHTML = row(`codes (${width})`, result?.codes)
      + row('pixels (784)', result?.pixels);
  }
}

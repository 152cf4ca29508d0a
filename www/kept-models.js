/**
 * The "Kept models" panel: lists the models kept in this browser (see storage.js), and
 * puts one back into its card or deletes it.
 */
import { deleteKeptModel, keepModel, listKeptModels, readKeptModel } from './storage.js';

/** The panel: its list follows what is stored. */
export class KeptModels {
  /**
   * @param {HTMLElement} root the panel; its `data-state` becomes loading, ready or
   *   unavailable
   * @param {object} context
   * @param {(text: string, state?: string) => void} context.report writes the status line
   * @param {(kept: { name: string, kind: string, bytes: Uint8Array }) => void} context.use
   *   puts a kept model into the card of its kind; throws with the reason if it cannot
   */
  constructor(root, { report, use }) {
    this.root = root;
    this.report = report;
    this.use = use;
    this.list = root.querySelector('.kept-list');
    this.note = root.querySelector('.kept-note');
    this.template = document.getElementById('kept-item-template');

    this.list.addEventListener('click', (event) => this.#onClick(event));
  }

  /** Shows what is stored now; when storage fails, says so in the panel. Never rejects. */
  async refresh() {
    this.root.dataset.state = 'loading';
    try {
      this.#show(await listKeptModels());
    } catch (error) {
      this.list.replaceChildren();
      this.note.textContent = `Models cannot be kept: ${messageOf(error)}.`;
      this.root.dataset.state = 'unavailable';
    }
  }

  /**
   * Stores a model and lists it; reports how that went. Never rejects.
   * @param {{ name: string, kind: string, testLoss: number, bytes: Uint8Array }} model
   */
  async keep(model) {
    try {
      await keepModel(model);
      this.report(`Kept “${model.name}” in this browser (see Kept models).`);
    } catch (error) {
      this.report(`Could not keep “${model.name}”: ${messageOf(error)}`, 'error');
    }
    await this.refresh();
  }

  #show(descriptions) {
    this.list.replaceChildren(...descriptions.map((kept) => this.#item(kept)));
    this.note.textContent = descriptions.length === 0
      ? 'None yet. Press Keep on a card to store its model in this browser.'
      : 'Stored in this browser: they stay across reloads.';
    this.root.dataset.state = 'ready';
  }

  #item({ id, name, kind, date, testLoss }) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    item.dataset.id = String(id);
    item.dataset.kind = kind;
    item.dataset.testLoss = String(testLoss);

    const when = date.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
    item.querySelector('.name').textContent = name;
    item.querySelector('.details').textContent =
      `${titleOf(kind)} · ${when} · test loss ${testLoss.toPrecision(3)}`;
    item.querySelector('.use').setAttribute('aria-label', `Use ${name}`);
    item.querySelector('.delete').setAttribute('aria-label', `Delete ${name}`);
    return item;
  }

  #onClick(event) {
    const button = event.target.closest('button');
    const item = button?.closest('li[data-id]');
    if (!item) return;

    const id = Number(item.dataset.id);
    const name = item.querySelector('.name').textContent;
    if (button.classList.contains('use')) this.#use(id, name);
    if (button.classList.contains('delete')) this.#delete(id, name);
  }

  async #use(id, name) {
    try {
      this.use(await readKeptModel(id));
    } catch (error) {
      this.report(`Could not use “${name}”: ${messageOf(error)}`, 'error');
    }
  }

  async #delete(id, name) {
    try {
      await deleteKeptModel(id);
      this.report(`Deleted “${name}” from this browser.`);
    } catch (error) {
      this.report(`Could not delete “${name}”: ${messageOf(error)}`, 'error');
    }
    await this.refresh();
  }
}

function titleOf(kind) {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Kept models: model files stored in the browser (IndexedDB), so trained models
 * survive a reload. A kept model is a description
 * `{ id, name, kind, date, testLoss }` in one object store and its bytes, under the
 * same id, in another, so listing never reads the files.
 *
 * Every function returns a promise that rejects with a readable Error when the
 * browser's storage is missing, refused (some private modes) or full.
 */

const DATABASE = 'autoencoder-lab';
const VERSION = 1;
const DESCRIPTIONS = 'kept-models';
const FILES = 'kept-model-files';

/** The open database, or the promise of it; reset when opening fails or it closes. */
let opening = null;

/**
 * Stores a model; resolves with its id.
 * @param {{ name: string, kind: string, testLoss: number, bytes: Uint8Array }} model
 * @returns {Promise<number>}
 */
export async function keepModel({ name, kind, testLoss, bytes }) {
  const database = await open();
  const description = { name, kind, testLoss, date: new Date() };

  return transact(database, 'readwrite', (descriptions, files) => {
    const request = descriptions.add(description);
    request.onsuccess = () => files.put(bytes, request.result);
    return request;
  });
}

/**
 * Descriptions of the kept models, newest first.
 * @returns {Promise<Array<{ id: number, name: string, kind: string, date: Date,
 *   testLoss: number }>>}
 */
export async function listKeptModels() {
  const database = await open();
  const all = await transact(database, 'readonly', (descriptions) => descriptions.getAll());
  return all.sort((a, b) => b.date - a.date || b.id - a.id);
}

/**
 * A kept model's description and bytes; rejects if it is not there.
 * @param {number} id
 * @returns {Promise<{ id: number, name: string, kind: string, date: Date,
 *   testLoss: number, bytes: Uint8Array }>}
 */
export async function readKeptModel(id) {
  const database = await open();
  let description;
  const bytes = await transact(database, 'readonly', (descriptions, files) => {
    descriptions.get(id).onsuccess = (event) => {
      description = event.target.result;
    };
    return files.get(id);
  });

  if (!description || !bytes) throw new Error('that kept model is no longer stored');
  return { ...description, bytes };
}

/**
 * Removes a kept model (nothing happens if it is not there).
 * @param {number} id
 * @returns {Promise<void>}
 */
export async function deleteKeptModel(id) {
  const database = await open();
  await transact(database, 'readwrite', (descriptions, files) => {
    files.delete(id);
    return descriptions.delete(id);
  });
}

/** Opens the database once, creating its stores on first use. */
function open() {
  opening ??= new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is missing');

    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(DESCRIPTIONS, { keyPath: 'id', autoIncrement: true });
      request.result.createObjectStore(FILES);
    };
    request.onsuccess = () => resolve(watch(request.result));
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('another tab holds an older version open'));
  }).catch((error) => {
    opening = null;
    throw new Error(`the browser's storage is unavailable here (${reasonOf(error)}); ` +
      'private browsing can cause this');
  });
  return opening;
}

/** Lets go of the database when another tab upgrades it or the browser closes it. */
function watch(database) {
  const forget = () => {
    database.close();
    opening = null;
  };
  database.onversionchange = forget;
  database.onclose = forget;
  return database;
}

/**
 * Runs `work(descriptions, files)` in one transaction over both stores; resolves with
 * the result of the request `work` returns once the transaction has committed.
 */
function transact(database, mode, work) {
  return new Promise((resolve, reject) => {
    const fail = (error) => reject(new Error(`the browser's storage failed (${reasonOf(error)})`));
    try {
      const transaction = database.transaction([DESCRIPTIONS, FILES], mode);
      const request = work(transaction.objectStore(DESCRIPTIONS), transaction.objectStore(FILES));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onabort = () => fail(transaction.error);
    } catch (error) {
      fail(error);
    }
  });
}

/** A short reason from a DOMException or Error, without a final full stop. */
function reasonOf(error) {
  if (!error) return 'no reason given';
  if (error.name === 'QuotaExceededError') return 'it is full';
  return (error.message || error.name).replace(/\.$/, '');
}

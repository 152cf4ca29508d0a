// Loading shared by the two entry points (`index.js`, the full package, and
// `infer.js`, inference only): bytes from a URL in pages and workers, from
// disk in Node, and a wasm module initialised once.

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined
  && typeof window === 'undefined' && typeof self === 'undefined';

/**
 * Reads a file in Node, fetches it elsewhere; resolves with its bytes.
 * @param {string | URL} source
 * @returns {Promise<Uint8Array>}
 */
export async function readBytes(source) {
  if (isNode && !(typeof source === 'string' && /^https?:/.test(source))) {
    const { readFile } = await import('node:fs/promises');
    const url = source instanceof URL ? source : new URL(source, import.meta.url);
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(source);
  if (!response.ok) {
    throw new Error(`could not load ${source}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * An `init(source?)` that loads a wasm-bindgen module once: later calls get
 * the same promise, and a failed load may be tried again.
 * @param {(options: { module_or_path: BufferSource }) => Promise<unknown>} initWasm
 * @param {URL} defaultUrl where the `.wasm` file is by default
 */
export function initOnce(initWasm, defaultUrl) {
  let loading = null;
  return (source) => {
    loading ??= (async () => {
      const where = source ?? defaultUrl;
      const isUrl = where instanceof URL || typeof where === 'string';
      const bytes = isUrl ? await readBytes(where) : where;
      await initWasm({ module_or_path: bytes });
    })().catch((error) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}

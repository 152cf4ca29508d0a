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

/**
 * A module of one function that uses `f32x4.relaxed_madd` on three zero
 * vectors: it validates exactly where WebAssembly has relaxed SIMD.
 */
const RELAXED_SIMD_PROBE = (() => {
  const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)]; // v128.const 0
  const body = [0, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, 0x0b]; // relaxed_madd, end
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // functions: one of type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
})();

/** True where this runtime's WebAssembly has relaxed SIMD. */
export function hasRelaxedSimd() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

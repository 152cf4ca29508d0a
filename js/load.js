// Loading shared by the two entry points (`index.js`, the full package, and
// `infer.js`, inference only): bytes from a URL in pages and workers, from
// disk in Node, a wasm module initialised once, and its exports guarded.

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
    // A path as a string is the user's: relative to the working directory.
    const where = source instanceof URL || /^file:/.test(source) ? new URL(source) : `${source}`;
    return new Uint8Array(await readFile(where));
  }
  const response = await fetch(source);
  if (!response.ok) {
    throw new Error(`could not load ${source}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * An `init(source?)` that loads a wasm-bindgen module once: later calls get
 * the same promise, and a failed load may be tried again. `init.ready` turns
 * true once the module is loaded.
 * @param {(options: { module_or_path: BufferSource }) => Promise<unknown>} initWasm
 * @param {URL} defaultUrl where the `.wasm` file is by default
 */
export function initOnce(initWasm, defaultUrl) {
  let loading = null;
  const init = (source) => {
    loading ??= (async () => {
      const where = source ?? defaultUrl;
      const isUrl = where instanceof URL || typeof where === 'string';
      const bytes = isUrl ? await readBytes(where) : where;
      await initWasm({ module_or_path: bytes });
      init.ready = true;
    })().catch((error) => {
      loading = null;
      throw error;
    });
    return loading;
  };
  init.ready = false;
  return init;
}

/** Deepest nesting of an argument's objects that the package copies in. */
const DEPTH = 32;

/**
 * A wasm-bindgen class or function, wrapped so that misuse throws an Error
 * saying what to do: a call before `init()` has finished, a method of a freed
 * object (or one called on anything but its own kind of object), a freed
 * object or an ArrayBuffer as an argument. Plain objects and arrays among
 * the arguments (configs, options) are copied here first, as plain data: an
 * exception thrown from a getter or a proxy while wasm reads them, or wasm
 * running out of stack on a cycle, would leave the module's stack pointer
 * unrestored and the module broken for good. A wasm trap (out of memory)
 * becomes an Error too. A second `free()` does nothing. Patches the class's
 * prototype, so objects the glue makes are covered; `instanceof` still holds.
 * @template T
 * @param {T} exported
 * @param {{ ready: boolean }} init the `initOnce` function of its module
 * @param {string} [noConstructor] why `new` cannot make one, for a class without
 * @returns {T}
 */
export function guarded(exported, init, noConstructor) {
  const { name } = exported;
  const article = (kind) => (/^[AEIOU]/.test(kind) ? 'an' : 'a');
  const plain = (value, what, depth) => {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
    if (value instanceof ArrayBuffer) {
      throw new Error(`${what} is an ArrayBuffer: pass a typed array over it (new Uint8Array(buffer) for a file's bytes)`);
    }
    const kind = value.constructor?.name;
    if (value.__wbg_ptr === 0) {
      throw new Error(`${what} is ${article(kind)} ${kind} that was freed (its free() was called)`);
    }
    if (value.__wbg_ptr !== undefined) return value;
    if (depth >= DEPTH) {
      throw new Error(`${what} is nested more than ${DEPTH} levels deep, or contains itself`);
    }
    const copy = (item) => plain(item, what, depth + 1);
    return Array.isArray(value)
      ? Array.from(value, copy)
      : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item)]));
  };
  const call = (what, fn, self, args) => {
    if (!init.ready) {
      throw new Error(`${what}: the wasm module is not loaded yet; call \`await init()\` first`);
    }
    if (self !== undefined && !(self instanceof exported)) {
      throw new Error(`${what}: called on ${self?.constructor?.name ?? self}, not on ${article(name)} ${name} of this module (a method taken off its object?)`);
    }
    if (self?.__wbg_ptr === 0) {
      throw new Error(`${what}: this ${name} was freed (its free() was called) and cannot be used any more`);
    }
    const copies = args.map((arg, i) => plain(arg, `${what}: argument ${i + 1}`, 0));
    try {
      return fn.apply(self, copies);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        throw new Error(`${what}: the wasm module stopped (${error.message}): it most likely ran out of memory`, { cause: error });
      }
      if (error instanceof TypeError) {
        throw new Error(`${what}: an argument has the wrong type (${error.message})`, { cause: error });
      }
      throw error;
    }
  };
  if (!/^[A-Z]/.test(name)) {
    return (...args) => call(`${name}()`, exported, undefined, args);
  }

  const proto = exported.prototype;
  const { free } = proto;
  proto.free = function () {
    if (this instanceof exported && this.__wbg_ptr) free.call(this);
  };
  if (proto[Symbol.dispose]) proto[Symbol.dispose] = proto.free;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (/^(constructor|free|__destroy_into_raw)$/.test(key)) continue;
    for (const part of ['value', 'get']) {
      const fn = descriptor[part];
      if (typeof fn === 'function') {
        descriptor[part] = function (...args) {
          return call(`${name}.${key}`, fn, this ?? null, args);
        };
      }
    }
    Object.defineProperty(proto, key, descriptor);
  }
  for (const key of Object.getOwnPropertyNames(exported)) {
    const fn = exported[key];
    if (typeof fn === 'function' && !key.startsWith('__')) {
      exported[key] = (...args) => call(`${name}.${key}`, fn, undefined, args);
    }
  }
  return new Proxy(exported, {
    construct(target, args, newTarget) {
      if (noConstructor) throw new Error(`new ${name}: ${noConstructor}`);
      return call(`new ${name}`, (...copies) => Reflect.construct(target, copies, newTarget), undefined, args);
    },
  });
}

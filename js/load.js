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

/**
 * A wasm-bindgen class or function, wrapped so that misuse throws an Error
 * saying what to do: a call before `init()` has finished, a method of an
 * object after its `free()`, or such an object as an argument. A second
 * `free()` does nothing. Patches the class's prototype, so objects the glue
 * makes are covered; `instanceof` still holds.
 * @template T
 * @param {T} exported
 * @param {{ ready: boolean }} init the `initOnce` function of its module
 * @returns {T}
 */
export function guarded(exported, init) {
  const { name } = exported;
  const check = (what, self, args) => {
    if (!init.ready) {
      throw new Error(`${what}: the wasm module is not loaded yet; call \`await init()\` first`);
    }
    if (self?.__wbg_ptr === 0) {
      throw new Error(`${what}: this ${name} was freed (its free() was called) and cannot be used any more`);
    }
    args.forEach((arg, i) => {
      if (arg?.__wbg_ptr === 0) {
        const kind = arg.constructor.name;
        throw new Error(`${what}: argument ${i + 1} is ${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} that was freed (its free() was called)`);
      }
    });
  };
  const wrap = (what, fn, usesThis) => function (...args) {
    check(what, usesThis && this, args);
    return fn.apply(this, args);
  };
  if (!/^[A-Z]/.test(name)) return wrap(`${name}()`, exported, false);

  const proto = exported.prototype;
  const { free } = proto;
  proto.free = function () {
    if (this.__wbg_ptr !== 0) free.call(this);
  };
  if (proto[Symbol.dispose]) proto[Symbol.dispose] = proto.free;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (/^(constructor|free|__destroy_into_raw)$/.test(key)) continue;
    for (const part of ['value', 'get']) {
      if (typeof descriptor[part] === 'function') {
        descriptor[part] = wrap(`${name}.${key}`, descriptor[part], true);
      }
    }
    Object.defineProperty(proto, key, descriptor);
  }
  for (const key of Object.getOwnPropertyNames(exported)) {
    if (typeof exported[key] === 'function' && !key.startsWith('__')) {
      exported[key] = wrap(`${name}.${key}`, exported[key], false);
    }
  }
  return new Proxy(exported, {
    construct(target, args, newTarget) {
      check(`new ${name}`, null, args);
      return Reflect.construct(target, args, newTarget);
    },
  });
}

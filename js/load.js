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
  const where = source instanceof URL ? source.href : source;
  if (isNode && !/^(https?|data):/i.test(where)) {
    const { readFile } = await import('node:fs/promises');
    // A path as a string is the user's: relative to the working directory.
    const path = /^file:/i.test(where) ? new URL(where) : where;
    return new Uint8Array(await readFile(path));
  }
  const response = await fetch(source);
  if (!response.ok) {
    const error = new Error(`could not load ${source}: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Why a file could not be read, in words: Node's codes for the usual cases, else its message. */
export function unreadable(error) {
  const reasons = {
    ENOENT: 'no such file',
    EISDIR: 'a folder, not a file',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  if (error?.status) return `HTTP ${error.status}`;
  return reasons[error?.code] ?? error?.message ?? String(error);
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
      const from = typeof source === 'string' || source instanceof URL ? ` from ${source}` : '';
      throw new Error(`init: could not load the wasm module${from} (${unreadable(error)})`, { cause: error });
    });
    return loading;
  };
  init.ready = false;
  return init;
}

/** Deepest nesting of an argument's objects that the package copies in, and most objects. */
const DEPTH = 32;
const OBJECTS = 100_000;

/** Each object the glue made, with its class: only these pass as the package's objects. */
const GENUINE = new WeakMap();

// The typed arrays' own getters, which no property set on an array can
// shadow, and which read an array of another realm (an iframe's) too.
export const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
export const [typeOf, bufferOf, offsetOf, lengthOf] = [Symbol.toStringTag, 'buffer', 'byteOffset', 'length']
  .map((key) => Object.getOwnPropertyDescriptor(TYPED, key).get);

// Not U: a Uint8Array.
const article = (kind) => (/^[AEIO]/.test(kind) ? 'an' : 'a');

/**
 * Which parameters of a glue function (its source) wasm-bindgen copies in as
 * float32 values, with `passArrayF32ToWasm0`: there any typed array is
 * converted value by value, so a canvas's RGBA bytes would pass as pixels of
 * 0 to 255 and a Float64Array would lose its precision without a word.
 */
function floatParameters(source) {
  const head = /^[^(]*\(([^)]*)\)/.exec(source);
  if (!head) return [];
  return head[1].split(',').map((param) => param.trim())
    .flatMap((param, i) => (param && source.includes(`passArrayF32ToWasm0(${param},`) ? [i] : []));
}

/**
 * A typed array or an Array (the kinds are told apart later). A value that
 * cannot even be asked (a revoked Proxy) passes here, for the copy to name.
 */
function arrayLike(value) {
  try {
    return Array.isArray(value)
      || (value !== null && typeof value === 'object' && typeOf.call(value) !== undefined);
  } catch {
    return true;
  }
}

/** The longest string a message quotes whole. */
const QUOTED = 40;

/**
 * A value as a message shows it: a string in quotes (a long one cut short,
 * with its length), an object or a function by its class. pool.js shows
 * values this way too.
 */
export function shown(value) {
  if (typeof value === 'string') {
    return value.length <= QUOTED ? `'${value}'`
      : `'${value.slice(0, QUOTED)}…' (${value.length} characters)`;
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  const made = Array.isArray(value) ? 'Array' : value.constructor?.name ?? 'object';
  return `${article(made)} ${made}`;
}

/**
 * `value` as plain data for wasm: objects and arrays copied (each property read
 * once, here), a typed array as a fresh view (an array inside an object), the
 * package's objects as they are; no functions, holes, ArrayBuffers, cycles or
 * objects of other kinds (a Map, a class's object),
 * and no more than OBJECTS objects (shared ones count each time they are met).
 */
function plain(value, what, depth, seen = { objects: 0 }) {
  if (typeof value === 'function') throw new Error(`${what} holds a function, where only data belongs`);
  if (value === null || typeof value !== 'object') return value;
  const kind = typeOf.call(value);
  if (kind && depth === 0) {
    const buffer = bufferOf.call(value);
    try {
      return new globalThis[kind](buffer, offsetOf.call(value), lengthOf.call(value));
    } catch (error) {
      // Only a detached buffer refuses a view (Node 20 has no `buffer.detached`).
      if (buffer.byteLength !== 0) throw error;
      throw new Error(`${what} was transferred elsewhere (detached): it holds no values`, { cause: error });
    }
  }
  if (GENUINE.has(value)) return value;
  if (value instanceof ArrayBuffer) {
    throw new Error(`${what} is an ArrayBuffer: pass a typed array over it (new Uint8Array(buffer))`);
  }
  const proto = Object.getPrototypeOf(value);
  if (!kind && !Array.isArray(value) && proto !== null && Object.getPrototypeOf(proto) !== null) {
    // A Map, a Date or a class's object: what wasm would read is not what it holds.
    const made = value.constructor?.name ?? 'object';
    throw new Error(`${what} is ${article(made)} ${made}, not a plain object: write its fields out ({ ... })`);
  }
  if (depth >= DEPTH) throw new Error(`${what} is nested more than ${DEPTH} levels deep, or contains itself`);
  if (++seen.objects > OBJECTS) throw new Error(`${what} holds more than ${OBJECTS} objects`);
  const copy = (item) => plain(item, what, depth + 1, seen);
  if (kind || Array.isArray(value)) {
    const length = kind ? lengthOf.call(value) : value.length;
    for (let i = 0; i < length; i++) {
      if (!(i in value)) throw new Error(`${what} is an array with holes (no element ${i} of ${length})`);
    }
    const items = Array.from({ length }, (_, i) => copy(value[i]));
    // A plain array given as an argument stands for values or labels, and the
    // glue would copy `null` as 0, `true` as 1 and '0.5' as 0.5 without a word.
    const odd = depth === 0 ? items.findIndex((item) => typeof item !== 'number') : -1;
    if (odd >= 0) {
      throw new Error(`${what} holds ${shown(items[odd])} at index ${odd}, where only numbers belong`);
    }
    return items;
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item)]));
}

/**
 * A wasm-bindgen class or function, wrapped so that misuse throws an Error
 * saying what to do: use before `init()`, a freed object, a method called on
 * anything but an object of its class from this module, an ArrayBuffer, a
 * plain array argument holding anything but numbers, a typed array of another
 * kind where a Float32Array belongs, anything else where one of the module's
 * objects belongs.
 * Arguments are copied first (`plain`): a throwing getter, a proxy or a cycle
 * met while wasm reads them leaves its stack pointer unrestored and the module
 * broken for good, and a typed array whose `length` lies overruns the copy.
 * After a wasm trap (out of memory) every call says the module stopped: its
 * state cannot be trusted. A second `free()` does nothing.
 * @template T
 * @param {T} exported
 * @param {{ ready: boolean, stopped?: string, classes?: object }} init the `initOnce`
 *   function of its module (which keeps its guarded classes by name)
 * @param {string} [noConstructor] why `new` cannot make one, for a class without
 * @returns {T}
 */
export function guarded(exported, init, noConstructor) {
  const { name } = exported;
  const call = (what, fn, self, args, floats = []) => {
    const stopped = (why) => `${what}: the wasm module stopped (${why}) and cannot be trusted any more; reload the page (in Node, restart)`;
    if (init.stopped) throw new Error(stopped(`earlier: ${init.stopped}`));
    if (!init.ready) {
      throw new Error(`${what}: the wasm module is not loaded yet; call \`await init()\` first`);
    }
    // Not an array at all where values belong: the glue would read null's
    // length and fail with the engine's words, or take a number as no values
    // and a string as its characters. (No parameter of ours that takes
    // values is optional.)
    for (const i of floats) {
      if (!arrayLike(args[i])) {
        throw new Error(`${what}: argument ${i + 1} must be a Float32Array (or an array of numbers), got ${shown(args[i])}`);
      }
    }
    const copies = args.map((arg, i) => {
      try {
        return plain(arg, `${what}: argument ${i + 1}`, 0);
      } catch (error) {
        // A revoked Proxy, or a getter that throws one: the engine's bare TypeError.
        if (!(error instanceof TypeError)) throw error;
        throw new Error(`${what}: argument ${i + 1} cannot be read (${error.message})`, { cause: error });
      }
    });
    for (const i of floats) {
      const kind = copies[i] !== null && typeof copies[i] === 'object' && typeOf.call(copies[i]);
      if (kind && kind !== 'Float32Array') {
        const pixels = kind.startsWith('Uint8') ? ' (canvas pixels go through inkFromRgba)' : '';
        throw new Error(`${what}: argument ${i + 1} is ${article(kind)} ${kind}, where a Float32Array of values belongs: the glue would convert it value by value${pixels}`);
      }
    }
    // Checked after the copies, whose getters may have freed something.
    if (self !== undefined && GENUINE.get(self) !== exported) {
      throw new Error(`${what}: called on ${self?.constructor?.name ?? self}, which is not ${article(name)} ${name} made by this module (a method taken off its object?)`);
    }
    if (self?.__wbg_ptr === 0) {
      throw new Error(`${what}: this ${name} was freed (its free() was called) and cannot be used any more`);
    }
    copies.forEach((arg, i) => {
      const kind = GENUINE.get(arg)?.name;
      if (kind && arg.__wbg_ptr === 0) {
        throw new Error(`${what}: argument ${i + 1} is ${article(kind)} ${kind} that was freed (its free() was called)`);
      }
    });
    try {
      return fn.apply(self, copies);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        init.stopped = `${error.message}, most likely out of memory`;
        throw new Error(stopped(init.stopped), { cause: error });
      }
      if (error instanceof TypeError) {
        throw new Error(`${what}: an argument has the wrong type (${error.message})`, { cause: error });
      }
      // The glue's own check of an argument that must be one of its objects.
      const expected = /^expected instance of (\w+)$/.exec(error?.message);
      if (expected) {
        const wanted = init.classes?.[expected[1]];
        const index = Math.max(0, copies.findIndex((arg) => GENUINE.get(arg) !== wanted));
        const other = GENUINE.get(copies[index])?.name === expected[1]
          ? ' of the other build (autoencoder-lab and autoencoder-lab/infer are separate modules: read the model file into this one with Autoencoder.fromBytes)'
          : '';
        throw new Error(`${what}: argument ${index + 1} must be ${article(expected[1])} ${expected[1]} made by this module, got ${shown(copies[index])}${other}`, { cause: error });
      }
      throw error;
    }
  };
  if (!/^[A-Z]/.test(name)) {
    const floats = floatParameters(exported.toString());
    return (...args) => call(`${name}()`, exported, undefined, args, floats);
  }

  // The module's classes by name, for the glue's check of an argument's class.
  init.classes = { ...init.classes, [name]: exported };
  const proto = exported.prototype;
  const { free } = proto;
  proto.free = function () {
    if (GENUINE.get(this) === exported && this.__wbg_ptr) free.call(this);
  };
  if (proto[Symbol.dispose]) proto[Symbol.dispose] = proto.free;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (/^(constructor|free|__destroy_into_raw)$/.test(key)) continue;
    for (const part of ['value', 'get']) {
      const fn = descriptor[part];
      if (typeof fn === 'function') {
        const floats = floatParameters(fn.toString());
        descriptor[part] = function (...args) {
          return call(`${name}.${key}`, fn, this ?? null, args, floats);
        };
      }
    }
    Object.defineProperty(proto, key, descriptor);
  }
  for (const key of Object.getOwnPropertyNames(exported)) {
    const fn = exported[key];
    if (typeof fn === 'function' && !key.startsWith('__')) {
      const floats = floatParameters(fn.toString());
      exported[key] = (...args) => call(`${name}.${key}`, fn, undefined, args, floats);
    }
  }
  // The glue makes objects with `__wrap` (fromBytes, clone, a trainer's model).
  const wrap = exported.__wrap;
  if (wrap) {
    exported.__wrap = (ptr) => {
      const made = wrap.call(exported, ptr);
      GENUINE.set(made, exported);
      return made;
    };
  }
  const constructor = /\n\s*constructor(\([^)]*\)\s*\{[\s\S]*?\n\s*\})/.exec(exported.toString());
  const constructorFloats = constructor ? floatParameters(constructor[1]) : [];
  return new Proxy(exported, {
    construct(target, args, newTarget) {
      if (noConstructor) throw new Error(`new ${name}: ${noConstructor}`);
      return call(`new ${name}`, (...copies) => {
        const made = Reflect.construct(target, copies, newTarget);
        GENUINE.set(made, exported);
        return made;
      }, undefined, args, constructorFloats);
    },
  });
}

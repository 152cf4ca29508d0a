// Whether the runtime's WebAssembly has relaxed SIMD, which decides the
// build `index.js` loads (the inference-only build has no relaxed variant).

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

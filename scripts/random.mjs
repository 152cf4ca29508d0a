// A small seeded generator (mulberry32) of uniform numbers in [0, 1): the
// digits' fixed order and the fuzzing in the Node tests both need the same
// numbers on every run. Only Node's language, no packages.

/**
 * @param {number} seed
 * @returns {() => number} the next number in [0, 1) at each call
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

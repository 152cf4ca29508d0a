/**
 * The barrier at which the workers of an `InferencePool` meet before they
 * write a call's results into shared memory: an Int32Array of LENGTH values
 * on a SharedArrayBuffer, one per call. ARRIVED counts the shares that have
 * their result, FAILED is 1 once one has failed, and STATE is the call's:
 * OPEN until the last share to arrive decides (COMMITTED: every share writes
 * its result; CANCELLED: none does, after a failure), or until the pool
 * cancels a call it gives up on (CANCELLED).
 */
export const LENGTH = 3;
export const ARRIVED = 0;
export const FAILED = 1;
export const STATE = 2;

export const OPEN = 0;
export const COMMITTED = 1;
export const CANCELLED = 2;

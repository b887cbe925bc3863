/**
 * sim: simulated time. The engine owns the clock; models schedule events and read `now`, never
 * the wall clock. Events are ordered by (time, sequence number), so events scheduled for the same
 * moment run in the order they were scheduled. A run always ends: the queue empties (converged),
 * or a time or event limit is reached and the result says which. A seeded RNG makes every random
 * choice reproducible. Leaves out: real time, parallelism.
 */

export { Engine, type RunLimits, type RunResult } from './engine.js';
export { MinHeap } from './heap.js';
export { hashedUnit, Rng } from './rng.js';

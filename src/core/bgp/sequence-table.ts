/**
 * Interned sequences of integers: one id per distinct sequence, found by a hash of its values
 * (hashInts) in an open-addressing table, with the values of every sequence in one flat array, so
 * finding a sequence that is there allocates nothing. ADD-PATH's path sets (path-sets.ts) and the
 * choice memo's keys (choice-memo.ts) are both such tables.
 * Invariant: ids count up from 0 in the order sequences were added; order within one matters.
 */
import { hashInts } from './attributes.js';

const EMPTY = -1;
const INITIAL_SLOTS = 1 << 10;

export class SequenceTable {
  private flat: number[] = [];
  private starts: number[] = [];
  private lengths: number[] = [];
  private table = new Int32Array(INITIAL_SLOTS).fill(EMPTY);

  /** How many sequences the table holds. */
  get size(): number {
    return this.starts.length;
  }

  /** The id of the first `length` of `values`, or -1 when the table does not hold it. */
  find(values: ArrayLike<number>, length: number): number {
    const mask = this.table.length - 1;
    for (let slot = hashInts(values, 0, length) & mask; ; slot = (slot + 1) & mask) {
      const id = this.table[slot] as number;
      if (id === EMPTY || this.holds(id, values, length)) return id;
    }
  }

  /** Adds the first `length` of `values`, which the table must not hold yet, and returns its id. */
  add(values: ArrayLike<number>, length: number): number {
    const id = this.starts.length;
    this.starts.push(this.flat.length);
    this.lengths.push(length);
    for (let i = 0; i < length; i++) this.flat.push(values[i] as number);
    this.place(id);
    if (this.starts.length * 2 > this.table.length) this.grow();
    return id;
  }

  length(id: number): number {
    return this.lengths[id] as number;
  }

  /** The i-th value of sequence `id` (0 <= i < length(id)). */
  at(id: number, i: number): number {
    return this.flat[(this.starts[id] as number) + i] as number;
  }

  clear(): void {
    this.flat = [];
    this.starts = [];
    this.lengths = [];
    this.table = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  }

  private holds(id: number, values: ArrayLike<number>, length: number): boolean {
    if (this.lengths[id] !== length) return false;
    const from = this.starts[id] as number;
    for (let i = 0; i < length; i++) if (this.flat[from + i] !== values[i]) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.table.length - 1;
    let slot = hashInts(this.flat, this.starts[id] as number, this.lengths[id] as number) & mask;
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.table[slot] = id;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2).fill(EMPTY);
    for (let id = 0; id < this.starts.length; id++) this.place(id);
  }
}

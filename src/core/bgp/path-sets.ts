/**
 * ADD-PATH's several paths for one prefix from one neighbour, kept compact: an Adj-RIB-In slot
 * holds one attribute set id (>= 0), none (-1), or an interned set of them, encoded as -(id + 2),
 * so a client of two reflectors keeps its two inline slots however many paths each one sends.
 * A set keeps the order its sender listed the paths in (the order it holds them in, which is roughly the order they came), since a
 * receiver keeps the path it held first when two tie on every rule. Sets are interned by a hash
 * of their ids in an open-addressing table, with their members in one flat array, so encoding a
 * set that exists already allocates nothing.
 * Invariant: a set holds two or more distinct ids; equal sequences share one id.
 */
import { hashInts } from './attributes.js';

const NONE = -1;
const EMPTY = -1;

export class PathSets {
  /** Every set's members, one after another; a set is (start, size). */
  private readonly flat: number[] = [];
  private readonly start: number[] = [];
  private readonly size: number[] = [];
  private table = new Int32Array(1 << 10).fill(EMPTY);
  private readonly kept: number[] = [];

  /** The slot value for these attribute set ids, in this order (a repeat keeps its first place). */
  encode(attrs: readonly number[]): number {
    if (attrs.length === 0) return NONE;
    if (attrs.length === 1) return attrs[0] as number;
    const ids = this.distinct(attrs);
    if (ids.length === 1) return ids[0] as number;
    const mask = this.table.length - 1;
    let slot = hashInts(ids, 0, ids.length) & mask;
    for (let id = this.table[slot] as number; id !== EMPTY; id = this.table[slot] as number) {
      if (this.holds(id, ids)) return -(id + 2);
      slot = (slot + 1) & mask;
    }
    const id = this.start.length;
    this.start.push(this.flat.length);
    this.size.push(ids.length);
    for (const attrsId of ids) this.flat.push(attrsId);
    this.table[slot] = id;
    if (this.start.length * 2 > this.table.length) this.grow();
    return -(id + 2);
  }

  /** How many attribute sets a slot value stands for. */
  count(value: number): number {
    if (value >= 0) return 1;
    return value === NONE ? 0 : (this.size[-value - 2] as number);
  }

  /** The i-th attribute set id a slot value stands for (0 <= i < count). */
  member(value: number, i: number): number {
    return value >= 0 ? value : (this.flat[(this.start[-value - 2] as number) + i] as number);
  }

  private distinct(attrs: readonly number[]): number[] {
    const kept = this.kept;
    kept.length = 0;
    for (const attrsId of attrs) if (!kept.includes(attrsId)) kept.push(attrsId);
    return kept;
  }

  private holds(id: number, ids: readonly number[]): boolean {
    if (this.size[id] !== ids.length) return false;
    const from = this.start[id] as number;
    for (let i = 0; i < ids.length; i++) if (this.flat[from + i] !== ids[i]) return false;
    return true;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2).fill(EMPTY);
    const mask = this.table.length - 1;
    for (let id = 0; id < this.start.length; id++) {
      const from = this.start[id] as number;
      let slot = hashInts(this.flat, from, this.size[id] as number) & mask;
      while (this.table[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.table[slot] = id;
    }
  }
}

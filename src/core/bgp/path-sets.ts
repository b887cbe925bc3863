/**
 * ADD-PATH's several paths for one prefix from one neighbour, kept compact: an Adj-RIB-In slot
 * holds one attribute set id (>= 0), none (-1), or an interned set of them, encoded as -(id + 2),
 * so a client of two reflectors keeps its two inline slots however many paths each one sends.
 * A set keeps the order its sender held the paths in (roughly the order they came), since a
 * receiver keeps the path it held first when two tie on every rule. Sets are interned in a
 * SequenceTable, so encoding a set that exists already allocates nothing.
 * Invariant: a set holds two or more distinct ids; equal sequences share one id.
 */
import { SequenceTable } from './sequence-table.js';

const NONE = -1;

export class PathSets {
  private readonly sets = new SequenceTable();
  private readonly kept: number[] = [];

  /** The slot value for these attribute set ids, in this order (a repeat keeps its first place). */
  encode(attrs: readonly number[]): number {
    if (attrs.length === 0) return NONE;
    if (attrs.length === 1) return attrs[0] as number;
    const ids = this.distinct(attrs);
    if (ids.length === 1) return ids[0] as number;
    const found = this.sets.find(ids, ids.length);
    return -((found === NONE ? this.sets.add(ids, ids.length) : found) + 2);
  }

  /** How many attribute sets a slot value stands for. */
  count(value: number): number {
    if (value >= 0) return 1;
    return value === NONE ? 0 : this.sets.length(-value - 2);
  }

  /** The i-th attribute set id a slot value stands for (0 <= i < count). */
  member(value: number, i: number): number {
    return value >= 0 ? value : this.sets.at(-value - 2, i);
  }

  /** Appends a slot value's paths to a flat candidate list, as [neighbour, attrs] pairs. */
  pushPaths(into: number[], neighbor: number, value: number): void {
    if (value >= 0) into.push(neighbor, value);
    else for (let i = 0; i < this.count(value); i++) into.push(neighbor, this.member(value, i));
  }

  private distinct(attrs: readonly number[]): number[] {
    const kept = this.kept;
    kept.length = 0;
    for (const attrsId of attrs) if (!kept.includes(attrsId)) kept.push(attrsId);
    return kept;
  }
}

/** ADD-PATH's path sets: one slot value per sequence of paths, interned without strings. */
import { describe, expect, it } from 'vitest';
import { PathSets } from '../../src/core/bgp/path-sets.js';

function membersOf(paths: PathSets, value: number): number[] {
  return Array.from({ length: paths.count(value) }, (_, i) => paths.member(value, i));
}

describe('PathSets', () => {
  it('keeps a single path as its attribute set id and no path as -1', () => {
    const paths = new PathSets();
    expect(paths.encode([])).toBe(-1);
    expect(paths.encode([42])).toBe(42);
    expect(paths.encode([42, 42])).toBe(42);
    expect(membersOf(paths, -1)).toEqual([]);
    expect(membersOf(paths, 42)).toEqual([42]);
  });

  it('gives one sequence one value, keeping the order the sender listed the paths in', () => {
    const paths = new PathSets();
    const a = paths.encode([7, 3, 11]);
    expect(a).toBeLessThan(-1);
    expect(paths.encode([7, 3, 7, 11, 3])).toBe(a);
    expect(paths.encode([3, 7, 11])).not.toBe(a);
    expect(paths.encode([7, 3])).not.toBe(a);
    expect(membersOf(paths, a)).toEqual([7, 3, 11]);
  });

  it('finds every set again after its table has grown many times', () => {
    const paths = new PathSets();
    const values = Array.from({ length: 5000 }, (_, i) => paths.encode([i, i + 1, 2 * i + 7]));
    expect(new Set(values).size).toBe(5000);
    for (let i = 0; i < 5000; i += 1) expect(paths.encode([i, i + 1, 2 * i + 7, i])).toBe(values[i]);
    expect(membersOf(paths, values[4321] as number)).toEqual([4321, 4322, 8649]);
  });
});

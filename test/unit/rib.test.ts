/** The compact RIB: what goes in comes out, however its arrays grew. */
import { describe, expect, it } from 'vitest';
import { PathSets } from '../../src/core/bgp/path-sets.js';
import { SpeakerRib, storedRoute } from '../../src/core/bgp/rib.js';

describe('SpeakerRib', () => {
  it('keeps every candidate and route as prefixes arrive one by one and the arrays grow', () => {
    let interned = 0;
    const rib = new SpeakerRib(() => interned, new PathSets());
    for (let prefix = 0; prefix < 40; prefix++) {
      interned = prefix + 1;
      rib.putCandidate(prefix, 7, 100 + prefix);
      if (prefix % 3 === 0) rib.putCandidate(prefix, 9, 200 + prefix);
      if (prefix % 5 === 0) rib.putCandidate(prefix, 11, 300 + prefix);
      rib.setRoute(prefix, {
        ...storedRoute(),
        attrs: 100 + prefix,
        via: [7, 9, 11],
        viaCount: prefix % 4 === 0 ? 3 : 1,
        paths: prefix % 4 === 0 ? 5 : 1,
        decision: 4,
        reexportable: prefix % 2 === 0,
      });
      expect([...rib.learnedPrefixes()]).toEqual(Array.from({ length: prefix + 1 }, (_, p) => p));
    }
    expect([...rib.learnedPrefixes()]).toEqual(Array.from({ length: 40 }, (_, p) => p));
    expect([...rib.routes()]).toHaveLength(40);
    expect(rib.prefixesFrom(9)).toEqual(Array.from({ length: 14 }, (_, i) => i * 3));
    expect(rib.candidateFrom(15, 11)).toBe(315);
    expect(rib.candidateFrom(16, 11)).toBe(-1);
    const read = storedRoute();
    expect(rib.readRoute(8, read)).toBe(true);
    expect({
      attrs: read.attrs,
      via: read.via.slice(0, read.viaCount),
      paths: read.paths,
      decision: read.decision,
      reexportable: read.reexportable,
    }).toEqual({ attrs: 108, via: [7, 9, 11], paths: 5, decision: 4, reexportable: true });
    expect(rib.readRoute(40, read)).toBe(false);
  });

  it('refills a slot from the overflow when a candidate goes, and forgets a prefix whose last candidate went', () => {
    const rib = new SpeakerRib(() => 4, new PathSets());
    rib.putCandidate(2, 1, 10);
    rib.putCandidate(2, 2, 20);
    rib.putCandidate(2, 3, 30);
    expect(rib.dropCandidate(2, 1)).toBe(true);
    const found: number[] = [];
    rib.collectCandidates(2, found);
    expect(found).toEqual([3, 30, 2, 20]);
    expect(rib.dropCandidate(2, 1)).toBe(false);
    rib.dropCandidate(2, 2);
    rib.dropCandidate(2, 3);
    expect([...rib.learnedPrefixes()]).toEqual([]);
  });
});

/**
 * The allocation-free chooser (choose.ts) against its readable twin, selectBest (best-path.ts):
 * over generated candidate sets on every speaker of two labs, some with two paths from one
 * neighbour (ADD-PATH), the same best route, the same ECMP next-hop neighbours in the same order
 * and the same number of ECMP paths, and the same deciding rule, with every rule of the ladder
 * deciding some of the cases; asked twice, the chooser recalls the same choice.
 */
import { describe, expect, it } from 'vitest';
import { AttributeTable, type PathAttributes } from '../../src/core/bgp/attributes.js';
import { RULES, selectBest } from '../../src/core/bgp/best-path.js';
import { RouteChooser } from '../../src/core/bgp/choose.js';
import { buildPeering } from '../../src/core/bgp/peering.js';
import { decisionName, storedRoute } from '../../src/core/bgp/rib.js';
import { Rng } from '../../src/core/sim/rng.js';
import { lab } from '../helpers/sim.js';

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

function maybe<T>(rng: Rng, value: () => T): T | undefined {
  return rng.next() < 0.5 ? value() : undefined;
}

/** How often each rule decided, over all labs: the generator must reach every rule. */
const decidedOverall = new Map<string, number>();

describe('choose agrees with selectBest', () => {
  for (const file of ['rr-lab.yaml', 'ebgp-paths.yaml', 'two-rack.yaml']) {
    it(`on every speaker of ${file}, over 400 generated candidate sets each`, () => {
      const peering = buildPeering(lab(file));
      const attributes = new AttributeTable();
      const chooser = new RouteChooser(peering, attributes);
      const rng = new Rng(file.length * 7919);
      const decided = new Map<string, number>();
      for (const speaker of peering.speakers) {
        const neighbors = peering.neighbors.filter((n) => n.speaker === speaker.index);
        if (neighbors.length === 0) continue;
        const subnetHost = speaker.subnets[0] === undefined ? speaker.routerId : speaker.subnets[0].base + 5;
        for (let trial = 0; trial < 400; trial++) {
          const found: number[] = [];
          if (rng.next() < 0.15) found.push(-1, Math.floor(rng.next() * 2));
          const chosen = neighbors.filter(() => rng.next() < 0.6);
          // ADD-PATH: now and then a neighbour sends a second path.
          const senders = chosen.length > 0 ? chosen : [pick(rng, neighbors)];
          for (const n of rng.next() < 0.3 ? [...senders, pick(rng, senders)] : senders) {
            const attrs: PathAttributes = {
              nextHop: pick(rng, [n.remoteAddress, subnetHost, 0x0a630001, n.remoteAddress]),
              asPath: Array.from({ length: Math.floor(rng.next() * 3) }, () => pick(rng, [64512, 64513, 65001])),
              origin: pick(rng, [0, 0, 1, 2]),
              clusterList: Array.from({ length: Math.floor(rng.next() * 2.5) }, () => pick(rng, [1, 2])),
              ...(rng.next() < 0.3 ? { localPref: pick(rng, [100, 200]) } : {}),
              ...(rng.next() < 0.3 ? { med: pick(rng, [0, 10]) } : {}),
              ...((v) => (v === undefined ? {} : { originatorId: v }))(
                maybe(rng, () => pick(rng, [0x0a000001, 0x0a000002])),
              ),
            };
            found.push(n.index, attributes.intern(attrs));
          }
          const route = storedRoute();
          const chosenOk = chooser.choose(speaker, found, route);
          // Asked again, the chooser recalls its choice (choice-memo.ts): it must be the same.
          const again = storedRoute();
          chooser.choose(speaker, found, again);
          expect(again).toEqual(route);
          const selection = selectBest(chooser.candidates(speaker, found));
          const context = `${file} ${speaker.name} trial ${trial}`;
          // As BIRD, a best route with an unresolvable next hop is still chosen (installed unreachable).
          if (selection === undefined) {
            expect(chosenOk, context).toBe(false);
            continue;
          }
          expect(chosenOk, context).toBe(true);
          expect(
            {
              attrs: route.attrs,
              via: route.via.slice(0, route.viaCount),
              paths: route.paths,
              decidedBy: decisionName(route.decision),
            },
            context,
          ).toEqual({
            attrs: selection.best.attrsId,
            via: [...new Set(selection.ecmp.map((c) => c.neighborIndex))],
            paths: selection.ecmp.length,
            decidedBy: selection.decidedBy,
          });
          decided.set(selection.decidedBy, (decided.get(selection.decidedBy) ?? 0) + 1);
          decidedOverall.set(selection.decidedBy, (decidedOverall.get(selection.decidedBy) ?? 0) + 1);
        }
      }
      expect([...decided.keys()].length).toBeGreaterThan(4);
    });
  }

  it('every rule of the ladder decided some of the generated cases', () => {
    expect([...decidedOverall.keys()].sort()).toEqual(
      ['only-route', 'equal-paths', ...RULES.map((rule) => rule.id)].sort(),
    );
  });
});

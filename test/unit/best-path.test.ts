/** Each best-path rule alone: two candidates equal in everything but that rule. */
import { describe, expect, it } from 'vitest';
import { type Candidate, explainLosers, RULES, selectBest } from '../../src/core/bgp/best-path.js';
import { parseIpv4 } from '../../src/core/net/index.js';

const ip = (text: string): number => parseIpv4(text) as number;

function route(overrides: Omit<Partial<Candidate>, 'attrs'> & { attrs?: Partial<Candidate['attrs']> } = {}): Candidate {
  const { attrs, ...rest } = overrides;
  return {
    source: 'bgp',
    neighbor: 1,
    ebgp: false,
    nextHopResolvable: true,
    igpMetric: 0,
    peerRouterId: ip('10.0.0.5'),
    peerAddress: ip('10.0.0.5'),
    ...rest,
    attrs: { nextHop: ip('10.0.0.5'), asPath: [], origin: 0, clusterList: [], ...attrs },
  };
}

const CASES: [string, Candidate, Candidate][] = [
  ['preference', route({ source: 'static' }), route()],
  [
    'next-hop-resolvable',
    route(),
    route({ nextHopResolvable: false, peerAddress: ip('10.0.0.1'), peerRouterId: ip('10.0.0.1') }),
  ],
  ['local-pref', route({ attrs: { localPref: 200 } }), route()],
  ['as-path-length', route({ attrs: { asPath: [65001] } }), route({ attrs: { asPath: [65002, 65001] } })],
  ['origin', route({ attrs: { origin: 0 } }), route({ attrs: { origin: 2 } })],
  ['med', route({ attrs: { asPath: [65001], med: 10 } }), route({ attrs: { asPath: [65001], med: 20 } })],
  ['ebgp-over-ibgp', route({ ebgp: true }), route()],
  ['igp-metric', route(), route({ igpMetric: 1 })],
  ['router-id', route({ peerRouterId: ip('10.0.0.2') }), route({ peerRouterId: ip('10.0.0.3') })],
  ['cluster-list-length', route({ attrs: { clusterList: [] } }), route({ attrs: { clusterList: [ip('244.0.0.1')] } })],
  ['neighbor-address', route({ peerAddress: ip('10.0.0.2') }), route({ peerAddress: ip('10.0.0.3') })],
];

describe("best path, rule by rule (BIRD's order)", () => {
  it('covers every rule in the ladder, in order', () => {
    expect(CASES.map(([id]) => id)).toEqual(RULES.map((rule) => rule.id));
  });

  for (const [id, winner, loser] of CASES) {
    it(`${id} decides when everything before it is equal`, () => {
      for (const order of [
        [winner, loser],
        [loser, winner],
      ]) {
        const selection = selectBest(order);
        expect(selection?.best).toBe(winner);
        expect(selection?.decidedBy).toBe(id);
      }
    });
  }

  it('compares MED only between routes from the same neighbouring AS', () => {
    const a = route({ attrs: { asPath: [65001], med: 50 }, peerAddress: ip('10.0.0.9') });
    const b = route({ attrs: { asPath: [65002], med: 10 }, peerAddress: ip('10.0.0.2') });
    expect(selectBest([a, b])?.decidedBy).toBe('neighbor-address');
  });

  it("uses ORIGINATOR_ID instead of the peer's router ID when present (RFC 4456)", () => {
    const reflected = route({ peerRouterId: ip('10.0.0.9'), attrs: { originatorId: ip('10.0.0.1') } });
    const direct = route({ peerRouterId: ip('10.0.0.5') });
    expect(selectBest([direct, reflected])?.best).toBe(reflected);
  });

  it('a single candidate is the only route', () => {
    expect(selectBest([route()])?.decidedBy).toBe('only-route');
  });

  it('candidates equal down to the IGP metric form the ECMP set; a worse metric does not', () => {
    const a = route({ peerRouterId: ip('10.0.0.2'), peerAddress: ip('10.0.0.2') });
    const b = route({ peerRouterId: ip('10.0.0.3'), peerAddress: ip('10.0.0.3') });
    const far = route({ peerRouterId: ip('10.0.0.1'), peerAddress: ip('10.0.0.1'), igpMetric: 1 });
    const selection = selectBest([b, far, a]);
    expect(selection?.ecmp).toEqual([a, b]);
    expect(selection?.best).toBe(a);
  });

  it('explains each loser with the rule and the values compared', () => {
    const best = route({ attrs: { asPath: [65001] } });
    const longer = route({ attrs: { asPath: [65002, 65001] } });
    const selection = selectBest([longer, best]);
    const [explanation] = selection ? explainLosers(selection) : [];
    expect(explanation?.comparison).toBe('as-path-length 2 > 1');
    expect(explanation?.rule.cite).toContain('RFC 4271');
  });
});

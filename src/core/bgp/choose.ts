/**
 * Best-path choice over a speaker's candidates in their compact form: flat [neighbour, attribute
 * set] pairs, a local route as [-1, source code]. The rule ladder of best-path.ts compares
 * candidate objects; here three of them are filled in place and reused, so choosing among 25
 * million routes allocates nothing. Explanations get fresh candidate objects from `candidates`.
 * Invariant: the same answer as selectBest (best, ECMP set in ranking order, deciding rule).
 */
import { type Cidr, cidrContains } from '../net/index.js';
import { type AttributeTable, ORIGIN_IGP, type PathAttributes } from './attributes.js';
import {
  type Candidate,
  compareCandidates,
  decidingRule,
  mergeable,
  type RouteSource,
  type Rule,
  selectBest,
} from './best-path.js';
import { type Peering, peerRouterId, type Speaker } from './peering.js';
import { decisionCode, type RouteSourceCode, SOURCES, type StoredRoute } from './rib.js';

/** A candidate as the RIBs hold it: also the neighbour's index and the attribute set's id (-1 local). */
export type RibCandidate = Candidate & { readonly neighborIndex: number; readonly attrsId: number };

type MutableCandidate = { -readonly [K in keyof RibCandidate]: RibCandidate[K] };

const LOCAL = -1;

function blankCandidate(): MutableCandidate {
  return {
    source: 'bgp',
    attrs: { nextHop: 0, asPath: [], origin: ORIGIN_IGP, clusterList: [] },
    attrsId: LOCAL,
    neighbor: LOCAL,
    neighborIndex: LOCAL,
    ebgp: false,
    nextHopResolvable: false,
    igpMetric: 0,
    peerRouterId: 0,
    peerAddress: 0,
  };
}

function onSubnets(subnets: readonly Cidr[], ip: number): boolean {
  for (const subnet of subnets) if (cidrContains(subnet, ip)) return true;
  return false;
}

/**
 * Whether BIRD (`gateway recursive`) resolves a next hop on this speaker: on one of its subnets,
 * or through its default route; a router resolves through its own routing. An unresolvable best
 * route is still selected, and goes to the kernel as `unreachable`.
 */
export function nextHopResolvable(s: Speaker, nextHop: number): boolean {
  return onSubnets(s.subnets, nextHop) || s.kind === 'router' || s.node?.gateway !== undefined;
}

export class RouteChooser {
  private readonly picks = [blankCandidate(), blankCandidate(), blankCandidate()];
  private readonly localAttrs: (PathAttributes | undefined)[] = [];

  constructor(
    private readonly peering: Peering,
    private readonly attributes: AttributeTable,
  ) {}

  /** Fresh candidate objects, for selectBest and explanations. */
  candidates(s: Speaker, found: readonly number[]): RibCandidate[] {
    const list: RibCandidate[] = [];
    for (let i = 0; i < found.length; i += 2)
      list.push(this.fill(blankCandidate(), s, found[i] as number, found[i + 1] as number));
    return list;
  }

  /**
   * The best usable route and its ECMP companions, into `route`; false when there is none. One
   * pass keeps the best and the runner-up (the comparison that ranked them names the deciding
   * rule), a second finds the companions; three or more next hops take selectBest for their order.
   */
  choose(s: Speaker, found: readonly number[], route: StoredRoute): boolean {
    const picks = this.picks;
    let best = -1;
    let second = -1;
    let bestAt = -1;
    let rule: Rule | undefined;
    for (let i = 0; i < found.length; i += 2) {
      const slot = best !== 0 && second !== 0 ? 0 : best !== 1 && second !== 1 ? 1 : 2;
      const c = this.fill(picks[slot] as MutableCandidate, s, found[i] as number, found[i + 1] as number);
      const versusBest = best < 0 ? undefined : decidingRule(c, picks[best] as MutableCandidate);
      if (best < 0 || (versusBest !== undefined && versusBest.verdict < 0)) {
        second = best;
        best = slot;
        bestAt = i;
        rule = versusBest?.rule;
      } else if (second < 0 || compareCandidates(c, picks[second] as MutableCandidate) < 0) {
        second = slot;
        rule = versusBest?.rule;
      }
    }
    const top = picks[best];
    // BIRD selects a route whose next hop it cannot resolve too (the kernel gets it as unreachable).
    if (top === undefined) return false;
    route.attrs = top.attrsId;
    route.source = SOURCES.indexOf(top.source) as RouteSourceCode;
    route.decision = decisionCode(second < 0 ? undefined : rule);
    route.via[0] = top.neighborIndex;
    route.viaCount = 1;
    if (top.source !== 'bgp' || !top.nextHopResolvable) return true;
    const spare = picks[best === 0 ? 1 : 0] as MutableCandidate;
    for (let i = 0; i < found.length; i += 2) {
      if (i === bestAt || !mergeable(top, this.fill(spare, s, found[i] as number, found[i + 1] as number))) continue;
      if (route.viaCount === 2) return this.chooseBySorting(s, found, route);
      route.via[route.viaCount++] = spare.neighborIndex;
    }
    return true;
  }

  private chooseBySorting(s: Speaker, found: readonly number[], route: StoredRoute): boolean {
    const selection = selectBest(this.candidates(s, found));
    route.viaCount = 0;
    for (const c of selection?.ecmp ?? []) route.via[route.viaCount++] = c.neighborIndex;
    return true;
  }

  /** Fills a candidate in place from a neighbour and attribute set (or -1 and a local source). */
  private fill(c: MutableCandidate, s: Speaker, neighbor: number, attrsOrSource: number): MutableCandidate {
    if (neighbor === LOCAL) {
      c.source = SOURCES[attrsOrSource] as RouteSource;
      c.attrs = this.localAttrs[s.index] ??= { nextHop: s.routerId, asPath: [], origin: ORIGIN_IGP, clusterList: [] };
      c.attrsId = LOCAL;
      c.ebgp = false;
      c.nextHopResolvable = true;
      c.igpMetric = 0;
      c.peerRouterId = s.routerId;
      c.peerAddress = s.routerId;
    } else {
      const n = this.peering.neighbors[neighbor] as Peering['neighbors'][number];
      const attrs = this.attributes.get(attrsOrSource);
      const onLink = onSubnets(s.subnets, attrs.nextHop);
      c.source = 'bgp';
      c.attrs = attrs;
      c.attrsId = attrsOrSource;
      c.ebgp = n.remoteAs !== s.asNumber;
      c.nextHopResolvable = nextHopResolvable(s, attrs.nextHop);
      c.igpMetric = onLink ? 0 : 1;
      c.peerRouterId = peerRouterId(this.peering, n);
      c.peerAddress = n.remoteAddress;
    }
    c.neighbor = neighbor;
    c.neighborIndex = neighbor;
    return c;
  }
}

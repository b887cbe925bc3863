/**
 * Best-path choice over a speaker's candidates in their compact form: flat [neighbour, attribute
 * set] pairs, a local route as [-1, source code]. The rule ladder of best-path.ts compares
 * candidate objects; here a pool of them is filled in place and reused, so choosing among 25
 * million routes allocates nothing, and a choice is ranked once for every speaker that holds the
 * same paths (choice-memo.ts). Explanations get fresh candidate objects from `candidates`.
 * Invariant: the same answer as selectBest (best, ECMP set in ranking order, deciding rule).
 */
import { type Cidr, cidrContains } from '../net/index.js';
import { type AttributeTable, ORIGIN_IGP, type PathAttributes } from './attributes.js';
import { type Candidate, decide, insertRanked, mergeable, type RouteSource, RULES } from './best-path.js';
import { type Choice, ChoiceMemo } from './choice-memo.js';
import { type Peering, peerRouterId, type Speaker } from './peering.js';
import { BGP, decisionCode, EQUAL_PATHS, type RouteSourceCode, SOURCES, type StoredRoute } from './rib.js';

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
  private readonly localAttrs: (PathAttributes | undefined)[] = [];
  /** The candidates being chosen among, filled in place, and their ranking when needed. */
  private readonly pool: MutableCandidate[] = [];
  private readonly order: number[] = [];
  private readonly memo: ChoiceMemo;
  private readonly choice: Choice = { best: 0, decision: 0, paths: 0, via: [] };
  /** The two candidates ecmpAttributes compares, filled in place. */
  private readonly best = blankCandidate();
  private readonly other = blankCandidate();

  constructor(
    private readonly peering: Peering,
    private readonly attributes: AttributeTable,
  ) {
    this.memo = new ChoiceMemo(peering);
  }

  /** Fresh candidate objects, for selectBest and explanations. */
  candidates(s: Speaker, found: readonly number[]): RibCandidate[] {
    const list: RibCandidate[] = [];
    for (let i = 0; i < found.length; i += 2)
      list.push(this.fill(blankCandidate(), s, found[i] as number, found[i + 1] as number));
    return list;
  }

  /**
   * The best usable route and its ECMP companions, into `route`; false when there is none. The
   * candidates are filled once into a reused pool and ranked as selectBest ranks them
   * (insertRanked): the best is first, the comparison with the runner-up names the
   * deciding rule, and the ECMP companions are those, in ranking order, that only rules past the
   * IGP metric tell apart from it. Not only a run after the best: MED compares only routes from
   * one neighbouring AS, so the ranking is not lexicographic. Speakers that hold the same paths
   * from the same peers share the ranking (ChoiceMemo).
   */
  choose(s: Speaker, found: readonly number[], route: StoredRoute): boolean {
    const count = found.length / 2;
    if (count === 0) return false;
    const choice = this.choice;
    if (!this.memo.recall(s, found, choice)) {
      this.rankAndChoose(s, found, count, choice);
      this.memo.remember(choice);
    }
    const local = found[2 * choice.best] === LOCAL;
    const value = found[2 * choice.best + 1] as number;
    route.attrs = local ? LOCAL : value;
    route.source = local ? (value as RouteSourceCode) : BGP;
    route.decision = choice.decision;
    route.paths = choice.paths;
    route.viaCount = 0;
    for (const position of choice.via) route.via[route.viaCount++] = found[2 * position] as number;
    return true;
  }

  /**
   * The attributes of a chosen route's ECMP paths: every candidate that no rule up to the IGP
   * metric tells apart from the best (the route's own path: its first next-hop neighbour and its
   * attribute set), as selectBest's `ecmp` holds them. No ranking is needed to find them, which
   * matters to a FIB that makes its entries on first lookup.
   */
  ecmpAttributes(
    s: Speaker,
    found: readonly number[],
    route: { readonly via: readonly number[]; readonly attrs: number },
  ): PathAttributes[] {
    const best = this.fill(this.best, s, route.via[0] as number, route.attrs);
    if (best.source !== 'bgp' || !best.nextHopResolvable) return [best.attrs];
    const attrs: PathAttributes[] = [];
    for (let i = 0; i < found.length; i += 2) {
      const c = this.fill(this.other, s, found[i] as number, found[i + 1] as number);
      if (mergeable(best, c)) attrs.push(c.attrs);
    }
    return attrs;
  }

  /** Ranks the candidates and fills `choice` (by position in `found`). */
  private rankAndChoose(s: Speaker, found: readonly number[], count: number, choice: Choice): void {
    const order = this.rank(s, found, count);
    const pool = this.pool;
    const top = pool[order[0] as number] as MutableCandidate;
    const runnerUp = pool[order[1] as number];
    const rule = runnerUp === undefined ? 0 : decide(top, runnerUp);
    choice.best = order[0] as number;
    choice.decision = runnerUp === undefined ? 0 : rule === 0 ? EQUAL_PATHS : decisionCode(RULES[Math.abs(rule) - 1]);
    choice.paths = 1;
    choice.via.length = 0;
    choice.via.push(choice.best);
    // BIRD selects a route whose next hop it cannot resolve too (the kernel gets it as unreachable).
    if (top.source !== 'bgp' || !top.nextHopResolvable) return;
    for (let i = 1; i < count; i++) {
      const position = order[i] as number;
      const c = pool[position] as MutableCandidate;
      if (!mergeable(top, c)) continue;
      choice.paths++;
      if (!this.listed(choice, found, c.neighborIndex)) choice.via.push(position);
    }
  }

  /** Whether a neighbour is among a choice's next hops already (ADD-PATH: several paths from one peer). */
  private listed(choice: Choice, found: readonly number[], neighbor: number): boolean {
    for (const position of choice.via) if (found[2 * position] === neighbor) return true;
    return false;
  }

  /** Fills the pool with the candidates and returns their ranking, best first. */
  private rank(s: Speaker, found: readonly number[], count: number): readonly number[] {
    const pool = this.pool;
    const order = this.order;
    order.length = 0;
    for (let k = 0; k < count; k++) {
      if (pool.length === k) pool.push(blankCandidate());
      this.fill(pool[k] as MutableCandidate, s, found[2 * k] as number, found[2 * k + 1] as number);
      insertRanked(order, k, pool);
    }
    return order;
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
      c.nextHopResolvable = onLink || nextHopResolvable(s, attrs.nextHop);
      c.igpMetric = onLink ? 0 : 1;
      c.peerRouterId = peerRouterId(this.peering, n);
      c.peerAddress = n.remoteAddress;
    }
    c.neighbor = neighbor;
    c.neighborIndex = neighbor;
    return c;
  }
}

/**
 * Best-path selection in BIRD's order (bgp_rte_better, with rte_better's preference first), as an
 * ordered ladder of named rules. Each rule says which of two candidates is better or that it
 * cannot decide; the last rule always decides, so the order is total.
 *
 * `selectBest` ranks the candidates and names the rule that decided best against the runner-up,
 * by comparing those two explicitly. Candidates equal to the best down to and including the
 * IGP-metric rule form its ECMP set (Calico runs BIRD with `merge paths on`).
 *
 * Omitted from BIRD's list: deterministic-MED suppression, LLGR staleness and `prefer older`,
 * which Calico does not configure.
 */
import { formatIpv4, type Ipv4 } from '../net/index.js';
import { ORIGIN_NAMES, type PathAttributes } from './attributes.js';

export const DEFAULT_LOCAL_PREF = 100;
export const DEFAULT_MED = 0;

export type RouteSource = 'static' | 'kernel' | 'bgp';

/** Protocol preferences as BIRD sets them (nest/route.h DEF_PREF_*). */
export const PREFERENCE: Readonly<Record<RouteSource, number>> = { static: 200, bgp: 100, kernel: 10 };

/** A route for one prefix as a speaker sees it, with what the comparison needs. */
export interface Candidate {
  readonly source: RouteSource;
  readonly attrs: PathAttributes;
  /** Index of the neighbour it came from; -1 for a local route. */
  readonly neighbor: number;
  readonly ebgp: boolean;
  readonly nextHopResolvable: boolean;
  readonly igpMetric: number;
  readonly peerRouterId: Ipv4;
  readonly peerAddress: Ipv4;
}

type Verdict = -1 | 0 | 1;

export interface Rule {
  readonly id: string;
  readonly cite: string;
  /** A short text of the value the rule compares, for explanations. */
  readonly value: (c: Candidate) => string;
  readonly compare: (a: Candidate, b: Candidate) => Verdict;
}

function lower(a: number, b: number): Verdict {
  return a < b ? -1 : a > b ? 1 : 0;
}

function higher(a: number, b: number): Verdict {
  return lower(b, a);
}

function firstAs(c: Candidate): number | undefined {
  return c.attrs.asPath[0];
}

function preference(c: Candidate): number {
  return c.source === 'bgp' ? PREFERENCE.bgp : c.source === 'static' ? PREFERENCE.static : PREFERENCE.kernel;
}

/**
 * Rule `rule` of the ladder (an index into RULES) applied to a and b: -1 when a is better. One
 * switch, not a closure per rule, so the hot path (choose.ts) runs it without megamorphic calls.
 */
function verdict(rule: number, a: Candidate, b: Candidate): Verdict {
  switch (rule) {
    case 0:
      return higher(preference(a), preference(b));
    case 1:
      return a.nextHopResolvable === b.nextHopResolvable ? 0 : a.nextHopResolvable ? -1 : 1;
    case 2:
      return higher(a.attrs.localPref ?? DEFAULT_LOCAL_PREF, b.attrs.localPref ?? DEFAULT_LOCAL_PREF);
    case 3:
      return lower(a.attrs.asPath.length, b.attrs.asPath.length);
    case 4:
      return lower(a.attrs.origin, b.attrs.origin);
    case 5:
      return firstAs(a) === firstAs(b) ? lower(a.attrs.med ?? DEFAULT_MED, b.attrs.med ?? DEFAULT_MED) : 0;
    case 6:
      return a.ebgp === b.ebgp ? 0 : a.ebgp ? -1 : 1;
    case 7:
      return lower(a.igpMetric, b.igpMetric);
    case 8:
      return lower(a.attrs.originatorId ?? a.peerRouterId, b.attrs.originatorId ?? b.peerRouterId);
    case 9:
      return lower(a.attrs.clusterList.length, b.attrs.clusterList.length);
    default:
      return lower(a.peerAddress, b.peerAddress);
  }
}

function rule(index: number, id: string, cite: string, value: (c: Candidate) => string): Rule {
  return { id, cite, value, compare: (a, b) => verdict(index, a, b) };
}

export const RULES: readonly Rule[] = [
  rule(0, 'preference', 'BIRD rte_better: protocol preference (static 200, BGP 100, kernel 10)', (c) =>
    String(preference(c)),
  ),
  rule(1, 'next-hop-resolvable', 'BIRD bgp_rte_better: a resolvable next hop beats an unresolvable one', (c) =>
    c.nextHopResolvable ? 'resolvable' : 'unresolvable',
  ),
  rule(2, 'local-pref', 'RFC 4271 §9.1.1; BIRD bgp_rte_better: higher LOCAL_PREF (default 100)', (c) =>
    String(c.attrs.localPref ?? DEFAULT_LOCAL_PREF),
  ),
  rule(3, 'as-path-length', 'RFC 4271 §9.1.2.2(a): shorter AS_PATH', (c) => String(c.attrs.asPath.length)),
  rule(
    4,
    'origin',
    'RFC 4271 §9.1.2.2(b): lower ORIGIN (IGP < EGP < INCOMPLETE)',
    (c) => ORIGIN_NAMES[c.attrs.origin] ?? '?',
  ),
  rule(5, 'med', 'RFC 4271 §9.1.2.2(c): lower MED, only between routes from the same neighbouring AS', (c) =>
    String(c.attrs.med ?? DEFAULT_MED),
  ),
  rule(6, 'ebgp-over-ibgp', 'RFC 4271 §9.1.2.2(d): eBGP-learned over iBGP-learned', (c) =>
    c.source !== 'bgp' ? 'local' : c.ebgp ? 'eBGP' : 'iBGP',
  ),
  rule(7, 'igp-metric', 'RFC 4271 §9.1.2.2(e): lower IGP metric to the next hop', (c) => String(c.igpMetric)),
  rule(8, 'router-id', 'RFC 4271 §9.1.2.2(f), RFC 4456 §9: lower router ID, or ORIGINATOR_ID when present', (c) =>
    formatIpv4(c.attrs.originatorId ?? c.peerRouterId),
  ),
  rule(9, 'cluster-list-length', 'RFC 4456 §9: shorter CLUSTER_LIST (BIRD compares it after the router ID)', (c) =>
    String(c.attrs.clusterList.length),
  ),
  rule(10, 'neighbor-address', 'RFC 4271 §9.1.2.2(g): lower neighbour address', (c) => formatIpv4(c.peerAddress)),
];

const ECMP_THROUGH = RULES.findIndex((r) => r.id === 'igp-metric');

/**
 * The first rule that tells a and b apart, as a number: 0 when none does, else the rule's index
 * plus one, negative when a is better. Allocates nothing, for the hot path.
 */
export function decide(a: Candidate, b: Candidate): number {
  for (let i = 0; i < RULES.length; i++) {
    const v = verdict(i, a, b);
    if (v !== 0) return v * (i + 1);
  }
  return 0;
}

/** The first rule that tells a and b apart, and its verdict (-1: a is better). */
export function decidingRule(a: Candidate, b: Candidate): { rule: Rule; verdict: Verdict } | undefined {
  const decided = decide(a, b);
  if (decided === 0) return undefined;
  return { rule: RULES[Math.abs(decided) - 1] as Rule, verdict: decided < 0 ? -1 : 1 };
}

export interface Selection<C extends Candidate> {
  readonly ranking: readonly C[];
  readonly best: C;
  /** Candidates equal to the best down to the IGP metric (the best first). */
  readonly ecmp: readonly C[];
  /** The rule that put the best ahead of the runner-up, 'only-route', or 'equal-paths' when none did. */
  readonly decidedBy: string;
}

/** Whether b joins a's ECMP set: both BGP, and no rule up to the IGP metric tells them apart. */
export function mergeable(a: Candidate, b: Candidate): boolean {
  if (a.source !== 'bgp' || b.source !== 'bgp') return false;
  for (let i = 0; i <= ECMP_THROUGH; i++) if (verdict(i, a, b) !== 0) return false;
  return true;
}

/**
 * Inserts candidate `k` of `pool` into `order` (indices, best first): after every candidate it
 * does not beat, so equal ones keep their order. The one ranking procedure for selectBest and the
 * RIB's chooser alike, since MED (compared only within one neighbouring AS) makes the ladder
 * non-transitive and another sort could rank otherwise.
 */
export function insertRanked(order: number[], k: number, pool: readonly Candidate[]): void {
  const c = pool[k] as Candidate;
  let at = order.length;
  while (at > 0 && decide(pool[order[at - 1] as number] as Candidate, c) > 0) at--;
  order.splice(at, 0, k);
}

export function selectBest<C extends Candidate>(candidates: readonly C[]): Selection<C> | undefined {
  if (candidates.length === 0) return undefined;
  const order: number[] = [];
  for (let k = 0; k < candidates.length; k++) insertRanked(order, k, candidates);
  const ranking = order.map((k) => candidates[k] as C);
  const best = ranking[0] as C;
  const runnerUp = ranking[1];
  const decidedBy = runnerUp === undefined ? 'only-route' : (decidingRule(best, runnerUp)?.rule.id ?? 'equal-paths');
  const ecmp = best.nextHopResolvable ? ranking.filter((c) => c === best || mergeable(best, c)) : [best];
  return { ranking, best, ecmp, decidedBy };
}

export interface LoserExplanation<C extends Candidate> {
  readonly candidate: C;
  readonly rule: Rule;
  /** e.g. `as-path-length 1 > 0`. */
  readonly comparison: string;
}

/** For each candidate that lost to the best: the rule that eliminated it and the values compared. */
export function explainLosers<C extends Candidate>(selection: Selection<C>): LoserExplanation<C>[] {
  return selection.ranking.slice(1).map((candidate) => {
    const decided = decidingRule(selection.best, candidate);
    // Two paths from one peer (ADD-PATH) may tie on every rule.
    if (decided === undefined)
      return { candidate, rule: RULES[RULES.length - 1] as Rule, comparison: 'equal-paths (every rule equal)' };
    const rule = decided.rule;
    const mine = rule.value(candidate);
    const theirs = rule.value(selection.best);
    const relation =
      mine === theirs
        ? '='
        : /^\d+$/.test(mine) && /^\d+$/.test(theirs)
          ? Number(mine) > Number(theirs)
            ? '>'
            : '<'
          : 'vs';
    return { candidate, rule, comparison: `${rule.id} ${mine} ${relation} ${theirs}` };
  });
}

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

export const RULES: readonly Rule[] = [
  {
    id: 'preference',
    cite: 'BIRD rte_better: protocol preference (static 200, BGP 100, kernel 10)',
    value: (c) => String(PREFERENCE[c.source]),
    compare: (a, b) => higher(PREFERENCE[a.source], PREFERENCE[b.source]),
  },
  {
    id: 'next-hop-resolvable',
    cite: 'BIRD bgp_rte_better: a resolvable next hop beats an unresolvable one',
    value: (c) => (c.nextHopResolvable ? 'resolvable' : 'unresolvable'),
    compare: (a, b) => higher(Number(a.nextHopResolvable), Number(b.nextHopResolvable)),
  },
  {
    id: 'local-pref',
    cite: 'RFC 4271 §9.1.1; BIRD bgp_rte_better: higher LOCAL_PREF (default 100)',
    value: (c) => String(c.attrs.localPref ?? DEFAULT_LOCAL_PREF),
    compare: (a, b) => higher(a.attrs.localPref ?? DEFAULT_LOCAL_PREF, b.attrs.localPref ?? DEFAULT_LOCAL_PREF),
  },
  {
    id: 'as-path-length',
    cite: 'RFC 4271 §9.1.2.2(a): shorter AS_PATH',
    value: (c) => String(c.attrs.asPath.length),
    compare: (a, b) => lower(a.attrs.asPath.length, b.attrs.asPath.length),
  },
  {
    id: 'origin',
    cite: 'RFC 4271 §9.1.2.2(b): lower ORIGIN (IGP < EGP < INCOMPLETE)',
    value: (c) => ORIGIN_NAMES[c.attrs.origin] ?? '?',
    compare: (a, b) => lower(a.attrs.origin, b.attrs.origin),
  },
  {
    id: 'med',
    cite: 'RFC 4271 §9.1.2.2(c): lower MED, only between routes from the same neighbouring AS',
    value: (c) => String(c.attrs.med ?? DEFAULT_MED),
    compare: (a, b) => (firstAs(a) === firstAs(b) ? lower(a.attrs.med ?? DEFAULT_MED, b.attrs.med ?? DEFAULT_MED) : 0),
  },
  {
    id: 'ebgp-over-ibgp',
    cite: 'RFC 4271 §9.1.2.2(d): eBGP-learned over iBGP-learned',
    value: (c) => (c.source !== 'bgp' ? 'local' : c.ebgp ? 'eBGP' : 'iBGP'),
    compare: (a, b) => higher(Number(a.ebgp), Number(b.ebgp)),
  },
  {
    id: 'igp-metric',
    cite: 'RFC 4271 §9.1.2.2(e): lower IGP metric to the next hop',
    value: (c) => String(c.igpMetric),
    compare: (a, b) => lower(a.igpMetric, b.igpMetric),
  },
  {
    id: 'router-id',
    cite: 'RFC 4271 §9.1.2.2(f), RFC 4456 §9: lower router ID, or ORIGINATOR_ID when present',
    value: (c) => formatIpv4(c.attrs.originatorId ?? c.peerRouterId),
    compare: (a, b) => lower(a.attrs.originatorId ?? a.peerRouterId, b.attrs.originatorId ?? b.peerRouterId),
  },
  {
    id: 'cluster-list-length',
    cite: 'RFC 4456 §9: shorter CLUSTER_LIST (BIRD compares it after the router ID)',
    value: (c) => String(c.attrs.clusterList.length),
    compare: (a, b) => lower(a.attrs.clusterList.length, b.attrs.clusterList.length),
  },
  {
    id: 'neighbor-address',
    cite: 'RFC 4271 §9.1.2.2(g): lower neighbour address',
    value: (c) => formatIpv4(c.peerAddress),
    compare: (a, b) => lower(a.peerAddress, b.peerAddress),
  },
];

const ECMP_THROUGH = RULES.findIndex((rule) => rule.id === 'igp-metric');

/** The first rule that tells a and b apart, and its verdict (-1: a is better). */
export function decidingRule(a: Candidate, b: Candidate): { rule: Rule; verdict: Verdict } | undefined {
  for (const rule of RULES) {
    const verdict = rule.compare(a, b);
    if (verdict !== 0) return { rule, verdict };
  }
  return undefined;
}

export function compareCandidates(a: Candidate, b: Candidate): Verdict {
  return decidingRule(a, b)?.verdict ?? 0;
}

export interface Selection<C extends Candidate> {
  readonly ranking: readonly C[];
  readonly best: C;
  /** Candidates equal to the best down to the IGP metric (the best first). */
  readonly ecmp: readonly C[];
  /** The rule that put the best ahead of the runner-up, or 'only-route'. */
  readonly decidedBy: string;
}

/** Whether b joins a's ECMP set: both BGP, and no rule up to the IGP metric tells them apart. */
export function mergeable(a: Candidate, b: Candidate): boolean {
  if (a.source !== 'bgp' || b.source !== 'bgp') return false;
  for (let i = 0; i <= ECMP_THROUGH; i++) if ((RULES[i] as Rule).compare(a, b) !== 0) return false;
  return true;
}

export function selectBest<C extends Candidate>(candidates: readonly C[]): Selection<C> | undefined {
  if (candidates.length === 0) return undefined;
  const ranking = [...candidates].sort(compareCandidates);
  const best = ranking[0] as C;
  const runnerUp = ranking[1];
  const decidedBy = runnerUp === undefined ? 'only-route' : (decidingRule(best, runnerUp)?.rule.id ?? 'only-route');
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
    const rule = decided?.rule ?? (RULES[RULES.length - 1] as Rule);
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

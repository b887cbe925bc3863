/**
 * Conformance of timelines, not only of settled states: after each event, when each machine's best
 * route for a pod prefix took its final value, in podnet (its timeline, in simulated seconds
 * after the event) and in BIRD (the first of the polls, one a second, from which the route stayed
 * as it ended). Compared for the routes both changed, within a stated tolerance: a poll a second,
 * and BIRD's kernel scan every 2 s for routes it learns from the kernel (borrowed /32s). After a
 * repair (a link or a machine back), sessions come back at their next connect retry, which falls
 * anywhere within the retry time after the repair, in podnet and in BIRD alike: the tolerance
 * then grows by the retry time.
 */
import type { Simulation } from '../core/bgp/simulate.js';
import type { MachineView } from './views.js';
import { inPools } from './views.js';

/** How far apart podnet's and BIRD's moments of one change may be, in seconds. */
export const TIMING_TOLERANCE = 3;
/** What a repair adds: the connect retry time (Calico's 5 s), within which a session comes back. */
export const RETRY_TOLERANCE = 5;

/** Best routes by `machine prefix`, as text. */
export type BestRoutes = Map<string, string>;

export function bestRoutesOf(views: ReadonlyMap<string, MachineView>): BestRoutes {
  const routes: BestRoutes = new Map();
  for (const [machine, view] of views) for (const [prefix, best] of view.best) routes.set(`${machine} ${prefix}`, best);
  return routes;
}

/** Polls of one phase, each with the seconds since the event was applied. */
export class Watch {
  private readonly polls: { readonly at: number; readonly routes: BestRoutes }[] = [];
  private readonly started = Date.now();

  record(views: ReadonlyMap<string, MachineView>): void {
    this.polls.push({ at: (Date.now() - this.started) / 1000, routes: bestRoutesOf(views) });
  }

  /** For each route that ended other than `before`, the first poll from which it stayed as it ended. */
  changes(before: BestRoutes): Map<string, number> {
    const last = this.polls[this.polls.length - 1];
    const changed = new Map<string, number>();
    if (last === undefined) return changed;
    for (const key of new Set([...last.routes.keys(), ...before.keys()])) {
      const final = last.routes.get(key);
      if (final === before.get(key)) continue;
      let since = last.at;
      for (
        let i = this.polls.length - 1;
        i >= 0 && (this.polls[i] as { routes: BestRoutes }).routes.get(key) === final;
        i--
      )
        since = (this.polls[i] as { at: number }).at;
      changed.set(key, since);
    }
    return changed;
  }
}

/** When podnet's best routes took their final value after `from` (simulated seconds), for those that changed. */
export function predictedChanges(
  sim: Simulation,
  from: number,
  before: BestRoutes,
  after: BestRoutes,
): Map<string, number> {
  const changed = new Map<string, number>();
  for (const entry of sim.network.timeline) {
    if (entry.kind !== 'route' || entry.at < from || entry.prefix === undefined || !inPools(sim, entry.prefix))
      continue;
    const key = `${entry.speaker} ${entry.prefix}`;
    if (after.get(key) !== before.get(key)) changed.set(key, entry.at - from);
  }
  return changed;
}

export interface TimingResult {
  readonly agree: number;
  readonly total: number;
  readonly differences: string[];
}

/** The routes both changed, each agreeing when the two moments are within the tolerance. */
export function compareTiming(
  predicted: Map<string, number>,
  observed: Map<string, number>,
  tolerance = TIMING_TOLERANCE,
): TimingResult {
  const differences: string[] = [];
  let agree = 0;
  let total = 0;
  for (const [key, at] of [...predicted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const seen = observed.get(key);
    if (seen === undefined) continue;
    total++;
    if (Math.abs(seen - at) <= tolerance) agree++;
    else differences.push(`${key} changed: podnet after ${at.toFixed(1)}s; BIRD after ${seen.toFixed(1)}s`);
  }
  return { agree, total, differences };
}

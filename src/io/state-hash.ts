/**
 * A digest of everything routing decided in a simulation: each machine's Loc-RIB (every best
 * route's attributes, next-hop neighbours and deciding rule), every session's state, since and
 * error, the UPDATE/WITHDRAW counters, and every forwarding table as `ip route` prints it. Two
 * engines, or one engine before and after a speed-up, agree exactly when their digests agree;
 * golden digests in the tests make a change that moves a route fail CI.
 */
import { createHash } from 'node:crypto';
import type { Simulation } from '../core/bgp/simulate.js';
import { buildFib } from '../core/fib/index.js';
import { formatCidr } from '../core/net/index.js';
import { fibLine } from './format/bgp.js';

/** The facts the digest covers, one line each, in a fixed order (useful to see what differs). */
export function stateLines(sim: Simulation): string[] {
  const lines: string[] = [];
  const { network } = sim;
  for (const speaker of sim.peering.speakers) {
    lines.push(`machine ${speaker.name} ${sim.underlay.isUp(speaker.name) ? 'up' : 'down'}`);
    const routes = [...network.locRib(speaker.index)].map(([prefixId, entry]) => {
      const attrs = entry.attrs < 0 ? 'local' : JSON.stringify(network.attributes.get(entry.attrs));
      return `route ${speaker.name} ${formatCidr(network.prefixes.cidr(prefixId))} ${entry.source} ${attrs} via ${entry.via.join(',')} by ${entry.decidedBy}`;
    });
    lines.push(...routes.sort());
    for (const entry of buildFib(sim, speaker.name)?.entries ?? []) lines.push(`fib ${speaker.name} ${fibLine(entry)}`);
  }
  network.sessions.forEach((status, i) => {
    lines.push(`session ${i} ${status.state} since ${status.since} ${status.error}`);
  });
  const { updates, withdraws, lastRouteChange } = network.counters;
  lines.push(`counters ${updates} ${withdraws} ${lastRouteChange}`);
  return lines;
}

export function stateHash(sim: Simulation): string {
  const hash = createHash('sha256');
  for (const line of stateLines(sim)) hash.update(`${line}\n`);
  return hash.digest('hex').slice(0, 16);
}

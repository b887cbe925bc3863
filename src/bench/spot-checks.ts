/**
 * Spot checks of a generated reflector design's routing state, so that the benchmark's speed
 * figures are of right answers: a client holds every other node's block through the node that
 * owns it, and a stopped reflector's clients keep their routes through their other reflector.
 */

import { peerName } from '../core/bgp/peering.js';
import type { Simulation } from '../core/bgp/simulate.js';
import { buildFib } from '../core/fib/index.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { Query } from '../core/query/index.js';
import { Rng } from '../core/sim/rng.js';

export interface SpotCheck {
  readonly check: string;
  readonly checked: number;
  /** The first few problems, and how many there were. */
  readonly problems: readonly string[];
  readonly problemCount: number;
}

const SHOWN = 5;

function result(check: string, checked: number, problems: readonly string[]): SpotCheck {
  return { check, checked, problems: problems.slice(0, SHOWN), problemCount: problems.length };
}

/** Worker nodes (not reflectors), in name order. */
function clients(sim: Simulation): string[] {
  return sim.topology.nodes.filter((node) => node.routeReflectorClusterID === undefined).map((node) => node.name);
}

/** A client picked with the seed. */
export function pickClient(sim: Simulation, seed: number, among: readonly string[] = clients(sim)): string {
  return among[Math.floor(new Rng(seed).next() * among.length)] as string;
}

/** The client's FIB sends every other running node's block to the owning node, and only there. */
export function blocksViaOwners(sim: Simulation, client: string): SpotCheck {
  const fib = buildFib(sim, client);
  const addresses = new Map(sim.topology.nodes.map((node) => [node.name, node.ip]));
  const problems: string[] = [];
  let checked = 0;
  for (const pool of sim.topology.pools) {
    for (const block of sim.cluster.ipam.poolBlocks(pool)) {
      const owner = addresses.get(block.affinity);
      // A stopped node's block (a reflector's tunnel address has one) is rightly withdrawn.
      if (block.affinity === client || !sim.network.isUp(sim.peering.byName.get(block.affinity) ?? -1)) continue;
      checked++;
      const entry = fib?.lookup(block.cidr.base);
      const hops = entry?.nextHops.map((hop) => hop.via) ?? [];
      if (entry?.kind !== 'bgp' || entry.prefix.len !== block.cidr.len || hops.length !== 1 || hops[0] !== owner) {
        problems.push(
          `${formatCidr(block.cidr)} of ${block.affinity}: ${entry === undefined ? 'no route' : `${entry.kind} ${formatCidr(entry.prefix)} via ${hops.map(formatIpv4).join(',') || '-'}`}`,
        );
      }
    }
  }
  return result(`${client} reaches every running node's block via its owner`, checked, problems);
}

/** A client of the stopped reflector learns every route it holds from a reflector still up. */
export function routesAvoid(sim: Simulation, client: string, stopped: string): SpotCheck {
  const network = sim.network;
  const index = new Query(sim).index(client);
  const problems: string[] = [];
  let checked = 0;
  for (const [prefixId, entry] of network.locRib(index)) {
    if (entry.source !== 'bgp') continue;
    checked++;
    const remotes = entry.via.map((via) => network.neighbor(via).remote);
    const peers = entry.via.map((via) => peerName(sim.peering, network.neighbor(via)) ?? '?');
    if (peers.includes(stopped) || remotes.some((remote) => remote < 0 || !network.isUp(remote))) {
      problems.push(`${network.prefixes.text(prefixId)} via ${peers.join(',')}`);
    }
  }
  return result(`${client} holds no route through the stopped ${stopped}`, checked, problems);
}

/** Clients with a session to a machine, in name order. */
export function clientsOf(sim: Simulation, reflector: string): string[] {
  const query = new Query(sim);
  const index = query.index(reflector);
  return clients(sim).filter((name) => query.peers(name).some((peer) => peer.neighbor.remote === index));
}

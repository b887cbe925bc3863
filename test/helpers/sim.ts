/** Shipped topologies, simulated: the scenario tests' builder. */
import { type Simulation, simulate, type WorldOp } from '../../src/core/bgp/simulate.js';
import { buildFib } from '../../src/core/fib/index.js';
import { formatCidr, formatIpv4 } from '../../src/core/net/index.js';
import type { Topology } from '../../src/core/topology/model.js';
import { ipRoute } from '../../src/io/format/bgp.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from './cli.js';

export function lab(file: string): Topology {
  const loaded = loadTopology(repoPath('topologies', file), nodeFileSystem);
  if (!loaded.ok) throw new Error(`${file}: ${loaded.problems.map((p) => p.message).join('; ')}`);
  return loaded.topology;
}

export function run(topology: Topology, until: number, journal: WorldOp[] = []): Simulation {
  return simulate(topology, journal, { until, timeline: true });
}

/** A machine's best routes as `prefix -> text` (next hop, AS path, originator, cluster list). */
export function bestRoutes(
  sim: Simulation,
  machine: string,
): Map<string, { nextHop: string; asPath: string; originator?: string; clusterList: string; source: string }> {
  const index = sim.peering.byName.get(machine) as number;
  const result = new Map<
    string,
    { nextHop: string; asPath: string; originator?: string; clusterList: string; source: string }
  >();
  for (const [prefix, entry] of sim.network.locRib(index)) {
    const attrs = entry.attrs >= 0 ? sim.network.attributes.get(entry.attrs) : undefined;
    result.set(sim.network.prefixes.text(prefix), {
      source: entry.source,
      nextHop: attrs ? formatIpv4(attrs.nextHop) : 'local',
      asPath: attrs ? attrs.asPath.join(' ') : '',
      ...(attrs?.originatorId !== undefined ? { originator: formatIpv4(attrs.originatorId) } : {}),
      clusterList: attrs ? attrs.clusterList.map(formatIpv4).join(' ') : '',
    });
  }
  return result;
}

export function ipRouteOf(sim: Simulation, machine: string): string {
  const fib = buildFib(sim, machine);
  if (fib === undefined) throw new Error(`no FIB for ${machine}`);
  return ipRoute(fib);
}

export function blocksOf(sim: Simulation, node: string): string[] {
  return sim.cluster.ipam.blocksOf(node).map((b) => formatCidr(b.cidr));
}

export function sessionState(sim: Simulation, machine: string, peerAddress: string): { state: string; error: string } {
  const index = sim.peering.byName.get(machine) as number;
  const neighbor = sim.network
    .neighborsOfSpeaker(index)
    .map((i) => sim.network.neighbor(i))
    .find((n) => formatIpv4(n.remoteAddress) === peerAddress);
  if (neighbor === undefined) throw new Error(`${machine} has no neighbour ${peerAddress}`);
  const status = sim.network.sessions[neighbor.session];
  return { state: status?.state ?? 'none', error: status?.error ?? '' };
}

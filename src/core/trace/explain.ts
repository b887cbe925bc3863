/**
 * Why a hop went where it went, in the words a trace shows: where a forwarding entry came from
 * (which BGP peer, which rule chose it, or which Calico component programmed it), and why a
 * blackhole matched. The tracer calls these once per entry and remembers the text.
 */
import { peerName } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import type { FibEntry } from '../fib/index.js';
import { formatCidr, formatIpv4, type Ipv4 } from '../net/index.js';

/** Where a forwarding entry came from. */
export function routeOrigin(sim: Simulation, machine: string, entry: FibEntry): string {
  if (entry.route === undefined) {
    const kinds: Record<string, string> = {
      connected: 'connected subnet',
      default: 'default route',
      static: 'static route',
      'local-pod': `local pod ${entry.note ?? ''} (CNI)`,
      vxlan: 'programmed by Felix from IPAM (VXLAN does not use BGP)',
      blackhole: `blackhole for ${entry.note ?? 'a'} block`,
    };
    return kinds[entry.kind] ?? entry.kind;
  }
  const { entry: loc } = entry.route;
  if (loc.source !== 'bgp') return `static blackhole for ${machine}'s own block (BIRD static1)`;
  const index = sim.peering.byName.get(machine);
  if (index === undefined) throw new Error(`route origin asked for unknown machine ${machine}`);
  const best = sim.network.candidates(index, entry.route.prefixId).find((c) => c.neighborIndex === loc.via[0]);
  const neighbor = sim.network.neighbor(loc.via[0] as number);
  const peer = peerName(sim.peering, neighbor) ?? formatIpv4(neighbor.remoteAddress);
  const attrs = best?.attrs;
  const parts = [
    `BGP from ${peer} (${neighbor.name})`,
    attrs?.originatorId !== undefined ? `originator ${formatIpv4(attrs.originatorId)}` : undefined,
    attrs !== undefined ? `AS path ${attrs.asPath.length === 0 ? '(empty)' : attrs.asPath.join(' ')}` : undefined,
    `best by ${loc.decidedBy === 'only-route' ? 'only route' : loc.decidedBy}`,
    loc.via.length > 1 ? `ECMP over ${loc.via.length} paths` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(', ');
}

/** Why a blackhole matched a destination: no pod has it, a borrowed /32 is missing, or the pod is gone. */
export function whyBlackholed(sim: Simulation, machine: string, entry: FibEntry, dst: Ipv4): string {
  const block = formatCidr(entry.prefix);
  const allocation = sim.cluster.ipam.lookup(dst);
  if (allocation === undefined) return `blackhole ${block} (${machine}'s block) matched: no pod has ${formatIpv4(dst)}`;
  if (allocation.node !== machine) {
    return `blackhole ${block} (${machine}'s block) matched: ${formatIpv4(dst)} is borrowed by ${allocation.node} for ${allocation.owner}, but ${machine} has no /32 route for it`;
  }
  return `blackhole ${block} matched: ${formatIpv4(dst)} belongs to ${allocation.owner}, which has no interface on ${machine}`;
}

/** A forwarding entry as ip route prints it (ECMP next hops joined by " | "). */
export function routeText(entry: FibEntry): string {
  const prefix = entry.kind === 'default' ? 'default' : formatCidr(entry.prefix);
  if (entry.kind === 'blackhole') return `blackhole ${prefix}`;
  if (entry.nextHops.length === 0) return `${prefix} dev ${entry.dev ?? 'eth0'}`;
  return entry.nextHops
    .map((h) => `${prefix} via ${formatIpv4(h.via)} dev ${h.dev}${h.onlink ? ' onlink' : ''}`)
    .join(' | ');
}

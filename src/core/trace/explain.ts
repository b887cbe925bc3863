/**
 * Why a hop went where it went, as facts a trace step carries: where a forwarding entry came
 * from (which BGP peer and which rule chose it, or which Calico component programmed it), how
 * `ip route` shows it, and why a blackhole matched. io/format/trace-words.ts says them in words.
 */
import { peerName } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import type { FibEntry } from '../fib/index.js';
import { formatIpv4, type Ipv4 } from '../net/index.js';
import type { BlackholeReason, RouteOrigin, RouteShown } from './types.js';

/** Where a forwarding entry came from. */
export function routeOrigin(sim: Simulation, machine: string, entry: FibEntry): RouteOrigin {
  if (entry.route === undefined) {
    switch (entry.kind) {
      case 'connected':
      case 'default':
      case 'static':
      case 'vxlan':
        return { kind: entry.kind };
      case 'local-pod':
        return { kind: 'local-pod', pod: entry.note ?? '' };
      case 'blackhole':
        return entry.note === undefined ? { kind: 'block-blackhole' } : { kind: 'block-blackhole', owner: entry.note };
      default:
        return { kind: 'other' };
    }
  }
  const { entry: loc } = entry.route;
  if (loc.source !== 'bgp') return { kind: 'own-block', machine };
  const index = sim.peering.byName.get(machine);
  if (index === undefined) throw new Error(`route origin asked for unknown machine ${machine}`);
  const best = sim.network.candidates(index, entry.route.prefixId).find((c) => c.neighborIndex === loc.via[0]);
  const neighbor = sim.network.neighbor(loc.via[0] as number);
  const attrs = best?.attrs;
  return {
    kind: 'bgp',
    peer: peerName(sim.peering, neighbor) ?? formatIpv4(neighbor.remoteAddress),
    protocol: neighbor.name,
    ...(attrs?.originatorId !== undefined ? { originator: attrs.originatorId } : {}),
    ...(attrs !== undefined ? { asPath: attrs.asPath } : {}),
    decidedBy: loc.decidedBy,
    paths: loc.paths,
  };
}

/** Why a blackhole matched a destination: no pod has it, a borrowed /32 is missing, or the pod is elsewhere. */
export function whyBlackholed(sim: Simulation, machine: string, entry: FibEntry, dst: Ipv4): BlackholeReason {
  const block = entry.prefix;
  const allocation = sim.cluster.ipam.lookup(dst);
  if (allocation === undefined) return { kind: 'no-pod', block, machine, dst };
  if (allocation.node !== machine) {
    return { kind: 'borrowed', block, machine, dst, borrower: allocation.node, owner: allocation.owner };
  }
  return { kind: 'no-interface', block, machine, dst, owner: allocation.owner };
}

/** Why an unreachable route matched: the next hop of the best route BIRD could not resolve. */
export function unresolvable(sim: Simulation, machine: string, entry: FibEntry): BlackholeReason {
  const attrs = entry.route === undefined ? undefined : sim.network.attributes.get(entry.route.entry.attrs);
  return { kind: 'unresolvable', prefix: entry.prefix, machine, nextHop: attrs?.nextHop ?? 0 };
}

/** A forwarding entry as a step shows it. */
export function routeShown(entry: FibEntry): RouteShown {
  const prefix = entry.kind === 'default' ? 'default' : entry.prefix;
  if (entry.kind === 'blackhole' || entry.kind === 'unreachable') return { prefix, kind: entry.kind, nextHops: [] };
  if (entry.nextHops.length === 0) return { prefix, kind: 'device', dev: entry.dev ?? 'eth0', nextHops: [] };
  return {
    prefix,
    kind: 'via',
    nextHops: entry.nextHops.map((h) => ({ via: h.via, dev: h.dev, onlink: h.onlink === true })),
  };
}

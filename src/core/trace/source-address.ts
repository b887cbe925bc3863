/**
 * The source address a machine's own traffic leaves with, as the kernel picks it for the route:
 * a node's tunnel address (tunl0's, or vxlan.calico's) when the route to the destination goes
 * out a tunnel, which is why calico-node takes those addresses from the pool. Felix's policy
 * therefore sees another node's traffic to a pod from that address, never the node's own.
 */
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import type { Fib } from '../fib/index.js';
import type { Ipv4 } from '../net/index.js';
import type { Flow } from './types.js';

/** A flow from a node's own stack (a node's process, a hostNetwork pod), with the source the kernel picks. */
export function withSourceAddress(
  sim: Simulation,
  fib: (machine: string) => Fib | undefined,
  flow: Flow,
  sourcePod: PodRecord | undefined,
): Flow {
  if (flow.loopback || flow.reply) return flow;
  const machine = flow.srcMachine ?? (sourcePod?.spec.hostNetwork ? sourcePod.nodeName : undefined);
  if (machine === undefined) return flow;
  const record = sim.cluster.nodeRecord(machine);
  const dev = fib(machine)?.lookup(flow.dst)?.nextHops[0]?.dev;
  const tunnel = dev === 'tunl0' ? record?.ipipTunnel : dev === 'vxlan.calico' ? record?.vxlanTunnel : undefined;
  return tunnel === undefined ? flow : { ...flow, src: tunnel.ip };
}

/** Every node's tunnel addresses, with the node: its own, so replies to them are delivered to it. */
export function tunnelAddresses(sim: Simulation): [Ipv4, string][] {
  return sim.cluster
    .nodes()
    .flatMap(({ node, ipipTunnel, vxlanTunnel }) =>
      [ipipTunnel, vxlanTunnel].flatMap((t): [Ipv4, string][] => (t === undefined ? [] : [[t.ip, node.name]])),
    );
}

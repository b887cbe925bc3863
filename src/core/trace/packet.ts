/** A packet in flight as the tracer carries it, and where it stands on the machine that holds it. */
import type { PodRecord } from '../cluster/index.js';
import type { Ipv4 } from '../net/index.js';
import type { Hop, RouteShown, Step } from './types.js';

export const INITIAL_TTL = 64;
/** A pod's only route, as the Calico CNI plugin sets it. */
export const POD_DEFAULT_ROUTE: RouteShown = {
  prefix: 'default',
  kind: 'via',
  nextHops: [{ via: 0xa9fe0101, dev: 'eth0', onlink: false }],
};

/**
 * Where a packet is on a machine: the hops behind it, this hop's steps, the machines it left.
 * `hops` and `steps` are undefined when the walk keeps dispositions only (nothing is explained).
 */
export interface Path {
  readonly hops: readonly Hop[] | undefined;
  readonly steps: Step[] | undefined;
  /** Each (machine, destination) the packet was forwarded from, as `machine index * 2^32 + dst`. */
  readonly crumbs: readonly number[];
  /** The machine's own packet, not received from anywhere: its traffic to local pods is not policed. */
  readonly own: boolean;
  /** The packet has just come out of a pod's veth on this node (natOutgoing applies here). */
  readonly sourceNode: boolean;
  /** That pod, whose egress policy is still to run (after kube-proxy's DNAT). */
  readonly egress?: PodRecord;
}

export interface Packet {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl: number;
  readonly outer?: { readonly src: Ipv4; readonly dst: Ipv4; readonly ttl: number; readonly encap: 'IPIP' | 'VXLAN' };
}

/** The RECEIVED step, and the DECAPSULATED one for a tunnelled packet: the packet that goes on. */
export function received(iface: string, packet: Packet, steps: Step[] | undefined): Packet {
  steps?.push({
    kind: 'RECEIVED',
    iface,
    packet: packet.outer
      ? { src: packet.outer.src, dst: packet.outer.dst, encap: packet.outer.encap }
      : { src: packet.src, dst: packet.dst },
  });
  if (packet.outer === undefined) return packet;
  const { encap } = packet.outer;
  steps?.push({ kind: 'DECAPSULATED', encap });
  return { src: packet.src, dst: packet.dst, ttl: packet.ttl };
}

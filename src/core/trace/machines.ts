/**
 * The machines a trace crosses, as the walker asks about them: who owns an address (a node's, a
 * router's, a node's tunnel address or VTEP), a machine's own address, which interface faces a
 * neighbour, and whether two machines can hand each other a frame. Invariant: the network is
 * frozen for the tracer, so the address maps are read once, in the cluster's node order (the first
 * node that claims a VTEP owns it).
 */
import type { Speaker } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import { cidrContains, type Ipv4 } from '../net/index.js';
import type { Reach } from '../topology/underlay.js';
import { tunnelAddresses } from './source-address.js';

export class Machines {
  private readonly owners = new Map<Ipv4, string>();
  private readonly vteps = new Map<Ipv4, string>();
  /** The underlay's answers by source machine, then destination address. */
  private readonly reaches = new Map<string, Map<Ipv4, Reach>>();

  constructor(private readonly sim: Simulation) {
    for (const speaker of sim.peering.speakers) for (const ip of speaker.addresses) this.owners.set(ip, speaker.name);
    for (const [ip, node] of tunnelAddresses(sim)) this.owners.set(ip, node);
    for (const record of sim.cluster.nodes())
      for (const ip of [record.vxlanTunnel?.ip, record.node.ip])
        if (ip !== undefined && !this.vteps.has(ip)) this.vteps.set(ip, record.node.name);
  }

  /** The machine an address belongs to, if any does. */
  ownerOf(ip: Ipv4): string | undefined {
    return this.owners.get(ip);
  }

  /** The node behind a VXLAN next hop (its VTEP address, or its own address). */
  vtepOwner(vtep: Ipv4): string | undefined {
    return this.vteps.get(vtep);
  }

  /** The machine's place among the speakers: a number that names it in a loop check. */
  indexOf(machine: string): number {
    return this.sim.peering.byName.get(machine) ?? -1;
  }

  speaker(machine: string): Speaker {
    const speaker = this.sim.peering.speakers[this.indexOf(machine)];
    if (speaker === undefined) throw new Error(`tracer asked for unknown machine ${machine}`);
    return speaker;
  }

  /** A machine's own address (a node's IP, a router's ID). */
  addressOf(machine: string): Ipv4 {
    return this.speaker(machine).routerId;
  }

  /** How the underlay carries a tunnelled packet from a machine to an address, found once per pair. */
  reach(from: string, to: Ipv4): Reach {
    let fromHere = this.reaches.get(from);
    if (fromHere === undefined) {
      fromHere = new Map();
      this.reaches.set(from, fromHere);
    }
    let reach = fromHere.get(to);
    if (reach === undefined) {
      reach = this.sim.underlay.reach(from, to);
      fromHere.set(to, reach);
    }
    return reach;
  }

  /** Whether `a` can hand `b` a frame: `b` runs, their link is up, and they share a segment. */
  adjacent(a: string, b: string): boolean {
    const underlay = this.sim.underlay;
    return underlay.isUp(b) && underlay.linkUp(a, b) && this.sharesSegment(a, b);
  }

  private sharesSegment(a: string, b: string): boolean {
    const segments = (name: string): string[] =>
      this.speaker(name).addresses.map((ip) => this.sim.underlay.segmentOf(ip) ?? '');
    const mine = segments(a);
    return segments(b).some((segment) => mine.includes(segment));
  }

  /** The interface of `machine` on the subnet `other` is on: a router's, or a node's eth0. */
  interfaceFacing(machine: string, other: string): string {
    const router = this.speaker(machine).router;
    if (router === undefined) return 'eth0';
    const others = this.speaker(other).addresses;
    const iface = router.interfaces.find((i) => others.some((ip) => cidrContains(i.subnet, ip)));
    return iface?.name ?? router.interfaces[0]?.name ?? 'eth0';
  }
}

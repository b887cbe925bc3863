/**
 * trace: a packet's path through the frozen forwarding state, hop by hop.
 *
 * Models Calico's data plane: a pod's only route `default via 169.254.1.1` answered by proxy ARP
 * on its cali veth; the host's longest-prefix match; delivery over a local cali interface; IPIP
 * (outer node to node, protocol 4) and VXLAN (UDP 4789, VNI 4096) encapsulation and
 * decapsulation; routers forwarding by their own FIBs (so unencapsulated pod traffic dies at a
 * router that never learned pod routes); natOutgoing masquerade on the source node; TTL
 * decremented at every routed hop; intra-pod traffic over loopback with no FIB at all.
 * Invariants: reads the simulation, never changes it; ECMP branches are followed in address
 * order; a (machine, destination) pair seen twice is a LOOP. Leaves out: network policy,
 * Services and kube-proxy, MTU and fragmentation, ICMP.
 */
import type { Speaker } from '../bgp/peering.js';
import { BGP_PORT } from '../bgp/session.js';
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import type { PodStatus } from '../cluster/lifecycle.js';
import { buildFib, type Fib, type FibEntry, type NextHop } from '../fib/index.js';
import { cidrContains, formatCidr, formatIpv4, type Ipv4 } from '../net/index.js';
import { routeOrigin, routeText, whyBlackholed } from './explain.js';
import type { Disposition, Flow, Hop, Step, Trace } from './types.js';

export * from './types.js';

const INITIAL_TTL = 64;
const IPIP_MTU = 1480;
const VXLAN_PORT = 4789;
const VXLAN_VNI = 4096;
/** What a host listens on by itself: sshd, BIRD, the kubelet, and the API server on control planes. */
const HOST_PORTS: Readonly<Record<number, string>> = { 22: 'sshd', 10250: 'kubelet' };

interface Packet {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl: number;
  readonly outer?: { readonly src: Ipv4; readonly dst: Ipv4; readonly ttl: number; readonly encap: 'IPIP' | 'VXLAN' };
}

export class Tracer {
  private readonly fibs: Map<string, Fib | undefined>;
  private readonly owners = new Map<Ipv4, string>();
  /** The network is frozen at `now`: a pod's status and a route's text and explanation are computed once. */
  private readonly statuses = new Map<PodRecord, PodStatus>();
  private readonly origins = new Map<FibEntry, string>();
  private readonly routeTexts = new Map<FibEntry, string>();

  /** `fibs`: forwarding tables already built for this simulation; the rest are built on first use. */
  constructor(
    readonly sim: Simulation,
    readonly now: number,
    fibs: ReadonlyMap<string, Fib | undefined> = new Map(),
  ) {
    this.fibs = new Map(fibs);
    for (const speaker of sim.peering.speakers) for (const ip of speaker.addresses) this.owners.set(ip, speaker.name);
  }

  fib(machine: string): Fib | undefined {
    if (!this.fibs.has(machine)) this.fibs.set(machine, buildFib(this.sim, machine));
    return this.fibs.get(machine);
  }

  trace(flow: Flow): Trace[] {
    const pod = this.podNamed(flow.srcPod);
    if (pod === undefined) throw new Error(`tracer given unknown pod ${flow.srcPod}`);
    const origin: Step = {
      kind: 'ORIGINATED',
      detail: `${flow.protocol} ${formatIpv4(flow.src)} -> ${flow.loopback ? 'localhost' : formatIpv4(flow.dst)}:${flow.port}${flow.srcContainer ? ` from container ${flow.srcContainer}` : ''}`,
    };
    if (flow.loopback || flow.dst === flow.src) {
      const steps: Step[] = [
        origin,
        {
          kind: 'LOOPBACK',
          detail: `${flow.loopback ? 'localhost' : "the pod's own address"} stays in the pod's network namespace (lo): no route lookup, no veth`,
        },
      ];
      return [this.finish(flow, [], this.deliverToPod(pod, flow, steps, INITIAL_TTL))];
    }
    const node = pod.nodeName as string;
    const podHop: Hop = {
      node: podLabel(pod),
      ttl: INITIAL_TTL,
      steps: [
        origin,
        {
          kind: 'FIB_LOOKUP',
          route: 'default via 169.254.1.1 dev eth0',
          detail: "the pod's only route (set by the Calico CNI plugin)",
        },
        {
          kind: 'TRANSMITTED',
          iface: 'eth0',
          detail: `ARP for 169.254.1.1 answered by ${pod.vethName} on ${node} (proxy ARP, ee:ee:ee:ee:ee:ee)`,
        },
      ],
    };
    return this.arrive(
      flow,
      node,
      pod.vethName,
      { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL },
      [podHop],
      new Set(),
      true,
    );
  }

  private finish(flow: Flow, hops: readonly Hop[], last: { hop: Hop; disposition: Disposition }): Trace {
    return { flow, hops: [...hops, last.hop], disposition: last.disposition };
  }

  private podNamed(key: string): PodRecord | undefined {
    const [namespace, name] = key.split('/') as [string, string];
    return this.sim.cluster.pod(namespace, name);
  }

  /** A packet arrives at a machine: decapsulate, decrement TTL, look up, and send it on. */
  private arrive(
    flow: Flow,
    machine: string,
    iface: string,
    packet: Packet,
    hops: readonly Hop[],
    crumbs: ReadonlySet<number>,
    sourceNode = false,
  ): Trace[] {
    const steps: Step[] = [];
    const current = received(iface, packet, steps);
    const ttl = current.ttl - 1;
    const end = (disposition: Disposition): Trace[] => [
      { flow, hops: [...hops, { node: machine, ttl, steps }], disposition },
    ];
    if (ttl <= 0) return end({ kind: 'TTL_EXCEEDED', at: machine, detail: `TTL reached 0 at ${machine}` });
    // Which machine forwarded to which destination: the speaker's index above the address.
    const crumb = (this.sim.peering.byName.get(machine) ?? -1) * 2 ** 32 + current.dst;
    if (crumbs.has(crumb))
      return end({
        kind: 'LOOP',
        at: machine,
        detail: `${machine} already forwarded a packet to ${formatIpv4(current.dst)}: routing loop`,
      });
    if (this.owners.get(current.dst) === machine)
      return [this.finish(flow, hops, this.deliverToHost(machine, flow, steps, ttl))];
    const entry = this.fib(machine)?.lookup(current.dst);
    if (entry === undefined)
      return end({ kind: 'NO_ROUTE', at: machine, detail: `${machine} has no route to ${formatIpv4(current.dst)}` });
    steps.push(this.lookupStep(machine, entry));
    const next: Packet = { ...current, ttl };
    const nextCrumbs = new Set(crumbs).add(crumb);
    switch (entry.kind) {
      case 'local-pod': {
        steps.push({ kind: 'TRANSMITTED', iface: entry.dev ?? 'cali', detail: `to pod ${entry.note}` });
        const pod = this.sim.cluster.podByIp(current.dst);
        if (pod === undefined)
          return end({ kind: 'NULL_ROUTED', at: machine, detail: `no pod holds ${formatIpv4(current.dst)} any more` });
        return [
          this.finish(
            flow,
            [...hops, { node: machine, ttl, steps }],
            this.deliverToPod(pod, flow, [{ kind: 'RECEIVED', iface: 'eth0', detail: `from ${entry.dev}` }], ttl),
          ),
        ];
      }
      case 'blackhole':
        return end({ kind: 'NULL_ROUTED', at: machine, detail: whyBlackholed(this.sim, machine, entry, current.dst) });
      case 'connected': {
        const owner = this.owners.get(current.dst);
        if (owner === undefined)
          return end({
            kind: 'NEIGHBOR_UNREACHABLE',
            at: machine,
            detail: `nothing on ${formatCidr(entry.prefix)} answers ARP for ${formatIpv4(current.dst)}`,
          });
        return this.transmit(
          flow,
          machine,
          { via: current.dst, dev: entry.dev ?? 'eth0', onlink: false },
          next,
          hops,
          steps,
          nextCrumbs,
          sourceNode,
          entry,
        );
      }
      default: {
        const branches = [...entry.nextHops].sort((a, b) => a.via - b.via);
        return branches.flatMap((hop) =>
          this.transmit(flow, machine, hop, next, hops, [...steps], nextCrumbs, sourceNode, entry),
        );
      }
    }
  }

  /** The FIB_LOOKUP step for an entry, its texts made once per entry and remembered. */
  private lookupStep(machine: string, entry: FibEntry): Step {
    let origin = this.origins.get(entry);
    if (origin === undefined) {
      origin = routeOrigin(this.sim, machine, entry);
      this.origins.set(entry, origin);
    }
    let route = this.routeTexts.get(entry);
    if (route === undefined) {
      route = routeText(entry);
      this.routeTexts.set(entry, route);
    }
    return { kind: 'FIB_LOOKUP', route, detail: origin };
  }

  private transmit(
    flow: Flow,
    machine: string,
    hop: NextHop,
    packet: Packet,
    hops: readonly Hop[],
    steps: Step[],
    crumbs: ReadonlySet<number>,
    sourceNode: boolean,
    entry: FibEntry,
  ): Trace[] {
    const end = (disposition: Disposition): Trace[] => [
      { flow, hops: [...hops, { node: machine, ttl: packet.ttl, steps }], disposition },
    ];
    let current = packet;
    if (sourceNode && this.masquerades(current)) {
      const nodeIp = this.addressOf(machine);
      steps.push({
        kind: 'NAT',
        from: current.src,
        to: nodeIp,
        detail: `natOutgoing: MASQUERADE ${formatIpv4(current.src)} -> ${formatIpv4(nodeIp)} (destination outside every Calico pool)`,
      });
      current = { ...current, src: nodeIp };
    }
    if (hop.dev === 'tunl0' || hop.dev === 'vxlan.calico')
      return this.encapsulate(flow, machine, hop, current, hops, steps, crumbs, hop.dev === 'tunl0' ? 'ipip' : 'vxlan');
    const neighbor = this.owners.get(hop.via);
    if (neighbor === undefined) {
      if (entry.kind === 'default') {
        steps.push({
          kind: 'TRANSMITTED',
          iface: hop.dev,
          detail: `to the gateway ${formatIpv4(hop.via)}, outside the simulated network`,
        });
        return end({
          kind: 'EXITS_NETWORK',
          at: machine,
          detail: `left through ${formatIpv4(hop.via)} with source ${formatIpv4(current.src)}`,
        });
      }
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        detail: `no machine has the next hop ${formatIpv4(hop.via)}`,
      });
    }
    if (!this.adjacent(machine, neighbor))
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        detail: `next hop ${neighbor} (${formatIpv4(hop.via)}) is down or not reachable on the segment`,
      });
    steps.push({ kind: 'TRANSMITTED', iface: hop.dev, detail: `to ${neighbor} (${formatIpv4(hop.via)})` });
    return this.arrive(
      flow,
      neighbor,
      this.interfaceFacing(neighbor, machine),
      current,
      [...hops, { node: machine, ttl: current.ttl, steps }],
      crumbs,
    );
  }

  private encapsulate(
    flow: Flow,
    machine: string,
    hop: NextHop,
    packet: Packet,
    hops: readonly Hop[],
    steps: Step[],
    crumbs: ReadonlySet<number>,
    encap: 'ipip' | 'vxlan',
  ): Trace[] {
    const self = this.addressOf(machine);
    const target = encap === 'vxlan' ? this.vtepOwner(hop.via) : this.owners.get(hop.via);
    const end = (disposition: Disposition): Trace[] => [
      { flow, hops: [...hops, { node: machine, ttl: packet.ttl, steps }], disposition },
    ];
    if (target === undefined)
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        detail: `no node owns the tunnel endpoint ${formatIpv4(hop.via)}`,
      });
    const targetIp = this.addressOf(target);
    const kind = encap === 'ipip' ? 'IPIP' : 'VXLAN';
    steps.push({
      kind: 'ENCAPSULATED',
      encap: kind,
      outerSrc: self,
      outerDst: targetIp,
      detail:
        kind === 'IPIP'
          ? `outer ${formatIpv4(self)} -> ${formatIpv4(targetIp)}, IP protocol 4, tunl0 MTU ${IPIP_MTU}`
          : `outer ${formatIpv4(self)} -> ${formatIpv4(targetIp)}, UDP ${VXLAN_PORT}, VNI ${VXLAN_VNI}, to VTEP ${formatIpv4(hop.via)}`,
    });
    const reach = this.sim.underlay.reach(machine, targetIp);
    if (!reach.ok)
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        detail: `outer destination ${formatIpv4(targetIp)}: ${reach.reason}`,
      });
    steps.push({ kind: 'TRANSMITTED', iface: 'eth0', detail: `outer packet to ${reach.path[1] ?? target}` });
    const outer = { src: self, dst: targetIp, ttl: INITIAL_TTL, encap: kind } as const;
    const routed: Hop[] = [...hops, { node: machine, ttl: packet.ttl, steps }];
    const routers = reach.path.slice(1, -1);
    routers.forEach((router, i) => {
      routed.push({
        node: router,
        ttl: outer.ttl - 1 - i,
        steps: [
          {
            kind: 'RECEIVED',
            iface: this.interfaceFacing(router, reach.path[i] as string),
            detail: `${kind} packet ${formatIpv4(outer.src)} -> ${formatIpv4(outer.dst)}`,
          },
          {
            kind: 'FORWARDED',
            detail: `underlay route to ${formatIpv4(outer.dst)}; the inner pod packet is not looked at`,
          },
          {
            kind: 'TRANSMITTED',
            iface: this.interfaceFacing(router, reach.path[i + 2] as string),
            detail: `to ${reach.path[i + 2]}`,
          },
        ],
      });
    });
    const last = reach.path[reach.path.length - 2] as string;
    return this.arrive(
      flow,
      target,
      this.interfaceFacing(target, last),
      { ...packet, outer: { ...outer, ttl: outer.ttl - routers.length } },
      routed,
      crumbs,
    );
  }

  private speakerNamed(machine: string): Speaker {
    const speaker = this.sim.peering.speakers[this.sim.peering.byName.get(machine) ?? -1];
    if (speaker === undefined) throw new Error(`tracer asked for unknown machine ${machine}`);
    return speaker;
  }

  /** A machine's own address (a node's IP, a router's ID). */
  private addressOf(machine: string): Ipv4 {
    return this.speakerNamed(machine).routerId;
  }

  private masquerades(packet: Packet): boolean {
    const pools = this.sim.topology.pools;
    const srcPool = pools.find((pool) => cidrContains(pool.cidr, packet.src));
    return srcPool?.natOutgoing === true && !pools.some((pool) => cidrContains(pool.cidr, packet.dst));
  }

  private vtepOwner(vtep: Ipv4): string | undefined {
    return this.sim.cluster.nodes().find((record) => record.vxlanTunnel?.ip === vtep || record.node.ip === vtep)?.node
      .name;
  }

  private adjacent(a: string, b: string): boolean {
    const underlay = this.sim.underlay;
    return underlay.isUp(b) && underlay.linkUp(a, b) && this.sharesSegment(a, b);
  }

  private sharesSegment(a: string, b: string): boolean {
    const segments = (name: string): string[] => {
      return this.speakerNamed(name).addresses.map((ip) => this.sim.underlay.segmentOf(ip) ?? '');
    };
    const mine = segments(a);
    return segments(b).some((segment) => mine.includes(segment));
  }

  private interfaceFacing(machine: string, other: string): string {
    const router = this.speakerNamed(machine).router;
    if (router === undefined) return 'eth0';
    const others = this.speakerNamed(other).addresses;
    const iface = router.interfaces.find((i) => others.some((ip) => cidrContains(i.subnet, ip)));
    return iface?.name ?? router.interfaces[0]?.name ?? 'eth0';
  }

  private deliverToPod(pod: PodRecord, flow: Flow, steps: Step[], ttl: number): { hop: Hop; disposition: Disposition } {
    let status = this.statuses.get(pod);
    if (status === undefined) {
      status = this.sim.cluster.statusAt(pod, this.now);
      this.statuses.set(pod, status);
    }
    const label = podLabel(pod);
    if (flow.reply === true) {
      steps.push({ kind: 'DELIVERED', detail: `to the connection's socket in ${label} (a reply needs no listener)` });
      return {
        hop: { node: label, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: label, detail: `reply reached ${label}` },
      };
    }
    const holder = status.containers.find((c) => c.listening.includes(flow.port));
    const losers = status.containers.filter((c) => c.bindConflict?.port === flow.port).map((c) => c.name);
    const lost =
      losers.length > 0
        ? `; ${losers.join(', ')} declared ${flow.port} too and lost the bind (address already in use)`
        : '';
    if (holder !== undefined && flow.protocol === 'TCP') {
      steps.push({ kind: 'DELIVERED', detail: `to container ${holder.name}, listening on ${flow.port}/TCP` });
      return {
        hop: { node: label, ttl, steps },
        disposition: {
          kind: 'ACCEPTED',
          at: label,
          detail: `${holder.name} accepted ${flow.port}/${flow.protocol}${lost}`,
        },
      };
    }
    const listening = status.containers.flatMap((c) => c.listening.map((p) => `${c.name} ${p}/TCP`));
    const detail = `nothing listens on ${flow.port}/${flow.protocol} in ${label}${listening.length > 0 ? ` (listening: ${listening.join(', ')})` : ` (pod is ${status.display})`}${lost}`;
    return { hop: { node: label, ttl, steps }, disposition: { kind: 'CONNECTION_REFUSED', at: label, detail } };
  }

  private deliverToHost(
    machine: string,
    flow: Flow,
    steps: Step[],
    ttl: number,
  ): { hop: Hop; disposition: Disposition } {
    const speaker = this.speakerNamed(machine);
    const bgpPort = speaker.kind === 'node' ? this.sim.topology.bgp.listenPort : BGP_PORT;
    const ports: Record<number, string> = {
      ...HOST_PORTS,
      [bgpPort]: 'bird (BGP)',
      ...(speaker.node?.role === 'control-plane' ? { 6443: 'kube-apiserver' } : {}),
    };
    const service = ports[flow.port];
    if (service !== undefined && flow.protocol === 'TCP') {
      steps.push({ kind: 'DELIVERED', detail: `to ${service} on the host` });
      return {
        hop: { node: machine, ttl, steps },
        disposition: { kind: 'ACCEPTED', at: machine, detail: `${service} on ${machine} accepted ${flow.port}/TCP` },
      };
    }
    return {
      hop: { node: machine, ttl, steps },
      disposition: {
        kind: 'CONNECTION_REFUSED',
        at: machine,
        detail: `nothing listens on ${flow.port}/${flow.protocol} on ${machine}`,
      },
    };
  }
}

function podLabel(pod: PodRecord): string {
  return `${pod.spec.namespace}/${pod.spec.name}`;
}

/** The RECEIVED step, and the DECAPSULATED one for a tunnelled packet: the packet that goes on. */
function received(iface: string, packet: Packet, steps: Step[]): Packet {
  steps.push({
    kind: 'RECEIVED',
    iface,
    detail: packet.outer
      ? `${packet.outer.encap} packet ${formatIpv4(packet.outer.src)} -> ${formatIpv4(packet.outer.dst)}`
      : `${formatIpv4(packet.src)} -> ${formatIpv4(packet.dst)}`,
  });
  if (packet.outer === undefined) return packet;
  const { encap } = packet.outer;
  steps.push({
    kind: 'DECAPSULATED',
    encap,
    detail:
      encap === 'IPIP'
        ? 'on tunl0: inner packet continues'
        : `on vxlan.calico (VNI ${VXLAN_VNI}): inner packet continues`,
  });
  return { src: packet.src, dst: packet.dst, ttl: packet.ttl };
}

/**
 * trace: a packet's path through the frozen forwarding state, hop by hop.
 *
 * Models Calico's data plane: a pod's only route `default via 169.254.1.1` answered by proxy ARP
 * on its cali veth; the host's longest-prefix match; delivery over a local cali interface; IPIP
 * (outer node to node, protocol 4) and VXLAN (UDP 4789, VNI 4096) encapsulation and
 * decapsulation; routers forwarding by their own FIBs (so unencapsulated pod traffic dies at a
 * router that never learned pod routes); natOutgoing masquerade on the source node; TTL
 * decremented at every routed hop; intra-pod traffic over loopback with no FIB at all; kube-proxy's
 * Service translation on the node where a packet meets a Service, one branch per endpoint
 * (kube-proxy.ts); a name's lookup before the connection (dns.ts); flows from a node or router.
 * Invariants: reads the simulation, never changes it; ECMP and endpoint branches are followed in
 * order; a (machine, destination) pair seen twice is a LOOP; a flow meets at most one Service.
 * Felix's policy at the two workload endpoints (policy-steps.ts). Leaves out: MTU and
 * fragmentation, ICMP.
 */
import type { Speaker } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import { type Endpoint, endpointsOf } from '../cluster/endpoints.js';
import type { PodRecord } from '../cluster/index.js';
import { buildFib, type Fib, type FibEntry, type NextHop } from '../fib/index.js';
import { cidrContains, formatIpv4, type Ipv4 } from '../net/index.js';
import { PolicyEngine } from '../policy/index.js';
import { Deliveries, podLabel } from './delivery.js';
import { queried } from './dns.js';
import { routeOrigin, routeShown, unresolvable, whyBlackholed } from './explain.js';
import { dnatStep, masqueradeWhy, type ServiceHit, serviceHit, usableEndpoints } from './kube-proxy.js';
import { INITIAL_TTL, type Packet, type Path, POD_DEFAULT_ROUTE, received } from './packet.js';
import { policed } from './policy-steps.js';
import { tunnelAddresses, withSourceAddress } from './source-address.js';
import type { Disposition, Flow, Hop, RouteOrigin, RouteShown, Step, Trace } from './types.js';

export * from './types.js';

export class Tracer {
  private readonly fibs: Map<string, Fib | undefined>;
  private readonly owners = new Map<Ipv4, string>();
  /** The network is frozen at `now`: a pod's status and a route's text and explanation are computed once. */
  private readonly deliveries: Deliveries;
  private readonly serviceEndpoints = new Map<string, readonly Endpoint[]>();
  private readonly origins = new Map<FibEntry, RouteOrigin>();
  private readonly routeTexts = new Map<FibEntry, RouteShown>();
  private policy?: PolicyEngine;

  /** `fibs`: forwarding tables already built for this simulation; the rest are built on first use. */
  constructor(
    readonly sim: Simulation,
    readonly now: number,
    fibs: ReadonlyMap<string, Fib | undefined> = new Map(),
  ) {
    this.fibs = new Map(fibs);
    this.deliveries = new Deliveries(sim, now);
    for (const speaker of sim.peering.speakers) for (const ip of speaker.addresses) this.owners.set(ip, speaker.name);
    for (const [ip, node] of tunnelAddresses(sim)) this.owners.set(ip, node);
  }

  fib(machine: string): Fib | undefined {
    if (!this.fibs.has(machine)) this.fibs.set(machine, buildFib(this.sim, machine));
    return this.fibs.get(machine);
  }

  trace(given: Flow): Trace[] {
    const pod = given.srcMachine === undefined ? this.podNamed(given.srcPod) : undefined;
    const flow = withSourceAddress(this.sim, (machine) => this.fib(machine), given, pod);
    if (flow.srcMachine !== undefined) return this.fromMachine(flow, flow.srcMachine);
    if (pod === undefined) throw new Error(`tracer given unknown pod ${flow.srcPod}`);
    // The resolver's answer comes before any packet of the connection.
    const resolved =
      flow.lookup === undefined
        ? undefined
        : queried(this.sim, this.now, pod, flow.lookup, (query) => this.trace(query));
    const lookup: Step[] = resolved === undefined ? [] : [{ kind: 'DNS_LOOKUP', lookup: resolved }];
    if (resolved !== undefined && (resolved.answer === undefined || resolved.unanswered !== undefined)) {
      const hop: Hop = { node: podLabel(pod), ttl: INITIAL_TTL, steps: lookup };
      const at = podLabel(pod);
      const disposition: Disposition =
        resolved.unanswered !== undefined
          ? { kind: 'DNS_UNANSWERED', at, name: resolved.name, why: resolved.unanswered }
          : { kind: 'NXDOMAIN', at, name: resolved.name };
      return [{ flow, hops: [hop], disposition }];
    }
    const origin: Step = {
      kind: 'ORIGINATED',
      protocol: flow.protocol,
      src: flow.src,
      dst: flow.loopback ? 'localhost' : flow.dst,
      port: flow.port,
      ...(flow.srcContainer ? { container: flow.srcContainer } : {}),
    };
    if (flow.loopback || flow.dst === flow.src) {
      const steps: Step[] = [...lookup, origin, { kind: 'LOOPBACK', localhost: flow.loopback }];
      return [this.finish(flow, [], this.deliveries.toPod(pod, flow, steps, INITIAL_TTL))];
    }
    const node = pod.nodeName as string;
    if (pod.spec.hostNetwork) {
      // The pod is its node's network stack: the packet starts on the node, with the node's address.
      const packet: Packet = { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL };
      return this.forward(flow, node, packet, INITIAL_TTL, {
        hops: [],
        steps: [...lookup, origin],
        crumbs: new Set(),
        sourceNode: false,
      });
    }
    const podHop: Hop = {
      node: podLabel(pod),
      ttl: INITIAL_TTL,
      steps: [
        ...lookup,
        origin,
        { kind: 'FIB_LOOKUP', route: POD_DEFAULT_ROUTE, origin: { kind: 'pod-default' } },
        { kind: 'TRANSMITTED', iface: 'eth0', to: { kind: 'proxy-arp', veth: pod.vethName, node } },
      ],
    };
    return this.arrive(
      flow,
      node,
      pod.vethName,
      { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL },
      [podHop],
      new Set(),
      pod,
    );
  }

  /** A flow a machine sends itself (a router outside the cluster, a node's own process). */
  private fromMachine(flow: Flow, machine: string): Trace[] {
    const origin: Step = { kind: 'ORIGINATED', protocol: flow.protocol, src: flow.src, dst: flow.dst, port: flow.port };
    const packet: Packet = { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL };
    return this.forward(flow, machine, packet, INITIAL_TTL, {
      hops: [],
      steps: [origin],
      crumbs: new Set(),
      sourceNode: false,
    });
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
    source?: PodRecord,
  ): Trace[] {
    const steps: Step[] = [];
    const current = received(iface, packet, steps);
    return this.forward(flow, machine, current, current.ttl - 1, {
      hops,
      steps,
      crumbs,
      sourceNode: source !== undefined,
      ...(source !== undefined ? { egress: source } : {}),
    });
  }

  /** A packet a machine holds, received or its own: TTL, delivery to the machine, or its FIB. */
  private forward(flow: Flow, machine: string, current: Packet, ttl: number, path: Path): Trace[] {
    const { hops, steps, crumbs, sourceNode } = path;
    const end = (disposition: Disposition): Trace[] => [
      { flow, hops: [...hops, { node: machine, ttl, steps }], disposition },
    ];
    if (ttl <= 0) return end({ kind: 'TTL_EXCEEDED', at: machine });
    const hit = this.serviceHitOn(machine, flow, current);
    if (hit !== undefined) return this.throughService(flow, machine, current, ttl, path, hit);
    const deniedOut = path.egress && policed(this.policies(), path.egress, 'egress', flow, current, machine, steps);
    if (deniedOut) return end(deniedOut);
    // Which machine forwarded to which destination: the speaker's index above the address.
    const crumb = (this.sim.peering.byName.get(machine) ?? -1) * 2 ** 32 + current.dst;
    if (crumbs.has(crumb)) return end({ kind: 'LOOP', at: machine, dst: current.dst });
    if (this.owners.get(current.dst) === machine) return this.toMachine(flow, machine, current, ttl, path);
    const entry = this.fib(machine)?.lookup(current.dst);
    if (entry === undefined) return end({ kind: 'NO_ROUTE', at: machine, dst: current.dst });
    steps.push(this.lookupStep(machine, entry));
    const next: Packet = { ...current, ttl };
    const nextCrumbs = new Set(crumbs).add(crumb);
    switch (entry.kind) {
      case 'local-pod': {
        const pod = this.sim.cluster.podByIp(current.dst);
        // A machine's own traffic to its local pods is not policed.
        const deniedIn =
          pod && hops.length > 0 && policed(this.policies(), pod, 'ingress', flow, current, machine, steps);
        if (deniedIn) return end(deniedIn);
        steps.push({ kind: 'TRANSMITTED', iface: entry.dev ?? 'cali', to: { kind: 'to-pod', pod: entry.note ?? '' } });
        if (pod === undefined)
          return end({ kind: 'NULL_ROUTED', at: machine, why: { kind: 'pod-gone', dst: current.dst } });
        return [
          this.finish(
            flow,
            [...hops, { node: machine, ttl, steps }],
            this.deliveries.toPod(pod, flow, [{ kind: 'RECEIVED', iface: 'eth0', from: entry.dev ?? 'cali' }], ttl),
          ),
        ];
      }
      case 'blackhole':
        return end({ kind: 'NULL_ROUTED', at: machine, why: whyBlackholed(this.sim, machine, entry, current.dst) });
      case 'unreachable':
        return end({ kind: 'NULL_ROUTED', at: machine, why: unresolvable(this.sim, machine, entry) });
      case 'connected': {
        const owner = this.owners.get(current.dst);
        if (owner === undefined)
          return end({
            kind: 'NEIGHBOR_UNREACHABLE',
            at: machine,
            why: { kind: 'no-arp', subnet: entry.prefix, dst: current.dst },
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

  /** A packet for the machine's own address: its own service, or a pod behind a hostPort. */
  private toMachine(flow: Flow, machine: string, current: Packet, ttl: number, path: Path): Trace[] {
    const { hops, steps } = path;
    const mapped = this.deliveries.hostPortTarget(machine, flow);
    if (mapped === undefined) return [this.finish(flow, hops, this.deliveries.toHost(machine, flow, steps, ttl))];
    const { pod, containerPort } = mapped;
    const label = podLabel(pod);
    steps.push({ kind: 'HOST_PORT', hostPort: flow.port, to: pod.podIp as Ipv4, port: containerPort, pod: label });
    // Felix sees the packet after the portmap DNAT: the pod's address and its container port.
    const translated = { ...current, dst: pod.podIp as Ipv4 };
    const deniedIn =
      hops.length > 0 &&
      policed(this.policies(), pod, 'ingress', { ...flow, port: containerPort }, translated, machine, steps);
    if (deniedIn) return [{ flow, hops: [...hops, { node: machine, ttl, steps }], disposition: deniedIn }];
    steps.push({ kind: 'TRANSMITTED', iface: pod.vethName, to: { kind: 'to-pod', pod: label } });
    const received: Step[] = [{ kind: 'RECEIVED', iface: 'eth0', from: pod.vethName }];
    const delivered = this.deliveries.toPod(pod, { ...flow, port: containerPort }, received, ttl);
    return [this.finish(flow, [...hops, { node: machine, ttl, steps }], delivered)];
  }

  /** A hit's usable endpoints on a node: the network is frozen at `now`, so each port's are found once. */
  private endpointsFor(hit: ServiceHit, machine: string): ReturnType<typeof usableEndpoints> {
    const key = `${hit.record.spec.namespace}/${hit.record.spec.name}/${hit.portIndex}`;
    let all = this.serviceEndpoints.get(key);
    if (all === undefined) {
      all = endpointsOf(this.sim.cluster, hit.record, hit.portIndex, this.now);
      this.serviceEndpoints.set(key, all);
    }
    return usableEndpoints(all, hit, machine);
  }

  /** The Service a packet on a cluster node is for, if kube-proxy has not translated it yet. */
  private serviceHitOn(machine: string, flow: Flow, current: Packet): ServiceHit | undefined {
    if (flow.translated || flow.reply || this.speakerNamed(machine).kind !== 'node') return undefined;
    return serviceHit(this.sim.cluster, this.addressOf(machine), current.dst, flow.port, flow.protocol);
  }

  /** kube-proxy's rules on this node: one branch per endpoint, or REJECT / DROP when there is none. */
  private throughService(
    flow: Flow,
    machine: string,
    current: Packet,
    ttl: number,
    path: Path,
    hit: ServiceHit,
  ): Trace[] {
    const service = `${hit.record.spec.namespace}/${hit.record.spec.name}`;
    const { endpoints, local, elsewhere } = this.endpointsFor(hit, machine);
    if (endpoints.length === 0) {
      const disposition: Disposition = {
        kind: elsewhere ? 'DROPPED' : 'REJECTED',
        at: machine,
        service,
        port: flow.port,
      };
      return [{ flow, hops: [...path.hops, { node: machine, ttl, steps: path.steps }], disposition }];
    }
    const label = (e: Endpoint) => (e.pod !== undefined ? podLabel(e.pod) : (e.nodeName ?? formatIpv4(e.ip)));
    return endpoints.flatMap((endpoint, i) => {
      if (flow.endpoint !== undefined && label(endpoint) !== flow.endpoint) return [];
      const steps: Step[] = [
        ...path.steps,
        dnatStep(hit, flow.protocol, endpoint, i, endpoints.length, label(endpoint)),
      ];
      const fromOutside = !this.sim.topology.pools.some((pool) => cidrContains(pool.cidr, current.src));
      const masquerade = masqueradeWhy(hit, local, fromOutside, current.src === endpoint.ip);
      const src = masquerade === undefined ? current.src : this.addressOf(machine);
      if (masquerade !== undefined) steps.push({ kind: 'MASQUERADE', from: current.src, to: src, why: masquerade });
      const next: Flow = { ...flow, dst: endpoint.ip, port: endpoint.port, translated: true };
      // Each branch is still the flow the client opened; the translation is in its steps.
      return this.forward(next, machine, { ...current, src, dst: endpoint.ip }, ttl, { ...path, steps }).map(
        (trace) => ({ ...trace, flow }),
      );
    });
  }

  /** Felix's policy over the frozen cluster, made on first use and shared by every trace. */
  policies(): PolicyEngine {
    this.policy ??= new PolicyEngine(this.sim.cluster);
    return this.policy;
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
      route = routeShown(entry);
      this.routeTexts.set(entry, route);
    }
    return { kind: 'FIB_LOOKUP', route, origin };
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
      steps.push({ kind: 'NAT', from: current.src, to: nodeIp });
      current = { ...current, src: nodeIp };
    }
    if (hop.dev === 'tunl0' || hop.dev === 'vxlan.calico')
      return this.encapsulate(flow, machine, hop, current, hops, steps, crumbs, hop.dev === 'tunl0' ? 'ipip' : 'vxlan');
    const neighbor = this.owners.get(hop.via);
    if (neighbor === undefined) {
      if (entry.kind === 'default') {
        steps.push({ kind: 'TRANSMITTED', iface: hop.dev, to: { kind: 'to-gateway', via: hop.via } });
        return end({ kind: 'EXITS_NETWORK', at: machine, via: hop.via, src: current.src });
      }
      return end({ kind: 'NEIGHBOR_UNREACHABLE', at: machine, why: { kind: 'unknown-next-hop', via: hop.via } });
    }
    if (!this.adjacent(machine, neighbor))
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        why: { kind: 'next-hop-down', machine: neighbor, via: hop.via },
      });
    steps.push({ kind: 'TRANSMITTED', iface: hop.dev, to: { kind: 'to-machine', machine: neighbor, via: hop.via } });
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
      return end({ kind: 'NEIGHBOR_UNREACHABLE', at: machine, why: { kind: 'no-tunnel-endpoint', via: hop.via } });
    const targetIp = this.addressOf(target);
    const kind = encap === 'ipip' ? 'IPIP' : 'VXLAN';
    steps.push({
      kind: 'ENCAPSULATED',
      encap: kind,
      outerSrc: self,
      outerDst: targetIp,
      ...(kind === 'VXLAN' ? { vtep: hop.via } : {}),
    });
    const reach = this.sim.underlay.reach(machine, targetIp);
    if (!reach.ok)
      return end({
        kind: 'NEIGHBOR_UNREACHABLE',
        at: machine,
        why: { kind: 'outer-unreachable', dst: targetIp, reason: reach.reason },
      });
    steps.push({ kind: 'TRANSMITTED', iface: 'eth0', to: { kind: 'outer', to: reach.path[1] ?? target } });
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
            packet: { src: outer.src, dst: outer.dst, encap: kind },
          },
          { kind: 'FORWARDED', outerDst: outer.dst },
          {
            kind: 'TRANSMITTED',
            iface: this.interfaceFacing(router, reach.path[i + 2] as string),
            to: { kind: 'underlay', to: reach.path[i + 2] as string },
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
}

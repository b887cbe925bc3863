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
 * Felix's policy at the two workload endpoints (policy-steps.ts).
 * One walker serves two sinks: `trace` keeps every hop and step, `dispositions` keeps how each
 * branch ends and builds no explanation at all (reach matrices, diffs, checks, the bench).
 * Invariants: reads the simulation, never changes it; ECMP and endpoint branches are followed in
 * order; a (machine, destination) pair seen twice is a LOOP; a flow meets at most one Service;
 * both sinks walk the same branches to the same dispositions. Leaves out: MTU and fragmentation,
 * ICMP.
 */
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
import { Machines } from './machines.js';
import { INITIAL_TTL, type Packet, type Path, POD_DEFAULT_ROUTE, received } from './packet.js';
import { policed } from './policy-steps.js';
import { withSourceAddress } from './source-address.js';
import type { Disposition, Flow, Hop, RouteOrigin, RouteShown, Step, Trace } from './types.js';

export * from './types.js';

/** The hops of a walk that keeps dispositions only. */
const NO_HOPS: readonly Hop[] = Object.freeze([]);

/** The hops so far and this machine's, when the walk explains (`steps` is defined exactly then). */
function withHop(
  hops: readonly Hop[] | undefined,
  node: string,
  ttl: number,
  steps: Step[] | undefined,
): readonly Hop[] | undefined {
  return hops === undefined || steps === undefined ? undefined : [...hops, { node, ttl, steps }];
}

/** A branch that ends on `node` with `steps` as its last hop. */
function ended(
  flow: Flow,
  hops: readonly Hop[] | undefined,
  node: string,
  ttl: number,
  steps: Step[] | undefined,
  disposition: Disposition,
): Trace[] {
  return [{ flow, hops: withHop(hops, node, ttl, steps) ?? NO_HOPS, disposition }];
}

export class Tracer {
  private readonly fibs: Map<string, Fib | undefined>;
  private readonly machines: Machines;
  /** The network is frozen at `now`: a pod's status and a route's text and explanation are computed once. */
  private readonly deliveries: Deliveries;
  private readonly serviceEndpoints = new Map<string, readonly Endpoint[]>();
  private readonly origins = new Map<FibEntry, RouteOrigin>();
  private readonly routeTexts = new Map<FibEntry, RouteShown>();
  private policy?: PolicyEngine;
  private readonly fibOf = (machine: string): Fib | undefined => this.fib(machine);

  /** `fibs`: forwarding tables already built for this simulation; the rest are built on first use. */
  constructor(
    readonly sim: Simulation,
    readonly now: number,
    fibs: ReadonlyMap<string, Fib | undefined> = new Map(),
  ) {
    this.fibs = new Map(fibs);
    this.machines = new Machines(sim);
    this.deliveries = new Deliveries(sim, now, this.machines);
  }

  fib(machine: string): Fib | undefined {
    if (!this.fibs.has(machine)) this.fibs.set(machine, buildFib(this.sim, machine));
    return this.fibs.get(machine);
  }

  /** Every branch of the flow, hop by hop, every step explained. */
  trace(flow: Flow): Trace[] {
    return this.walk(flow, true);
  }

  /** How every branch of the flow ends, in `trace`'s order: the same walk with nothing explained. */
  dispositions(flow: Flow): Disposition[] {
    return this.walk(flow, false).map((branch) => branch.disposition);
  }

  private walk(given: Flow, explains: boolean): Trace[] {
    const pod = given.srcMachine === undefined ? this.sim.cluster.podByKey(given.srcPod) : undefined;
    const flow = withSourceAddress(this.sim, this.fibOf, given, pod);
    if (flow.srcMachine !== undefined) return this.fromMachine(flow, flow.srcMachine, explains);
    if (pod === undefined) throw new Error(`tracer given unknown pod ${flow.srcPod}`);
    // The resolver's answer comes before any packet of the connection; its query is always
    // explained, since the answer names the path the query took.
    const resolved =
      flow.lookup === undefined
        ? undefined
        : queried(this.sim, this.now, pod, flow.lookup, (query) => this.trace(query));
    const hops = explains ? NO_HOPS : undefined;
    const steps: Step[] | undefined = !explains
      ? undefined
      : resolved === undefined
        ? []
        : [{ kind: 'DNS_LOOKUP', lookup: resolved }];
    if (resolved !== undefined && (resolved.answer === undefined || resolved.unanswered !== undefined)) {
      const at = podLabel(pod);
      const disposition: Disposition =
        resolved.unanswered !== undefined
          ? { kind: 'DNS_UNANSWERED', at, name: resolved.name, why: resolved.unanswered }
          : { kind: 'NXDOMAIN', at, name: resolved.name };
      return ended(flow, hops, at, INITIAL_TTL, steps, disposition);
    }
    steps?.push({
      kind: 'ORIGINATED',
      protocol: flow.protocol,
      src: flow.src,
      dst: flow.loopback ? 'localhost' : flow.dst,
      port: flow.port,
      ...(flow.srcContainer ? { container: flow.srcContainer } : {}),
    });
    if (flow.loopback || flow.dst === flow.src) {
      steps?.push({ kind: 'LOOPBACK', localhost: flow.loopback });
      const { node, disposition } = this.deliveries.toPod(pod, flow, steps);
      return ended(flow, hops, node, INITIAL_TTL, steps, disposition);
    }
    const node = pod.nodeName as string;
    const packet: Packet = { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL };
    // A hostNetwork pod is its node's network stack: the packet starts on the node, with the node's address.
    if (pod.spec.hostNetwork)
      return this.forward(flow, node, packet, INITIAL_TTL, { hops, steps, crumbs: [], sourceNode: false, own: true });
    steps?.push(
      { kind: 'FIB_LOOKUP', route: POD_DEFAULT_ROUTE, origin: { kind: 'pod-default' } },
      { kind: 'TRANSMITTED', iface: 'eth0', to: { kind: 'proxy-arp', veth: pod.vethName, node } },
    );
    const podHops = hops && withHop(hops, this.deliveries.label(pod), INITIAL_TTL, steps);
    return this.arrive(flow, node, node, packet, podHops, [], pod);
  }

  /** A flow a machine sends itself (a router outside the cluster, a node's own process). */
  private fromMachine(flow: Flow, machine: string, explains: boolean): Trace[] {
    const origin: Step = { kind: 'ORIGINATED', protocol: flow.protocol, src: flow.src, dst: flow.dst, port: flow.port };
    const packet: Packet = { src: flow.src, dst: flow.dst, ttl: INITIAL_TTL };
    return this.forward(flow, machine, packet, INITIAL_TTL, {
      hops: explains ? NO_HOPS : undefined,
      steps: explains ? [origin] : undefined,
      crumbs: [],
      sourceNode: false,
      own: true,
    });
  }

  /**
   * A packet arrives at a machine from another (`from`), or from the `source` pod's veth:
   * decapsulate, decrement TTL, look up, and send it on.
   */
  private arrive(
    flow: Flow,
    machine: string,
    from: string,
    packet: Packet,
    hops: readonly Hop[] | undefined,
    crumbs: readonly number[],
    source?: PodRecord,
  ): Trace[] {
    const steps: Step[] | undefined = hops === undefined ? undefined : [];
    // Interface names (a veth's is a hash) are made only for a step that shows them.
    const iface =
      steps === undefined ? '' : source !== undefined ? source.vethName : this.machines.interfaceFacing(machine, from);
    const current = received(iface, packet, steps);
    return this.forward(flow, machine, current, current.ttl - 1, {
      hops,
      steps,
      crumbs,
      sourceNode: source !== undefined,
      own: false,
      ...(source !== undefined ? { egress: source } : {}),
    });
  }

  /** A packet a machine holds, received or its own: TTL, delivery to the machine, or its FIB. */
  private forward(flow: Flow, machine: string, current: Packet, ttl: number, path: Path): Trace[] {
    const { hops, steps, crumbs } = path;
    if (ttl <= 0) return ended(flow, hops, machine, ttl, steps, { kind: 'TTL_EXCEEDED', at: machine });
    const hit = this.serviceHitOn(machine, flow, current);
    if (hit !== undefined) return this.throughService(flow, machine, current, ttl, path, hit);
    const deniedOut = path.egress && policed(this.policies(), path.egress, 'egress', flow, current, machine, steps);
    if (deniedOut) return ended(flow, hops, machine, ttl, steps, deniedOut);
    // Which machine forwarded to which destination: the speaker's index above the address.
    const crumb = this.machines.indexOf(machine) * 2 ** 32 + current.dst;
    if (crumbs.includes(crumb))
      return ended(flow, hops, machine, ttl, steps, { kind: 'LOOP', at: machine, dst: current.dst });
    if (this.machines.ownerOf(current.dst) === machine) return this.toMachine(flow, machine, current, ttl, path);
    const entry = this.fib(machine)?.lookup(current.dst);
    if (entry === undefined)
      return ended(flow, hops, machine, ttl, steps, { kind: 'NO_ROUTE', at: machine, dst: current.dst });
    steps?.push(this.lookupStep(machine, entry));
    const next: Packet = { ...current, ttl };
    const onward: Path = { ...path, crumbs: [...crumbs, crumb] };
    switch (entry.kind) {
      case 'local-pod':
        return this.toLocalPod(flow, machine, current, ttl, path, entry);
      case 'blackhole': {
        const why = whyBlackholed(this.sim, machine, entry, current.dst);
        return ended(flow, hops, machine, ttl, steps, { kind: 'NULL_ROUTED', at: machine, why });
      }
      case 'unreachable': {
        const why = unresolvable(this.sim, machine, entry);
        return ended(flow, hops, machine, ttl, steps, { kind: 'NULL_ROUTED', at: machine, why });
      }
      case 'connected': {
        if (this.machines.ownerOf(current.dst) === undefined) {
          const why = { kind: 'no-arp', subnet: entry.prefix, dst: current.dst } as const;
          return ended(flow, hops, machine, ttl, steps, { kind: 'NEIGHBOR_UNREACHABLE', at: machine, why });
        }
        const hop: NextHop = { via: current.dst, dev: entry.dev ?? 'eth0', onlink: false };
        return this.transmit(flow, machine, hop, next, onward, entry);
      }
      default: {
        const branches = [...entry.nextHops].sort((a, b) => a.via - b.via);
        return branches.flatMap((hop) =>
          this.transmit(flow, machine, hop, next, { ...onward, steps: steps && [...steps] }, entry),
        );
      }
    }
  }

  /** A packet for a pod on this machine: its ingress policy, then the pod's veth. */
  private toLocalPod(flow: Flow, machine: string, current: Packet, ttl: number, path: Path, entry: FibEntry): Trace[] {
    const { hops, steps } = path;
    const pod = this.deliveries.podAt(current.dst);
    // A machine's own traffic to its local pods is not policed.
    const deniedIn = pod && !path.own && policed(this.policies(), pod, 'ingress', flow, current, machine, steps);
    if (deniedIn) return ended(flow, hops, machine, ttl, steps, deniedIn);
    steps?.push({ kind: 'TRANSMITTED', iface: entry.dev ?? 'cali', to: { kind: 'to-pod', pod: entry.note ?? '' } });
    if (pod === undefined) {
      const why = { kind: 'pod-gone', dst: current.dst } as const;
      return ended(flow, hops, machine, ttl, steps, { kind: 'NULL_ROUTED', at: machine, why });
    }
    const podSteps: Step[] | undefined = steps && [{ kind: 'RECEIVED', iface: 'eth0', from: entry.dev ?? 'cali' }];
    const { node, disposition } = this.deliveries.toPod(pod, flow, podSteps);
    return ended(flow, withHop(hops, machine, ttl, steps), node, ttl, podSteps, disposition);
  }

  /** A packet for the machine's own address: its own service, or a pod behind a hostPort. */
  private toMachine(flow: Flow, machine: string, current: Packet, ttl: number, path: Path): Trace[] {
    const { hops, steps } = path;
    const mapped = this.deliveries.hostPortTarget(machine, flow);
    if (mapped === undefined) {
      const host = this.deliveries.toHost(machine, flow, steps);
      return ended(flow, hops, host.node, ttl, steps, host.disposition);
    }
    const { pod, containerPort } = mapped;
    steps?.push({
      kind: 'HOST_PORT',
      hostPort: flow.port,
      to: pod.podIp as Ipv4,
      port: containerPort,
      pod: podLabel(pod),
    });
    // Felix sees the packet after the portmap DNAT: the pod's address and its container port.
    const translated = { ...current, dst: pod.podIp as Ipv4 };
    const deniedIn =
      !path.own &&
      policed(this.policies(), pod, 'ingress', { ...flow, port: containerPort }, translated, machine, steps);
    if (deniedIn) return ended(flow, hops, machine, ttl, steps, deniedIn);
    steps?.push({ kind: 'TRANSMITTED', iface: pod.vethName, to: { kind: 'to-pod', pod: podLabel(pod) } });
    const podSteps: Step[] | undefined = steps && [{ kind: 'RECEIVED', iface: 'eth0', from: pod.vethName }];
    const { node, disposition } = this.deliveries.toPod(pod, { ...flow, port: containerPort }, podSteps);
    return ended(flow, withHop(hops, machine, ttl, steps), node, ttl, podSteps, disposition);
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
    if (flow.translated || flow.reply || this.machines.speaker(machine).kind !== 'node') return undefined;
    return serviceHit(this.sim.cluster, this.machines.addressOf(machine), current.dst, flow.port, flow.protocol);
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
      const kind = elsewhere ? 'DROPPED' : 'REJECTED';
      return ended(flow, path.hops, machine, ttl, path.steps, { kind, at: machine, service, port: flow.port });
    }
    const label = (e: Endpoint) => (e.pod !== undefined ? podLabel(e.pod) : (e.nodeName ?? formatIpv4(e.ip)));
    const fromOutside = !this.sim.topology.pools.some((pool) => cidrContains(pool.cidr, current.src));
    return endpoints.flatMap((endpoint, i) => {
      if (flow.endpoint !== undefined && label(endpoint) !== flow.endpoint) return [];
      const steps = path.steps && [
        ...path.steps,
        dnatStep(hit, flow.protocol, endpoint, i, endpoints.length, label(endpoint)),
      ];
      const masquerade = masqueradeWhy(hit, local, fromOutside, current.src === endpoint.ip);
      const src = masquerade === undefined ? current.src : this.machines.addressOf(machine);
      if (masquerade !== undefined) steps?.push({ kind: 'MASQUERADE', from: current.src, to: src, why: masquerade });
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

  /** A packet sent out one next hop: masqueraded if it leaves the pools, tunnelled, or handed to a neighbour. */
  private transmit(flow: Flow, machine: string, hop: NextHop, packet: Packet, path: Path, entry: FibEntry): Trace[] {
    const { hops, steps } = path;
    let current = packet;
    if (path.sourceNode && this.masquerades(current)) {
      const nodeIp = this.machines.addressOf(machine);
      steps?.push({ kind: 'NAT', from: current.src, to: nodeIp });
      current = { ...current, src: nodeIp };
    }
    if (hop.dev === 'tunl0' || hop.dev === 'vxlan.calico')
      return this.encapsulate(flow, machine, hop, current, path, hop.dev === 'tunl0' ? 'IPIP' : 'VXLAN');
    const neighbor = this.machines.ownerOf(hop.via);
    if (neighbor === undefined) {
      if (entry.kind === 'default') {
        steps?.push({ kind: 'TRANSMITTED', iface: hop.dev, to: { kind: 'to-gateway', via: hop.via } });
        const disposition: Disposition = { kind: 'EXITS_NETWORK', at: machine, via: hop.via, src: current.src };
        return ended(flow, hops, machine, current.ttl, steps, disposition);
      }
      const why = { kind: 'unknown-next-hop', via: hop.via } as const;
      return ended(flow, hops, machine, current.ttl, steps, { kind: 'NEIGHBOR_UNREACHABLE', at: machine, why });
    }
    if (!this.machines.adjacent(machine, neighbor)) {
      const why = { kind: 'next-hop-down', machine: neighbor, via: hop.via } as const;
      return ended(flow, hops, machine, current.ttl, steps, { kind: 'NEIGHBOR_UNREACHABLE', at: machine, why });
    }
    steps?.push({ kind: 'TRANSMITTED', iface: hop.dev, to: { kind: 'to-machine', machine: neighbor, via: hop.via } });
    return this.arrive(flow, neighbor, machine, current, withHop(hops, machine, current.ttl, steps), path.crumbs);
  }

  /** A packet wrapped for the tunnel to the node behind `hop`, carried over the underlay to it. */
  private encapsulate(
    flow: Flow,
    machine: string,
    hop: NextHop,
    packet: Packet,
    path: Path,
    encap: 'IPIP' | 'VXLAN',
  ): Trace[] {
    const { hops, steps } = path;
    const target = encap === 'VXLAN' ? this.machines.vtepOwner(hop.via) : this.machines.ownerOf(hop.via);
    if (target === undefined) {
      const why = { kind: 'no-tunnel-endpoint', via: hop.via } as const;
      return ended(flow, hops, machine, packet.ttl, steps, { kind: 'NEIGHBOR_UNREACHABLE', at: machine, why });
    }
    const self = this.machines.addressOf(machine);
    const targetIp = this.machines.addressOf(target);
    steps?.push({
      kind: 'ENCAPSULATED',
      encap,
      outerSrc: self,
      outerDst: targetIp,
      ...(encap === 'VXLAN' ? { vtep: hop.via } : {}),
    });
    const reach = this.machines.reach(machine, targetIp);
    if (!reach.ok) {
      const why = { kind: 'outer-unreachable', dst: targetIp, reason: reach.reason } as const;
      return ended(flow, hops, machine, packet.ttl, steps, { kind: 'NEIGHBOR_UNREACHABLE', at: machine, why });
    }
    steps?.push({ kind: 'TRANSMITTED', iface: 'eth0', to: { kind: 'outer', to: reach.path[1] ?? target } });
    const outer = { src: self, dst: targetIp, ttl: INITIAL_TTL, encap } as const;
    const routers = reach.path.length - 2;
    const routed = withHop(hops, machine, packet.ttl, steps);
    // The optional call skips its arguments too: no underlay hops are made for a walk that explains nothing.
    const carried = routed?.concat(
      reach.path.slice(1, -1).map((router, i) => this.underlayHop(router, i, reach.path, outer)),
    );
    const last = reach.path[routers] as string;
    const arriving = { ...packet, outer: { ...outer, ttl: outer.ttl - routers } };
    return this.arrive(flow, target, last, arriving, carried, path.crumbs);
  }

  /** The hop of a router on the underlay path that forwards a tunnelled packet by its outer header. */
  private underlayHop(
    router: string,
    i: number,
    path: readonly string[],
    outer: { readonly src: Ipv4; readonly dst: Ipv4; readonly ttl: number; readonly encap: 'IPIP' | 'VXLAN' },
  ): Hop {
    return {
      node: router,
      ttl: outer.ttl - 1 - i,
      steps: [
        {
          kind: 'RECEIVED',
          iface: this.machines.interfaceFacing(router, path[i] as string),
          packet: { src: outer.src, dst: outer.dst, encap: outer.encap },
        },
        { kind: 'FORWARDED', outerDst: outer.dst },
        {
          kind: 'TRANSMITTED',
          iface: this.machines.interfaceFacing(router, path[i + 2] as string),
          to: { kind: 'underlay', to: path[i + 2] as string },
        },
      ],
    };
  }

  private masquerades(packet: Packet): boolean {
    const pools = this.sim.topology.pools;
    const srcPool = pools.find((pool) => cidrContains(pool.cidr, packet.src));
    return srcPool?.natOutgoing === true && !pools.some((pool) => cidrContains(pool.cidr, packet.dst));
  }
}

/**
 * The underlay: which machines (nodes and routers) can exchange packets on their own addresses.
 *
 * Machines attach to layer-2 segments through their interfaces. Two machines on one segment talk
 * directly; otherwise a node sends to its gateway and routers forward between the segments they
 * attach to (podnet assumes the underlay's own routing is complete, as an IGP would make it).
 * A failed machine neither sends nor forwards; a failed link cuts the two machines it joins.
 * Leaves out: ARP timing, MTU, and asymmetric underlay routing.
 */
import { UndirectedGraph } from 'graphology';
import { cidrContains, type Ipv4 } from '../net/index.js';
import type { Topology } from './model.js';

interface Attachment {
  readonly machine: string;
  readonly ip: Ipv4;
  readonly segment: string;
}

export type Reach =
  | { readonly ok: true; readonly path: readonly string[] }
  | { readonly ok: false; readonly reason: 'No route to host' | 'Network is unreachable'; readonly at: string };

function linkKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

export class Underlay {
  private readonly graph = new UndirectedGraph();
  private readonly owners = new Map<Ipv4, Attachment>();
  private readonly routers = new Set<string>();
  private readonly gateways = new Map<string, Ipv4>();
  private readonly segmentCidrs: { name: string; test: (ip: Ipv4) => boolean }[] = [];
  private readonly down = new Set<string>();
  private readonly cutLinks = new Set<string>();

  constructor(topology: Topology) {
    for (const segment of topology.segments) {
      this.graph.addNode(`s:${segment.name}`);
      this.segmentCidrs.push({ name: segment.name, test: (ip) => cidrContains(segment.cidr, ip) });
    }
    for (const node of topology.nodes) {
      this.attach({ machine: node.name, ip: node.ip, segment: node.segment });
      if (node.gateway !== undefined) this.gateways.set(node.name, node.gateway);
    }
    for (const router of topology.routers) {
      this.routers.add(router.name);
      for (const iface of router.interfaces)
        this.attach({ machine: router.name, ip: iface.ip, segment: iface.segment });
    }
  }

  private attach(attachment: Attachment): void {
    const machine = `m:${attachment.machine}`;
    if (!this.graph.hasNode(machine)) this.graph.addNode(machine);
    this.graph.mergeEdge(machine, `s:${attachment.segment}`);
    this.owners.set(attachment.ip, attachment);
  }

  setMachineUp(name: string, up: boolean): void {
    if (up) this.down.delete(name);
    else this.down.add(name);
  }

  setLinkUp(a: string, b: string, up: boolean): void {
    if (up) this.cutLinks.delete(linkKey(a, b));
    else this.cutLinks.add(linkKey(a, b));
  }

  isUp(name: string): boolean {
    return !this.down.has(name);
  }

  linkUp(a: string, b: string): boolean {
    return !this.cutLinks.has(linkKey(a, b));
  }

  segmentOf(ip: Ipv4): string | undefined {
    return this.owners.get(ip)?.segment ?? this.segmentCidrs.find((s) => s.test(ip))?.name;
  }

  private segmentsOf(machine: string): string[] {
    return this.graph.neighbors(`m:${machine}`).map((key) => key.slice(2));
  }

  /** Machines that can hand a packet to each other on a shared segment. */
  private adjacent(a: string, b: string): boolean {
    return this.isUp(a) && this.isUp(b) && this.linkUp(a, b);
  }

  /** Can `from` reach the machine owning `to`? The path lists the machines on the way. */
  reach(from: string, to: Ipv4): Reach {
    const target = this.owners.get(to);
    const targetSegment = this.segmentOf(to);
    if (!this.isUp(from)) return { ok: false, reason: 'Network is unreachable', at: from };
    const mySegments = this.segmentsOf(from);
    if (targetSegment !== undefined && mySegments.includes(targetSegment)) {
      if (target === undefined || !this.adjacent(from, target.machine))
        return { ok: false, reason: 'No route to host', at: from };
      return { ok: true, path: [from, target.machine] };
    }
    const firstHops = this.routers.has(from) ? [from] : this.gatewayOf(from);
    if (firstHops.length === 0) return { ok: false, reason: 'Network is unreachable', at: from };
    const path = this.routeThroughRouters(firstHops, targetSegment, target?.machine);
    if (path === undefined) return { ok: false, reason: 'No route to host', at: firstHops[0] ?? from };
    return { ok: true, path: path[0] === from ? path : [from, ...path] };
  }

  private gatewayOf(node: string): string[] {
    const gateway = this.gateways.get(node);
    const router = gateway === undefined ? undefined : this.owners.get(gateway)?.machine;
    return router !== undefined && this.adjacent(node, router) ? [router] : [];
  }

  /** Breadth-first through routers to a router on the target segment, then the target itself. */
  private routeThroughRouters(
    start: readonly string[],
    targetSegment: string | undefined,
    target: string | undefined,
  ): string[] | undefined {
    if (targetSegment === undefined) return undefined;
    const previous = new Map<string, string | null>(start.map((r) => [r, null]));
    const queue = [...start];
    for (let i = 0; i < queue.length; i++) {
      const router = queue[i] as string;
      if (!this.isUp(router)) continue;
      const segments = this.segmentsOf(router);
      if (segments.includes(targetSegment) && (target === undefined || this.adjacent(router, target))) {
        if (target === undefined) return undefined;
        const path = [target];
        for (let at: string | null | undefined = router; at; at = previous.get(at)) path.unshift(at);
        return path;
      }
      for (const segment of segments) {
        for (const key of this.graph.neighbors(`s:${segment}`) as string[]) {
          const next = key.slice(2);
          if (!this.routers.has(next) || previous.has(next) || !this.adjacent(router, next)) continue;
          previous.set(next, router);
          queue.push(next);
        }
      }
    }
    return undefined;
  }
}

/**
 * fib: forwarding tables, as `ip route` would show them on a Calico node or a router.
 *
 * A node's FIB holds its connected subnet and default route, a /32 per local pod on its cali
 * veth, a blackhole per affine block, and the BGP routes BIRD installs: remote blocks `via` the
 * owning node on eth0, or on tunl0 `onlink` (IPIP Always, or CrossSubnet across subnets);
 * VXLAN pools' routes come from IPAM, as Felix programs them, via the remote VTEP on
 * vxlan.calico. Routers hold connected, static and BGP routes. Lookups are longest-prefix match.
 * The BGP part is a view of the Loc-RIB, not a copy: a lookup finds the longest prefix in the
 * shared prefix table that the machine has a route for, and turns that route into an entry the
 * first time it is needed. 5,000 nodes' FIBs therefore cost what their pods and subnets cost.
 * Invariants: built from a frozen simulation, never changed afterwards; ECMP next hops are
 * distinct and sorted; for the same prefix a VXLAN route beats a BGP route, which beats a
 * connected, pod or static one (the order Felix and BIRD write them in). Leaves out: policy
 * routing, route metrics, IPv6.
 */

import { nextHopResolvable } from '../bgp/choose.js';
import type { BgpNetwork, LocEntry } from '../bgp/network.js';
import type { Speaker } from '../bgp/peering.js';
import { inServiceRange } from '../bgp/service-routes.js';
import type { Simulation } from '../bgp/simulate.js';
import { type Cidr, cidrContains, type Ipv4, maskOf } from '../net/index.js';
import type { Pool, Router } from '../topology/model.js';

/** `unreachable`: a best BGP route whose next hop BIRD could not resolve (the kernel answers ICMP unreachable). */
export type FibKind = 'connected' | 'default' | 'static' | 'local-pod' | 'blackhole' | 'unreachable' | 'bgp' | 'vxlan';

export interface NextHop {
  readonly via: Ipv4;
  readonly dev: string;
  readonly onlink: boolean;
}

export interface FibEntry {
  readonly prefix: Cidr;
  readonly kind: FibKind;
  readonly dev?: string;
  readonly nextHops: readonly NextHop[];
  readonly proto?: 'kernel' | 'bird' | 'static' | '80';
  readonly scope?: 'link';
  readonly src?: Ipv4;
  /** For BGP entries: the Loc-RIB entry and prefix id it came from, for explanations. */
  readonly route?: { readonly prefixId: number; readonly entry: LocEntry };
  /** For local pods: namespace/name; for blackholes: the block's owner. */
  readonly note?: string;
  /** The encapsulation used towards the next hop. */
  readonly encap?: 'ipip' | 'vxlan';
}

/** A machine's BGP routes as FIB entries, made on demand from its Loc-RIB. */
interface BgpRoutes {
  readonly network: BgpNetwork;
  readonly speaker: number;
  /** The FIB entry for a Loc-RIB route, or undefined when it installs none. */
  readonly entry: (prefixId: number, route: LocEntry) => FibEntry | undefined;
}

/**
 * Entries per prefix length, keyed by the base as a signed 32-bit integer (a small integer to V8);
 * a length no entry has holds no map (5,000 FIBs would otherwise hold 330,000 empty ones).
 */
type ByLength = (Map<number, FibEntry> | undefined)[];

function indexByLength(entries: readonly FibEntry[]): ByLength {
  const byLength: ByLength = [];
  for (const entry of entries) {
    const sameLength = byLength[entry.prefix.len] ?? new Map<number, FibEntry>();
    byLength[entry.prefix.len] = sameLength;
    sameLength.set(entry.prefix.base | 0, entry);
  }
  return byLength;
}

export class Fib {
  private readonly under: ByLength;
  private readonly over: ByLength;
  /** The prefix lengths any entry could have, longest first: fixed entries' and the prefix table's. */
  private readonly lengths: readonly number[];
  /** BGP entries made so far, by prefix id (undefined: the route installs nothing). */
  private readonly made = new Map<number, FibEntry | undefined>();
  private listed: readonly FibEntry[] | undefined;

  /** `under` lose to a BGP route for the same prefix, `over` win over it. */
  constructor(
    private readonly underEntries: readonly FibEntry[],
    private readonly bgp?: BgpRoutes,
    private readonly overEntries: readonly FibEntry[] = [],
  ) {
    this.under = indexByLength(underEntries);
    this.over = indexByLength(overEntries);
    const fixed = new Set([...underEntries, ...overEntries].map((entry) => entry.prefix.len));
    const prefixes = bgp?.network.prefixes;
    this.lengths = Array.from({ length: 33 }, (_, i) => 32 - i).filter(
      (len) => fixed.has(len) || prefixes?.hasLength(len) === true,
    );
  }

  /** Every entry, sorted as `ip route` lists them. */
  get entries(): readonly FibEntry[] {
    if (this.listed === undefined) {
      const routes: FibEntry[] = [];
      if (this.bgp !== undefined)
        for (const prefixId of this.bgp.network.locRib(this.bgp.speaker).keys()) {
          const entry = this.bgpEntry(prefixId);
          if (entry !== undefined) routes.push(entry);
        }
      this.listed = [...this.underEntries, ...routes, ...this.overEntries].sort(compareEntries);
    }
    return this.listed;
  }

  /** Longest-prefix match. */
  lookup(ip: Ipv4): FibEntry | undefined {
    for (const len of this.lengths) {
      // The prefix's base as a signed 32-bit key, as the maps hold it.
      const key = ip & maskOf(len);
      const entry = this.over[len]?.get(key) ?? this.bgpAt(key, len) ?? this.under[len]?.get(key);
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  private bgpAt(key: number, len: number): FibEntry | undefined {
    const prefixId = this.bgp?.network.prefixes.findPrefix(key, len);
    return prefixId === undefined ? undefined : this.bgpEntry(prefixId);
  }

  private bgpEntry(prefixId: number): FibEntry | undefined {
    const bgp = this.bgp as BgpRoutes;
    if (this.made.has(prefixId)) return this.made.get(prefixId);
    const route = bgp.network.locRib(bgp.speaker).get(prefixId);
    const entry = route === undefined ? undefined : bgp.entry(prefixId, route);
    this.made.set(prefixId, entry);
    return entry;
  }
}

function compareEntries(a: FibEntry, b: FibEntry): number {
  if (a.kind === 'default' || b.kind === 'default') return a.kind === 'default' ? (b.kind === 'default' ? 0 : -1) : 1;
  return a.prefix.base - b.prefix.base || a.prefix.len - b.prefix.len;
}

function poolOf(pools: readonly Pool[], prefix: Cidr): Pool | undefined {
  return pools.find((pool) => cidrContains(pool.cidr, prefix.base) && prefix.len >= pool.cidr.len);
}

/** Whether traffic to a next hop leaves through the tunnel: IPIP Always, or CrossSubnet across subnets. */
function encapsulates(mode: Pool['ipipMode'], localSubnet: Cidr, nextHop: Ipv4): boolean {
  return mode === 'Always' || (mode === 'CrossSubnet' && !cidrContains(localSubnet, nextHop));
}

export function buildFib(sim: Simulation, machine: string): Fib | undefined {
  const speaker = sim.peering.byName.get(machine);
  if (speaker === undefined) return undefined;
  return sim.peering.speakers[speaker]?.kind === 'node' ? nodeFib(sim, speaker) : routerFib(sim, speaker);
}

function nodeFib(sim: Simulation, speakerIndex: number): Fib {
  const speaker = sim.peering.speakers[speakerIndex];
  const node = speaker?.node;
  if (speaker === undefined || node === undefined) throw new Error('nodeFib needs a node');
  const entries: FibEntry[] = [
    { prefix: node.subnet, kind: 'connected', dev: 'eth0', nextHops: [], proto: 'kernel', scope: 'link', src: node.ip },
  ];
  if (node.gateway !== undefined)
    entries.push({
      prefix: { base: 0, len: 0 },
      kind: 'default',
      dev: 'eth0',
      nextHops: [{ via: node.gateway, dev: 'eth0', onlink: false }],
    });
  for (const record of sim.cluster.podsOn(node.name)) {
    if (record.allocation === undefined) continue;
    entries.push({
      prefix: { base: record.allocation.ip, len: 32 },
      kind: 'local-pod',
      dev: record.vethName,
      nextHops: [],
      scope: 'link',
      note: `${record.spec.namespace}/${record.spec.name}`,
    });
  }
  const network = sim.network;
  const pools = sim.topology.pools;
  const { serviceClusterIPs, serviceExternalIPs } = sim.topology.bgp;
  const serviceRanges = [...serviceClusterIPs, ...serviceExternalIPs];
  const resolve = (nextHop: Ipv4): Ipv4 =>
    cidrContains(node.subnet, nextHop) || node.gateway === undefined ? nextHop : node.gateway;
  const entry = (prefixId: number, route: LocEntry): FibEntry | undefined => {
    const prefix = network.prefixes.cidr(prefixId);
    // calico_kernel_programming: "Don't program static routes into kernel." (Service ranges).
    if (serviceRanges.length > 0 && inServiceRange(serviceRanges, prefix)) return undefined;
    if (route.source === 'static')
      return {
        prefix,
        kind: 'blackhole',
        nextHops: [],
        proto: 'bird',
        route: { prefixId, entry: route },
        note: node.name,
      };
    if (route.source === 'kernel') return undefined;
    const pool = poolOf(pools, prefix);
    const attrs = network.attributes.get(route.attrs);
    if (!nextHopResolvable(speaker as Speaker, attrs.nextHop))
      return { prefix, kind: 'unreachable', nextHops: [], proto: 'bird', route: { prefixId, entry: route } };
    const hops = new Map<Ipv4, NextHop>();
    let encap: 'ipip' | undefined;
    for (const { nextHop } of network.ecmpAttributes(speakerIndex, prefixId, route)) {
      if (pool !== undefined && encapsulates(pool.ipipMode, node.subnet, nextHop)) {
        encap = 'ipip';
        hops.set(nextHop, { via: nextHop, dev: 'tunl0', onlink: true });
      } else {
        const via = resolve(nextHop);
        hops.set(via, { via, dev: 'eth0', onlink: false });
      }
    }
    return {
      prefix,
      kind: 'bgp',
      nextHops: [...hops.values()].sort((a, b) => a.via - b.via),
      proto: 'bird',
      route: { prefixId, entry: route },
      ...(encap ? { encap } : {}),
    };
  };
  return new Fib(entries, { network, speaker: speakerIndex, entry }, vxlanEntries(sim, node.name, node.subnet));
}

/** Felix's VXLAN routes: own blocks blackholed, other nodes' blocks and borrowed /32s via their VTEP. */
function vxlanEntries(sim: Simulation, nodeName: string, subnet: Cidr): FibEntry[] {
  const entries: FibEntry[] = [];
  for (const pool of sim.topology.pools) {
    if (pool.vxlanMode === 'Never') continue;
    for (const block of sim.cluster.ipam.poolBlocks(pool)) {
      if (block.affinity === nodeName) {
        entries.push({ prefix: block.cidr, kind: 'blackhole', nextHops: [], proto: '80', note: nodeName });
        continue;
      }
      const owner = sim.cluster.nodeRecord(block.affinity);
      if (owner === undefined) continue;
      entries.push(vxlanRoute(block.cidr, owner.node.ip, owner.vxlanTunnel?.ip, pool, subnet));
    }
    for (const allocation of sim.cluster.ipam.borrowed()) {
      const owner = sim.cluster.nodeRecord(allocation.node);
      if (allocation.node === nodeName || owner === undefined || !cidrContains(pool.cidr, allocation.ip)) continue;
      entries.push(vxlanRoute({ base: allocation.ip, len: 32 }, owner.node.ip, owner.vxlanTunnel?.ip, pool, subnet));
    }
  }
  return entries;
}

function vxlanRoute(prefix: Cidr, nodeIp: Ipv4, vtep: Ipv4 | undefined, pool: Pool, subnet: Cidr): FibEntry {
  if (pool.vxlanMode === 'CrossSubnet' && cidrContains(subnet, nodeIp)) {
    return { prefix, kind: 'vxlan', nextHops: [{ via: nodeIp, dev: 'eth0', onlink: false }], proto: '80' };
  }
  return {
    prefix,
    kind: 'vxlan',
    nextHops: [{ via: vtep ?? nodeIp, dev: 'vxlan.calico', onlink: true }],
    encap: 'vxlan',
  };
}

/**
 * Routes to the segments a router does not touch, through the first router on the way: what
 * an IGP or static configuration gives a real underlay (podnet assumes it is complete).
 */
function underlayRoutes(sim: Simulation, name: string, connected: readonly FibEntry[]): FibEntry[] {
  const routers = sim.topology.routers;
  const segmentsOf = (router: (typeof routers)[number]): string[] => router.interfaces.map((i) => i.segment);
  const start = routers.find((r) => r.name === name);
  if (start === undefined) return [];
  const reached = new Map<string, NextHop>(segmentsOf(start).map((s) => [s, { via: 0, dev: '', onlink: false }]));
  const queue: { router: (typeof routers)[number]; first: NextHop | undefined }[] = [
    { router: start, first: undefined },
  ];
  const visited = new Set([start.name]);
  for (let i = 0; i < queue.length; i++) {
    const { router, first } = queue[i] as (typeof queue)[number];
    for (const next of routers) {
      if (visited.has(next.name)) continue;
      const shared = next.interfaces.find((iface) => segmentsOf(router).includes(iface.segment));
      if (shared === undefined) continue;
      visited.add(next.name);
      const local = start.interfaces.find((iface) => iface.segment === shared.segment);
      const hop = first ?? { via: shared.ip, dev: local?.name ?? 'eth0', onlink: false };
      for (const segment of segmentsOf(next)) if (!reached.has(segment)) reached.set(segment, hop);
      queue.push({ router: next, first: hop });
    }
  }
  const cidrs = new Map(sim.topology.segments.map((s) => [s.name, s.cidr]));
  return [...reached.entries()]
    .filter(([segment, hop]) => hop.via !== 0 && !connected.some((e) => e.prefix.base === cidrs.get(segment)?.base))
    .map(([segment, hop]) => ({
      prefix: cidrs.get(segment) as Cidr,
      kind: 'static' as const,
      nextHops: [hop],
      proto: 'static' as const,
      note: 'underlay',
    }));
}

/** The router's interface on a subnet holding `ip`, if any. */
function deviceFor(router: Router, ip: Ipv4): string | undefined {
  return router.interfaces.find((i) => cidrContains(i.subnet, ip))?.name;
}

/** A router's routes that do not come from BGP: connected subnets, the underlay, its static routes. */
export function routerFixedEntries(sim: Simulation, router: Router): FibEntry[] {
  const entries: FibEntry[] = router.interfaces.map((iface) => ({
    prefix: iface.subnet,
    kind: 'connected',
    dev: iface.name,
    nextHops: [],
    proto: 'kernel',
    scope: 'link',
    src: iface.ip,
  }));
  entries.push(...underlayRoutes(sim, router.name, entries));
  for (const route of router.routes) {
    const dev = deviceFor(router, route.via) ?? router.interfaces[0]?.name ?? 'eth0';
    entries.push({
      prefix: route.dst,
      kind: route.dst.len === 0 ? 'default' : 'static',
      nextHops: [{ via: route.via, dev, onlink: false }],
      proto: 'static',
    });
  }
  return entries;
}

function routerFib(sim: Simulation, speakerIndex: number): Fib {
  const speaker = sim.peering.speakers[speakerIndex];
  const router = speaker?.router;
  if (speaker === undefined || router === undefined) throw new Error('routerFib needs a router');
  const entries = routerFixedEntries(sim, router);
  const network = sim.network;
  // gateway recursive: a next hop off the router's subnets resolves through its other routes.
  const underlay = new Fib(entries);
  const entry = (prefixId: number, route: LocEntry): FibEntry | undefined => {
    if (route.source !== 'bgp') return undefined;
    const hops = new Map<Ipv4, NextHop>();
    for (const { nextHop } of network.ecmpAttributes(speakerIndex, prefixId, route)) {
      const dev = deviceFor(router, nextHop);
      if (dev !== undefined) hops.set(nextHop, { via: nextHop, dev, onlink: false });
      else for (const hop of underlay.lookup(nextHop)?.nextHops ?? []) hops.set(hop.via, hop);
    }
    const prefix = network.prefixes.cidr(prefixId);
    if (hops.size === 0)
      return { prefix, kind: 'unreachable', nextHops: [], proto: 'bird', route: { prefixId, entry: route } };
    return {
      prefix,
      kind: 'bgp',
      nextHops: [...hops.values()].sort((a, b) => a.via - b.via),
      proto: 'bird',
      route: { prefixId, entry: route },
    };
  };
  return new Fib(entries, { network, speaker: speakerIndex, entry });
}

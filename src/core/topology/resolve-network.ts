/**
 * Machines and how they connect: segments, nodes (addresses, roles, taints, pools), routers with
 * their interfaces and peers, unique addresses, BGPPeer resources with their selectors, and the
 * BGPConfiguration's settings.
 */
import type * as z from 'zod';
import {
  type AddressWithPrefix,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  networkOf,
  parseAddressWithPrefix,
  parseCidr,
  parseIpv4,
} from '../net/index.js';
import { byCodeUnit } from '../order.js';
import { matches } from '../selector/index.js';
import { parseDuration } from './duration.js';
import type { IssueSink, Located } from './issue-sink.js';
import {
  type BgpPeer,
  type BgpSettings,
  type ClusterNode,
  DEFAULT_RESTART_TIME,
  type Origin,
  type Pool,
  type Router,
  type RouterPeer,
  type Segment,
  type Taint,
} from './model.js';
import type * as s from './schema.js';

export type NodeWritten = Partial<z.output<typeof s.nodeEntry>> & { name: string };
export type PeerWritten = z.output<typeof s.bgpPeerEntry>;

const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

export function resolveSegments(
  sink: IssueSink,
  written: readonly z.output<typeof s.segmentEntry>[],
  source: number,
): Map<string, Segment> {
  const segments = new Map<string, Segment>();
  for (const [i, segment] of written.entries()) {
    const at = (key: string): Origin => ({ source, path: ['segments', i, key] });
    const cidr = parseCidr(segment.cidr);
    const clash = cidr.ok ? [...segments.values()].find((other) => cidrsOverlap(other.cidr, cidr.value)) : undefined;
    if (!cidr.ok) sink.report(at('cidr'), 'invalid-cidr', cidr.reason);
    else if (segments.has(segment.name))
      sink.report(at('name'), 'duplicate', `duplicate segment name "${segment.name}"`);
    else if (clash) sink.report(at('cidr'), 'overlap', `segment ${segment.cidr} overlaps segment "${clash.name}"`);
    else segments.set(segment.name, { name: segment.name, cidr: cidr.value });
  }
  return segments;
}
/** The named segment holding an address, or the implicit one of its subnet (created on first use). */
export function segmentFor(address: AddressWithPrefix, segments: Map<string, Segment>): string {
  const named = [...segments.values()].find((segment) => cidrContains(segment.cidr, address.ip));
  if (named) return named.name;
  const subnet = networkOf(address);
  const name = formatCidr(subnet);
  if (!segments.has(name)) segments.set(name, { name, cidr: subnet });
  return name;
}
export function resolveNodes(
  sink: IssueSink,
  written: ReadonlyMap<string, Located<NodeWritten>>,
  pools: readonly Pool[],
  segments: Map<string, Segment>,
): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const { value, origin } of written.values()) {
    const at = (key: string): Origin => ({
      ...origin,
      path: [...origin.path, origin.path[0] === 'spec' ? 'ipv4Address' : key],
    });
    if (value.address === undefined) {
      sink.report(
        origin,
        'missing-key',
        `node "${value.name}" has no address (give address:, or the projectcalico.org/IPv4Address annotation)`,
      );
      continue;
    }
    const address = parseAddressWithPrefix(value.address);
    if (!address.ok) {
      sink.report(at('address'), 'invalid-cidr', address.reason);
      continue;
    }
    const pool = pools.find((p) => cidrContains(p.cidr, address.value.ip));
    if (pool)
      sink.report(
        at('address'),
        'overlap',
        `node address ${value.address} is inside pool "${pool.name}" (${formatCidr(pool.cidr)}): pod and node addresses must not overlap`,
      );
    const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
    const clusterId =
      value.routeReflectorClusterID === undefined ? undefined : parseIpv4(value.routeReflectorClusterID);
    if (clusterId === null) {
      sink.report(
        field('routeReflectorClusterID'),
        'invalid-address',
        `cluster ID "${value.routeReflectorClusterID}" is not a dotted quad such as 244.0.0.1`,
      );
    }
    const subnet = networkOf(address.value);
    let gateway: number | undefined;
    if (value.gateway !== undefined) {
      const parsed = parseIpv4(value.gateway);
      if (parsed === null)
        sink.report(field('gateway'), 'invalid-address', `"${value.gateway}" is not an IPv4 address`);
      else if (!cidrContains(subnet, parsed))
        sink.report(
          field('gateway'),
          'invalid-address',
          `gateway ${value.gateway} is not on the node's subnet ${formatCidr(subnet)}`,
        );
      else gateway = parsed;
    }
    const role = value.role ?? 'worker';
    const labels = {
      'kubernetes.io/hostname': value.name,
      'kubernetes.io/os': 'linux',
      ...(role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      ...value.labels,
    };
    nodes.push({
      name: value.name,
      ip: address.value.ip,
      subnet,
      role,
      labels,
      taints: value.taints ?? (role === 'control-plane' ? [CONTROL_PLANE_TAINT] : []),
      ...(value.asNumber !== undefined ? { asNumber: value.asNumber } : {}),
      ...(clusterId != null ? { routeReflectorClusterID: clusterId } : {}),
      ...(gateway !== undefined ? { gateway } : {}),
      ...(value.podCIDR !== undefined ? { podCIDR: value.podCIDR } : {}),
      segment: segmentFor(address.value, segments),
      origin,
    });
  }
  return nodes.sort((a, b) => byCodeUnit(a.name, b.name));
}
export function resolveRouters(
  sink: IssueSink,
  written: readonly z.output<typeof s.routerEntry>[],
  source: number,
  nodes: readonly ClusterNode[],
  segments: Map<string, Segment>,
): Router[] {
  const routers: Router[] = [];
  const names = new Set(nodes.map((node) => node.name));
  written.forEach((router, i) => {
    const at = (...path: (string | number)[]): Origin => ({ source, path: ['routers', i, ...path] });
    if (names.has(router.name))
      sink.report(at('name'), 'duplicate', `duplicate name "${router.name}": already a node or router`);
    names.add(router.name);
    const interfaces = router.interfaces.flatMap((iface, j) => {
      const address = parseAddressWithPrefix(iface.address);
      if (!address.ok) {
        sink.report(at('interfaces', j, 'address'), 'invalid-cidr', address.reason);
        return [];
      }
      return [
        {
          name: iface.name ?? `eth${j}`,
          ip: address.value.ip,
          subnet: networkOf(address.value),
          segment: segmentFor(address.value, segments),
        },
      ];
    });
    let routerId = interfaces[0]?.ip ?? 0;
    if (router.routerId !== undefined) {
      const parsed = parseIpv4(router.routerId);
      if (parsed === null)
        sink.report(at('routerId'), 'invalid-address', `router ID "${router.routerId}" is not a dotted quad`);
      else routerId = parsed;
    }
    const routes = (router.routes ?? []).flatMap((route, j) => {
      const dst = parseCidr(route.dst);
      const via = parseIpv4(route.via);
      if (!dst.ok) sink.report(at('routes', j, 'dst'), 'invalid-cidr', dst.reason);
      if (via === null) sink.report(at('routes', j, 'via'), 'invalid-address', `"${route.via}" is not an IPv4 address`);
      return dst.ok && via !== null ? [{ dst: dst.value, via }] : [];
    });
    const clusterId =
      router.routeReflectorClusterID === undefined ? undefined : parseIpv4(router.routeReflectorClusterID);
    if (clusterId === null)
      sink.report(
        at('routeReflectorClusterID'),
        'invalid-address',
        `cluster ID "${router.routeReflectorClusterID}" is not a dotted quad such as 244.0.0.1`,
      );
    routers.push({
      name: router.name,
      asNumber: router.asNumber,
      routerId,
      ...(clusterId != null ? { routeReflectorClusterID: clusterId } : {}),
      interfaces,
      peers: [],
      routes,
      origin: at(),
    });
  });
  // Peers may name routers defined later in the list, so they resolve once all names are known.
  written.forEach((router, i) => {
    const peers = (router.peers ?? []).map((peer, j) =>
      resolveRouterPeer(sink, peer, { source, path: ['routers', i, 'peers', j] }, nodes, routers),
    );
    const index = routers.findIndex((r) => r.name === router.name);
    if (index >= 0) routers[index] = { ...(routers[index] as Router), peers };
  });
  for (const router of routers) checkDirectPeers(sink, router, nodes, routers);
  return routers;
}
export function resolveRouterPeer(
  sink: IssueSink,
  peer: z.output<typeof s.routerPeer>,
  origin: Origin,
  nodes: readonly ClusterNode[],
  routers: readonly Router[],
): RouterPeer {
  const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
  const given = (['node', 'router', 'nodeSelector', 'peerIP'] as const).filter((key) => peer[key] !== undefined);
  if (given.length !== 1)
    sink.report(origin, 'conflict', 'a router peer names exactly one of node, router, nodeSelector or peerIP');
  if (peer.node !== undefined)
    sink.checkName(
      peer.node,
      nodes.map((n) => n.name),
      'node',
      field('node'),
    );
  if (peer.router !== undefined)
    sink.checkName(
      peer.router,
      routers.map((r) => r.name),
      'router',
      field('router'),
    );
  const nodeSelector =
    peer.nodeSelector === undefined ? undefined : sink.selector(peer.nodeSelector, field('nodeSelector'));
  const peerIP = peer.peerIP === undefined ? undefined : sink.address(peer.peerIP, field('peerIP'));
  if (peer.peerIP !== undefined && peer.asNumber === undefined)
    sink.report(field('peerIP'), 'conflict', 'a peerIP peer needs asNumber');
  return {
    ...(peer.node !== undefined ? { node: peer.node } : {}),
    ...(peer.router !== undefined ? { router: peer.router } : {}),
    ...(nodeSelector !== undefined ? { nodeSelector } : {}),
    ...(peerIP !== undefined ? { peerIP } : {}),
    ...(peer.asNumber !== undefined ? { asNumber: peer.asNumber } : {}),
    routeReflectorClient: peer.routeReflectorClient ?? false,
    ...(peer.multihop !== undefined ? { multihop: peer.multihop } : {}),
    ...(peer.nextHopMode !== undefined ? { nextHopMode: peer.nextHopMode } : {}),
    ...(peer.addPaths !== undefined ? { addPaths: peer.addPaths } : {}),
    origin,
  };
}

/**
 * A direct session (multihop: false) needs every peer it names on a subnet of one of the router's
 * interfaces: BIRD would wait for it to become a neighbour for ever.
 */
function checkDirectPeers(sink: IssueSink, router: Router, nodes: readonly ClusterNode[], routers: readonly Router[]) {
  const connected = (ip: number) => router.interfaces.some((i) => cidrContains(i.subnet, ip));
  for (const peer of router.peers) {
    if (peer.multihop !== false) continue;
    const addresses: [string, number[]][] = [
      ...nodes
        .filter(
          (n) => n.name === peer.node || (peer.nodeSelector !== undefined && matches(peer.nodeSelector, n.labels)),
        )
        .map((n): [string, number[]] => [n.name, [n.ip]]),
      ...routers
        .filter((r) => r.name === peer.router)
        .map((r): [string, number[]] => [r.name, r.interfaces.map((i) => i.ip)]),
      ...(peer.peerIP !== undefined ? [[formatIpv4(peer.peerIP), [peer.peerIP]] as [string, number[]]] : []),
    ];
    const far = addresses.find(([, ips]) => !ips.some(connected));
    if (far !== undefined)
      sink.report(
        { ...peer.origin, path: [...peer.origin.path, 'multihop'] },
        'conflict',
        `a direct session (multihop: false) needs the peer on one of ${router.name}'s subnets; ${far[0]} is not`,
      );
  }
}
export function checkUniqueAddresses(sink: IssueSink, nodes: readonly ClusterNode[], routers: readonly Router[]): void {
  const owners = new Map<number, string>();
  const claim = (ip: number, owner: string, at: Origin): void => {
    const previous = owners.get(ip);
    if (previous !== undefined)
      sink.report(at, 'duplicate', `duplicate address ${formatIpv4(ip)}: ${previous} already uses it`);
    else owners.set(ip, owner);
  };
  for (const node of nodes)
    claim(node.ip, `node "${node.name}"`, { ...node.origin, path: [...node.origin.path, 'address'] });
  for (const router of routers) {
    router.interfaces.forEach((iface, j) => {
      claim(iface.ip, `router "${router.name}"`, {
        ...router.origin,
        path: [...router.origin.path, 'interfaces', j, 'address'],
      });
    });
  }
}
export function resolvePeers(
  sink: IssueSink,
  written: readonly Located<PeerWritten>[],
  nodes: readonly ClusterNode[],
): BgpPeer[] {
  const names = new Set<string>();
  return written.flatMap(({ value, origin }) => {
    const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
    if (names.has(value.name)) sink.report(field('name'), 'duplicate', `duplicate BGPPeer name "${value.name}"`);
    names.add(value.name);
    if (value.node !== undefined && value.nodeSelector !== undefined)
      sink.report(field('nodeSelector'), 'conflict', 'node and nodeSelector cannot both be set');
    if (value.peerIP !== undefined && value.peerSelector !== undefined)
      sink.report(field('peerSelector'), 'conflict', 'peerIP and peerSelector cannot both be set');
    if (value.peerIP === undefined && value.peerSelector === undefined)
      sink.report(origin, 'conflict', 'a BGPPeer needs peerIP or peerSelector');
    if (value.peerIP !== undefined && value.asNumber === undefined)
      sink.report(field('peerIP'), 'conflict', 'a BGPPeer with peerIP needs asNumber');
    if (value.peerSelector !== undefined && value.asNumber !== undefined)
      sink.report(
        field('asNumber'),
        'conflict',
        "asNumber must be empty with peerSelector (the peers' own AS is used)",
      );
    if (value.node !== undefined)
      sink.checkName(
        value.node,
        nodes.map((n) => n.name),
        'node',
        field('node'),
      );
    const nodeSelector =
      value.nodeSelector === undefined ? undefined : sink.selector(value.nodeSelector, field('nodeSelector'));
    const peerSelector =
      value.peerSelector === undefined ? undefined : sink.selector(value.peerSelector, field('peerSelector'));
    const endpoint = value.peerIP === undefined ? undefined : peerEndpoint(sink, value.peerIP, field('peerIP'));
    const nextHopMode = value.nextHopMode ?? (value.keepOriginalNextHop ? 'Keep' : 'Auto');
    const peer: BgpPeer = {
      name: value.name,
      nextHopMode,
      origin,
      ...(value.node !== undefined ? { node: value.node } : {}),
      ...(nodeSelector !== undefined ? { nodeSelector, nodeSelectorText: value.nodeSelector as string } : {}),
      ...(endpoint !== undefined
        ? { peerIP: endpoint.ip, ...(endpoint.port !== undefined ? { peerPort: endpoint.port } : {}) }
        : {}),
      ...(peerSelector !== undefined ? { peerSelector, peerSelectorText: value.peerSelector as string } : {}),
      ...(value.asNumber !== undefined ? { asNumber: value.asNumber } : {}),
      ...(value.maxRestartTime !== undefined ? { maxRestartTime: parseDuration(value.maxRestartTime) } : {}),
    };
    return [peer];
  });
}
export function peerEndpoint(sink: IssueSink, text: string, at: Origin): { ip: number; port?: number } | undefined {
  const [host, port] = text.split(':');
  const ip = sink.address(host ?? '', at);
  if (ip === undefined) return undefined;
  if (port === undefined) return { ip };
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    sink.report(at, 'out-of-range', `port "${port}" is out of range 1-65535`);
    return undefined;
  }
  return { ip, port: portNumber };
}

/** BGPConfiguration as the topology's cluster.bgp section gives it, with Calico's defaults. */
export function resolveBgpSettings(
  sink: IssueSink,
  bgp: z.output<typeof s.bgpConfigurationSpec>,
  source: number,
): BgpSettings {
  const cidrs = (written: readonly { cidr: string }[] | undefined, key: string) =>
    (written ?? []).flatMap(({ cidr }, i) => {
      const parsed = parseCidr(cidr);
      if (parsed.ok) return [parsed.value];
      sink.report({ source, path: ['cluster', 'bgp', key, i, 'cidr'] }, 'invalid-cidr', parsed.reason);
      return [];
    });
  return {
    asNumber: bgp.asNumber,
    nodeToNodeMeshEnabled: bgp.nodeToNodeMeshEnabled,
    listenPort: bgp.listenPort,
    nodeMeshMaxRestartTime:
      bgp.nodeMeshMaxRestartTime === undefined ? DEFAULT_RESTART_TIME : parseDuration(bgp.nodeMeshMaxRestartTime),
    serviceClusterIPs: cidrs(bgp.serviceClusterIPs, 'serviceClusterIPs'),
    serviceExternalIPs: cidrs(bgp.serviceExternalIPs, 'serviceExternalIPs'),
  };
}

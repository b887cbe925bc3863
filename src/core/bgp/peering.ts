/**
 * Who peers with whom, by Calico's rules (confd's bird.cfg templates):
 * - the node-to-node mesh when enabled: every pair of nodes, route reflectors excluded; the side
 *   whose address is lower (as a string) is passive;
 * - BGPPeer resources: global (`Global_<ip>`) or per node / nodeSelector (`Node_<ip>`, with
 *   `_port_<n>` when BGPConfiguration sets a listen port), to a peerIP or to the nodes a
 *   peerSelector picks; the nodes so reached (a peerIP only when it is a node of the AS given)
 *   get the reverse peering (confd's updatePeersV1); duplicates of an earlier peering are skipped;
 * - a reflector marks every iBGP peer of another (or no) cluster `rr client`; a peerIP peer has
 *   no cluster ID in confd's data, so every iBGP peerIP peer of a reflector is a client;
 * - routers peer as their own `peers:` list says.
 * A neighbour is one side's configuration; a session pairs the two sides, or stands one-sided
 * when the far end has no configuration for it (it refuses the connection).
 */
import { type Cidr, cidrContains, formatIpv4, type Ipv4, networkOf } from '../net/index.js';
import { matches, type Selector } from '../selector/index.js';
import { type ClusterNode, DEFAULT_RESTART_TIME, effectiveAs, type Router, type Topology } from '../topology/model.js';
import { BGP_PORT } from './session.js';

export interface Speaker {
  readonly index: number;
  readonly name: string;
  readonly kind: 'node' | 'router';
  readonly asNumber: number;
  readonly routerId: Ipv4;
  readonly addresses: readonly Ipv4[];
  readonly subnets: readonly Cidr[];
  readonly clusterId?: Ipv4;
  readonly node?: ClusterNode;
  readonly router?: Router;
}

export type PeerType = 'node-to-node mesh' | 'node specific' | 'global' | 'router peer';

export interface Neighbor {
  readonly index: number;
  readonly speaker: number;
  readonly name: string;
  readonly type: PeerType;
  readonly localAddress: Ipv4;
  readonly remoteAddress: Ipv4;
  /** The TCP port this side dials: a node's listenPort, a BGPPeer's peerIP port, else 179. */
  readonly remotePort: number;
  /** The AS this side was configured to expect. */
  readonly remoteAs: number;
  /** The speaker owning remoteAddress, or -1 when nothing in the topology has it. */
  readonly remote: number;
  readonly rrClient: boolean;
  readonly passive: boolean;
  /**
   * The next hop this side sends: BIRD's default (Auto), `next hop self`, `next hop keep`, or
   * `next hop self ebgp` (SelfEbgp: self on routes learned over eBGP, a router's default towards
   * iBGP peers).
   */
  readonly nextHopMode: 'Auto' | 'Self' | 'Keep' | 'SelfEbgp';
  /**
   * A multihop session rather than a direct one. Calico's template makes every node session
   * multihop; a router's follows its peer entry, else BIRD's default: direct for eBGP (podnet
   * writes multihop when the peer is not on one of the router's subnets), multihop for iBGP.
   */
  readonly multihop: boolean;
  /**
   * This side offers ADD-PATH (send and receive): a node always (Calico's template says `add
   * paths on`), a router when its peer entry says `addPaths` (BIRD's default is off).
   */
  readonly addPathOffered: boolean;
  /** ADD-PATH negotiated: both sides offer it (set when the sides are paired into a session). */
  addPath: boolean;
  /**
   * The graceful-restart time this side advertises: how long the far end keeps this side's
   * routes when this side's BIRD restarts (mesh: nodeMeshMaxRestartTime; BGPPeer: maxRestartTime).
   */
  readonly restartTime: number;
  session: number;
}

/** Machine a's configuration for its session with machine b, if they peer. */
export function neighborTowards(peering: Peering, a: string, b: string): Neighbor | undefined {
  const speaker = peering.byName.get(a);
  const remote = peering.byName.get(b);
  if (speaker === undefined || remote === undefined) return undefined;
  return peering.neighbors.find((n) => n.speaker === speaker && n.remote === remote);
}

/** The machine at the far end of a neighbour, or undefined when nothing in the topology has its address. */
export function peerName(peering: Pick<Peering, 'speakers'>, n: Neighbor): string | undefined {
  return n.remote >= 0 ? peering.speakers[n.remote]?.name : undefined;
}

/** The far end's router ID, or its address when it is not in the topology. */
export function peerRouterId(peering: Pick<Peering, 'speakers'>, n: Neighbor): Ipv4 {
  return n.remote >= 0 ? (peering.speakers[n.remote]?.routerId ?? n.remoteAddress) : n.remoteAddress;
}

export interface SessionSpec {
  readonly index: number;
  /** One or two neighbour indices; the first initiates the TCP connection. */
  readonly sides: readonly number[];
}

export interface Peering {
  readonly speakers: readonly Speaker[];
  readonly neighbors: readonly Neighbor[];
  readonly sessions: readonly SessionSpec[];
  readonly byName: ReadonlyMap<string, number>;
  readonly byAddress: ReadonlyMap<Ipv4, number>;
}

/**
 * A router's protocol for a peer machine, named after it as BIRD can take it: BIRD's keywords
 * (`rr`, `static`, `kernel`, ...) are lower-case and a symbol starts with a letter, so the name
 * starts with a capital (`Rr`, `Tor_1`), and what a symbol cannot hold becomes `_`.
 */
function routerProtocolName(machine: string): string {
  const symbol = machine.replaceAll(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(symbol) ? `${(symbol[0] as string).toUpperCase()}${symbol.slice(1)}` : `P${symbol}`;
}

function protocolName(prefix: string, ip: Ipv4): string {
  return `${prefix}_${formatIpv4(ip).replaceAll('.', '_')}`;
}

export function buildSpeakers(topology: Topology): Speaker[] {
  const speakers: Speaker[] = topology.nodes.map((node, index) => ({
    index,
    name: node.name,
    kind: 'node',
    asNumber: effectiveAs(topology, node),
    routerId: node.ip,
    addresses: [node.ip],
    subnets: [node.subnet],
    ...(node.routeReflectorClusterID !== undefined ? { clusterId: node.routeReflectorClusterID } : {}),
    node,
  }));
  for (const router of topology.routers) {
    speakers.push({
      index: speakers.length,
      name: router.name,
      kind: 'router',
      asNumber: router.asNumber,
      routerId: router.routerId,
      addresses: router.interfaces.map((i) => i.ip),
      subnets: router.interfaces.map((i) => networkOf({ ip: i.ip, len: i.subnet.len })),
      ...(router.routeReflectorClusterID !== undefined ? { clusterId: router.routeReflectorClusterID } : {}),
      router,
    });
  }
  return speakers;
}

class PeeringBuilder {
  readonly neighbors: Neighbor[] = [];
  /** speaker index × 2^32 + remote address: the peerings made so far. */
  private readonly seen = new Set<number>();
  readonly byAddress = new Map<Ipv4, number>();

  constructor(
    readonly topology: Topology,
    readonly speakers: readonly Speaker[],
  ) {
    for (const speaker of speakers) for (const ip of speaker.addresses) this.byAddress.set(ip, speaker.index);
  }

  /** The local address a speaker uses towards an address: the interface on its subnet if any. */
  localAddressTowards(speaker: Speaker, remote: Ipv4): Ipv4 {
    const i = speaker.subnets.findIndex((subnet) => cidrContains(subnet, remote));
    return speaker.addresses[Math.max(i, 0)] ?? speaker.routerId;
  }

  /** The far end's address to peer with: on a subnet the two share, else its router ID. */
  addressOf(remote: Speaker, from: Speaker): Ipv4 {
    const shared = remote.addresses.find((ip) => from.subnets.some((subnet) => cidrContains(subnet, ip)));
    return shared ?? remote.routerId;
  }

  add(
    speaker: Speaker,
    remoteAddress: Ipv4,
    remoteAs: number,
    type: PeerType,
    name: string,
    options: {
      rrClient?: boolean;
      passive?: boolean;
      nextHopMode?: Neighbor['nextHopMode'] | undefined;
      multihop?: boolean | undefined;
      addPaths?: boolean | undefined;
      restartTime?: number | undefined;
      remotePort?: number | undefined;
    } = {},
  ): void {
    const key = speaker.index * 2 ** 32 + remoteAddress;
    if (this.seen.has(key) || speaker.addresses.includes(remoteAddress)) return;
    this.seen.add(key);
    const remote = this.byAddress.get(remoteAddress) ?? -1;
    const remoteSpeaker = this.speakers[remote];
    const ibgp = remoteAs === speaker.asNumber;
    const rrClient =
      options.rrClient ?? (speaker.clusterId !== undefined && ibgp && remoteSpeaker?.clusterId !== speaker.clusterId);
    this.neighbors.push({
      index: this.neighbors.length,
      speaker: speaker.index,
      name,
      type,
      localAddress: this.localAddressTowards(speaker, remoteAddress),
      remoteAddress,
      remotePort: options.remotePort ?? (remoteSpeaker?.kind === 'node' ? this.topology.bgp.listenPort : BGP_PORT),
      remoteAs,
      remote,
      rrClient,
      passive: options.passive ?? false,
      nextHopMode: options.nextHopMode ?? (speaker.kind === 'router' && ibgp ? 'SelfEbgp' : 'Auto'),
      multihop:
        speaker.kind === 'node' ||
        (options.multihop ?? (ibgp || !speaker.subnets.some((subnet) => cidrContains(subnet, remoteAddress)))),
      addPathOffered: speaker.kind === 'node' || options.addPaths === true,
      addPath: false,
      restartTime: options.restartTime ?? DEFAULT_RESTART_TIME,
      session: -1,
    });
  }
}

function nodesMatching(speakers: readonly Speaker[], selector: Selector): Speaker[] {
  return speakers.filter((s) => s.node !== undefined && matches(selector, s.node.labels));
}

export function buildPeering(topology: Topology): Peering {
  const speakers = buildSpeakers(topology);
  const builder = new PeeringBuilder(topology, speakers);
  if (topology.bgp.nodeToNodeMeshEnabled) addMesh(builder, speakers);
  addBgpPeers(builder, topology, speakers);
  addRouterPeers(builder, speakers);
  const sessions = pairSessions(builder.neighbors, speakers);
  return {
    speakers,
    neighbors: builder.neighbors,
    sessions,
    byName: new Map(speakers.map((s) => [s.name, s.index])),
    byAddress: builder.byAddress,
  };
}

/** The node-to-node mesh: every node with every other, reflectors excluded. */
function addMesh(builder: PeeringBuilder, speakers: readonly Speaker[]): void {
  const nodes = speakers.filter((s) => s.kind === 'node');
  // confd compares the addresses as strings (Go template `gt`): the side with the higher text waits.
  const ipText = nodes.map((n) => formatIpv4(n.routerId));
  const meshName = nodes.map((n) => protocolName('Mesh', n.routerId));
  const restartTime = builder.topology.bgp.nodeMeshMaxRestartTime;
  nodes.forEach((local, l) => {
    if (local.clusterId !== undefined) return;
    nodes.forEach((remote, r) => {
      if (remote === local || remote.clusterId !== undefined) return;
      builder.add(local, remote.routerId, remote.asNumber, 'node-to-node mesh', meshName[r] as string, {
        passive: (ipText[r] as string) > (ipText[l] as string),
        restartTime,
      });
    });
  });
}

/** BGPPeer resources, global ones first, with the reverse peering Calico adds for peerSelector. */
function addBgpPeers(builder: PeeringBuilder, topology: Topology, speakers: readonly Speaker[]): void {
  const nodes = speakers.filter((s) => s.kind === 'node');
  const globalFirst = [...topology.peers].sort(
    (a, b) =>
      Number(a.node !== undefined || a.nodeSelector !== undefined) -
      Number(b.node !== undefined || b.nodeSelector !== undefined),
  );
  const reverse: [Speaker, Speaker, number | undefined][] = [];
  // confd names a peering to a node by its address and, when BGPConfiguration sets one, its port.
  const nodePort = topology.bgp.listenPort === BGP_PORT ? '' : `_port_${topology.bgp.listenPort}`;
  for (const peer of globalFirst) {
    const isGlobal = peer.node === undefined && peer.nodeSelector === undefined;
    const type = isGlobal ? 'global' : 'node specific';
    const prefix = isGlobal ? 'Global' : 'Node';
    const locals =
      peer.node !== undefined
        ? nodes.filter((n) => n.name === peer.node)
        : peer.nodeSelector !== undefined
          ? nodesMatching(speakers, peer.nodeSelector)
          : nodes;
    for (const local of locals) {
      if (peer.peerIP !== undefined) {
        const asNumber = peer.asNumber ?? local.asNumber;
        // A peerIP that is a Calico node (same address and AS) gets the reverse peering too.
        const node = nodes.find((n) => n.routerId === peer.peerIP && n.asNumber === asNumber);
        const port = peer.peerPort !== undefined ? `_port_${peer.peerPort}` : node !== undefined ? nodePort : '';
        builder.add(local, peer.peerIP, asNumber, type, protocolName(prefix, peer.peerIP) + port, {
          nextHopMode: peer.nextHopMode,
          remotePort: peer.peerPort,
          restartTime: peer.maxRestartTime,
          // confd gives a peerIP peer no cluster ID: a reflector makes every one of its AS a client.
          rrClient: local.clusterId !== undefined && asNumber === local.asNumber,
        });
        if (node !== undefined && node !== local) reverse.push([node, local, peer.maxRestartTime]);
        continue;
      }
      for (const remote of peer.peerSelector === undefined ? [] : nodesMatching(speakers, peer.peerSelector)) {
        if (remote === local) continue;
        builder.add(local, remote.routerId, remote.asNumber, type, protocolName(prefix, remote.routerId) + nodePort, {
          nextHopMode: peer.nextHopMode,
          restartTime: peer.maxRestartTime,
        });
        reverse.push([remote, local, peer.maxRestartTime]);
      }
    }
  }
  for (const [local, remote, restartTime] of reverse)
    builder.add(
      local,
      remote.routerId,
      remote.asNumber,
      'node specific',
      protocolName('Node', remote.routerId) + nodePort,
      { restartTime },
    );
}

/** Routers' own peerings: to nodes (by name or selector), to other routers, or to an address. */
function addRouterPeers(builder: PeeringBuilder, speakers: readonly Speaker[]): void {
  const nodes = speakers.filter((s) => s.kind === 'node');
  for (const speaker of speakers) {
    for (const peer of speaker.router?.peers ?? []) {
      const remotes: Speaker[] =
        peer.node !== undefined
          ? nodes.filter((n) => n.name === peer.node)
          : peer.router !== undefined
            ? speakers.filter((s) => s.kind === 'router' && s.name === peer.router)
            : peer.nodeSelector !== undefined
              ? nodesMatching(speakers, peer.nodeSelector)
              : [];
      for (const remote of remotes) {
        builder.add(
          speaker,
          builder.addressOf(remote, speaker),
          remote.asNumber,
          'router peer',
          routerProtocolName(remote.name),
          {
            rrClient: peer.routeReflectorClient,
            nextHopMode: peer.nextHopMode,
            multihop: peer.multihop,
            addPaths: peer.addPaths,
          },
        );
      }
      if (peer.peerIP !== undefined)
        builder.add(
          speaker,
          peer.peerIP,
          peer.asNumber ?? speaker.asNumber,
          'router peer',
          protocolName('peer', peer.peerIP),
          {
            rrClient: peer.routeReflectorClient,
            nextHopMode: peer.nextHopMode,
            multihop: peer.multihop,
            addPaths: peer.addPaths,
          },
        );
    }
  }
}

/**
 * The neighbours of each ordered pair of speakers, keyed speaker × (speakers + 1) + (remote + 1).
 * Nearly every pair has one (a mesh has a million), so it is held as a number, and only the rare
 * second one (two peerings between the same machines) in a list.
 */
class PairIndex {
  private readonly first = new Map<number, number>();
  private readonly more = new Map<number, number[]>();

  constructor(
    private readonly neighbors: readonly Neighbor[],
    private readonly speakers: number,
  ) {
    for (const n of neighbors) {
      const key = this.key(n.speaker, n.remote);
      if (!this.first.has(key)) {
        this.first.set(key, n.index);
        continue;
      }
      const more = this.more.get(key);
      if (more === undefined) this.more.set(key, [n.index]);
      else more.push(n.index);
    }
  }

  /** The first neighbour of `from` towards `to` not yet in a session. */
  unpaired(from: number, to: number): Neighbor | undefined {
    const key = this.key(from, to);
    const first = this.first.get(key);
    if (first === undefined) return undefined;
    if ((this.neighbors[first] as Neighbor).session < 0) return this.neighbors[first];
    for (const i of this.more.get(key) ?? []) if ((this.neighbors[i] as Neighbor).session < 0) return this.neighbors[i];
    return undefined;
  }

  private key(from: number, to: number): number {
    return from * (this.speakers + 1) + to + 1;
  }
}

/** Pairs each neighbour with the far end's neighbour pointing back at it. */
function pairSessions(neighbors: Neighbor[], speakers: readonly Speaker[]): SessionSpec[] {
  const open = new PairIndex(neighbors, speakers.length);
  const sessions: SessionSpec[] = [];
  for (const n of neighbors) {
    if (n.session >= 0) continue;
    const back = n.remote < 0 ? undefined : open.unpaired(n.remote, n.speaker);
    const index = sessions.length;
    n.session = index;
    if (back === undefined) {
      sessions.push({ index, sides: [n.index] });
      continue;
    }
    back.session = index;
    n.addPath = n.addPathOffered && back.addPathOffered;
    back.addPath = n.addPath;
    // The passive side waits; otherwise the higher router ID's connection survives a collision.
    const nFirst =
      back.passive ||
      (!n.passive && (speakers[n.speaker] as Speaker).routerId > (speakers[back.speaker] as Speaker).routerId);
    sessions.push({ index, sides: nFirst ? [n.index, back.index] : [back.index, n.index] });
  }
  return sessions;
}

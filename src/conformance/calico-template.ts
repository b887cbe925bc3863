/**
 * Calico's confd templates for the version podnet models (v3.27: bird.cfg, bird_aggr.cfg,
 * bird_ipam.cfg), rendered for one node straight from the topology as confd renders them from
 * its datastore keys (/host/<node>/ip_addr_v4, /global/peer_v4/<ip>, /host/<node>/peer_v4/<ip>),
 * and translated to BIRD 2 syntax. It shares nothing with podnet's peering model
 * (src/core/bgp/peering.ts) or with `podnet export bird` (src/io/bird.ts): the conformance suite
 * runs these configurations on the nodes, so podnet is checked against Calico's rules, not
 * against its own reading of them. What it takes from podnet is what confd reads: IPAM's blocks
 * and the Services a node advertises.
 */
import { advertisedServices } from '../core/bgp/service-routes.js';
import type { Simulation } from '../core/bgp/simulate.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { matches } from '../core/selector/index.js';
import { type BgpPeer, type ClusterNode, effectiveAs } from '../core/topology/model.js';

/** A /global/peer_v4 or /host/<node>/peer_v4 entry, as confd's client.go writes it. */
interface PeerData {
  readonly ip: string;
  readonly port?: number;
  readonly asNum: number;
  readonly rrClusterId: string;
  readonly nextHopMode: BgpPeer['nextHopMode'];
  readonly restartTime?: number;
}

/** confd's `lsdir "/host"` and `gets`: keys in string order. */
function byKey<T>(entries: Map<string, T>): [string, T][] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function clusterIdOf(node: ClusterNode): string {
  return node.routeReflectorClusterID === undefined ? '' : formatIpv4(node.routeReflectorClusterID);
}

/** The port confd gives a peering to a node: BGPConfiguration's listenPort, when set. */
function nodePort(sim: Simulation): { port?: number } {
  const port = sim.topology.bgp.listenPort;
  return port === 179 ? {} : { port };
}

/** A node as a peer entry (confd's nodeAsBGPPeers), with the BGPPeer's restart time. */
function nodeEntry(sim: Simulation, node: ClusterNode, peer: BgpPeer, nextHopMode: BgpPeer['nextHopMode']): PeerData {
  return {
    ip: formatIpv4(node.ip),
    ...nodePort(sim),
    asNum: effectiveAs(sim.topology, node),
    rrClusterId: clusterIdOf(node),
    nextHopMode,
    ...(peer.maxRestartTime !== undefined ? { restartTime: peer.maxRestartTime } : {}),
  };
}

/** The Calico node a peerIP names (same address and AS), which gets the reverse peering. */
function nodeAt(sim: Simulation, peer: BgpPeer): ClusterNode | undefined {
  const ip = peer.peerIP;
  const asNum = peer.asNumber ?? sim.topology.bgp.asNumber;
  return sim.topology.nodes.find((n) => n.ip === ip && effectiveAs(sim.topology, n) === asNum);
}

/** The peer entries one BGPPeer gives each local node: its peerIP, or each node its peerSelector picks. */
function peerEntries(sim: Simulation, peer: BgpPeer): PeerData[] {
  if (peer.peerIP !== undefined) {
    const port = peer.peerPort !== undefined ? { port: peer.peerPort } : nodeAt(sim, peer) ? nodePort(sim) : {};
    return [
      {
        ip: formatIpv4(peer.peerIP),
        ...port,
        asNum: peer.asNumber ?? sim.topology.bgp.asNumber,
        // confd gives a peerIP peer no cluster ID.
        rrClusterId: '',
        nextHopMode: peer.nextHopMode,
        ...(peer.maxRestartTime !== undefined ? { restartTime: peer.maxRestartTime } : {}),
      },
    ];
  }
  const selector = peer.peerSelector;
  return sim.topology.nodes
    .filter((n) => selector !== undefined && matches(selector, n.labels))
    .map((n) => nodeEntry(sim, n, peer, peer.nextHopMode));
}

/**
 * The datastore's peer keys (confd's updatePeersV1): global ones, and per node, its own (node or
 * nodeSelector), then the reverse peerings on each node a BGPPeer reaches (by peerSelector, or a
 * peerIP that is a node), back to the BGPPeer's own nodes; an entry already there wins.
 */
function peerKeys(sim: Simulation): { global: Map<string, PeerData>; host: Map<string, Map<string, PeerData>> } {
  const global = new Map<string, PeerData>();
  const host = new Map(sim.topology.nodes.map((n) => [n.name, new Map<string, PeerData>()]));
  const localsOf = (peer: BgpPeer): ClusterNode[] => {
    const selector = peer.nodeSelector;
    if (peer.node === undefined && selector === undefined) return [...sim.topology.nodes];
    return sim.topology.nodes.filter(
      (n) => n.name === peer.node || (selector !== undefined && matches(selector, n.labels)),
    );
  };
  for (const peer of sim.topology.peers) {
    const entries = peerEntries(sim, peer);
    if (peer.node === undefined && peer.nodeSelector === undefined) {
      for (const entry of entries) if (!global.has(entry.ip)) global.set(entry.ip, entry);
      continue;
    }
    for (const local of localsOf(peer))
      for (const entry of entries) if (!host.get(local.name)?.has(entry.ip)) host.get(local.name)?.set(entry.ip, entry);
  }
  for (const peer of sim.topology.peers) {
    const selector = peer.peerSelector;
    const at = nodeAt(sim, peer);
    const reached =
      selector !== undefined
        ? sim.topology.nodes.filter((n) => matches(selector, n.labels))
        : at !== undefined
          ? [at]
          : [];
    for (const node of reached) {
      const keys = host.get(node.name);
      for (const local of localsOf(peer)) {
        const ip = formatIpv4(local.ip);
        if (local !== node && keys !== undefined && !keys.has(ip)) keys.set(ip, nodeEntry(sim, local, peer, 'Auto'));
      }
    }
  }
  return { global, host };
}

function protocolId(data: PeerData): string {
  return `${data.ip.replaceAll('.', '_')}${data.port !== undefined ? `_port_${data.port}` : ''}`;
}

/** One Global_ or Node_ protocol, as the template writes it from a peer entry. */
function peerProtocol(kind: 'Global' | 'Node', data: PeerData, node: ClusterNode, nodeAs: number): string[] {
  const lines = [
    `protocol bgp ${kind}_${protocolId(data)} from bgp_template {`,
    `  neighbor ${data.ip}${data.port !== undefined ? ` port ${data.port}` : ''} as ${data.asNum};`,
    `  source address ${formatIpv4(node.ip)};`,
  ];
  if (data.restartTime !== undefined) lines.push(`  graceful restart time ${data.restartTime};`);
  const nodeCid = clusterIdOf(node);
  if (data.asNum === nodeAs && nodeCid !== '' && data.rrClusterId !== nodeCid)
    lines.push('  rr client;', `  rr cluster id ${nodeCid};`);
  const ebgp = data.asNum !== nodeAs;
  const nextHop =
    data.nextHopMode === 'Self' ? ' next hop self;' : ebgp && data.nextHopMode === 'Keep' ? ' next hop keep;' : '';
  lines.push(`  ipv4 { import all; export filter { calico_export_to_bgp_peers(${!ebgp}); reject; };${nextHop} };`, '}');
  return lines;
}

/** Node-to-node mesh: every other node with an address that is not a reflector; the higher address (as text) waits. */
function meshProtocols(sim: Simulation, node: ClusterNode, listenPort: string): string[] {
  if (!sim.topology.bgp.nodeToNodeMeshEnabled || node.routeReflectorClusterID !== undefined) return [];
  const own = formatIpv4(node.ip);
  const hosts = byKey(new Map(sim.topology.nodes.map((n) => [n.name, n])));
  return hosts.flatMap(([, other]) => {
    const ip = formatIpv4(other.ip);
    if (ip === own || other.routeReflectorClusterID !== undefined) return [];
    return [
      `protocol bgp Mesh_${ip.replaceAll('.', '_')} from bgp_template {`,
      `  neighbor ${ip} ${listenPort}as ${effectiveAs(sim.topology, other)};`,
      `  source address ${own};`,
      ...(ip > own ? ['  passive on;'] : []),
      `  graceful restart time ${sim.topology.bgp.nodeMeshMaxRestartTime};`,
      '  ipv4 { import all; export filter { calico_export_to_bgp_peers(true); reject; }; };',
      '}',
    ];
  });
}

/** bird_aggr.cfg and bird_ipam.cfg: the node's blocks as blackholes, and what may leave the node. */
function filters(sim: Simulation, node: ClusterNode): string[] {
  const blocks = sim.cluster.ipam.blocksOf(node.name).map((b) => formatCidr(b.cidr));
  const services = advertisedServices(sim.cluster, node, sim.until).map(formatCidr);
  const pools = sim.topology.pools;
  const statics = [...blocks, ...services];
  return [
    'function calico_aggr() {',
    ...blocks.flatMap((b) => [`  if ( net = ${b} ) then { accept; }`, `  if ( net ~ ${b} ) then { reject; }`]),
    '}',
    'function calico_export_to_bgp_peers(bool internal_peer) {',
    ...pools.filter((p) => p.disableBGPExport).map((p) => `  if ( net ~ ${formatCidr(p.cidr)} ) then { reject; }`),
    // reject_tunnel_routes: VXLAN pools' routes are Felix's, never BIRD's.
    ...pools.filter((p) => p.vxlanMode !== 'Never').map((p) => `  if ( net ~ ${formatCidr(p.cidr)} ) then { reject; }`),
    '  calico_aggr();',
    ...services.map((s) => `  if ( net = ${s} ) then { accept; }`),
    ...pools.filter((p) => !p.disabled).map((p) => `  if ( net ~ ${formatCidr(p.cidr)} ) then { accept; }`),
    '}',
    'filter calico_kernel_programming {',
    ...[...sim.topology.bgp.serviceClusterIPs, ...sim.topology.bgp.serviceExternalIPs].map(
      (range) => `  if ( net ~ ${formatCidr(range)} ) then { reject; }`,
    ),
    ...pools.filter((p) => p.vxlanMode !== 'Never').map((p) => `  if ( net ~ ${formatCidr(p.cidr)} ) then { reject; }`),
    '  accept;',
    '}',
    ...(statics.length === 0
      ? []
      : ['protocol static {', '  ipv4;', ...statics.map((s) => `  route ${s} blackhole;`), '}']),
  ];
}

/**
 * bird.cfg for a node, with `timers` (lines for bgp_template) added where the template sets its
 * own; undefined for a machine that is not a node.
 */
export function calicoTemplate(sim: Simulation, machine: string, timers: readonly string[] = []): string | undefined {
  const node = sim.topology.nodes.find((n) => n.name === machine);
  if (node === undefined) return undefined;
  const nodeAs = effectiveAs(sim.topology, node);
  const port = sim.topology.bgp.listenPort;
  const listenPort = port === 179 ? '' : `port ${port} `;
  const { global, host } = peerKeys(sim);
  const own = formatIpv4(node.ip);
  const globals = byKey(global).filter(([ip]) => ip !== own);
  const specific = byKey(host.get(node.name) ?? new Map()).filter(([ip]) => ip !== own && !global.has(ip));
  return [
    `# Calico v3.27 confd templates rendered for ${node.name}, in BIRD 2 syntax (conformance).`,
    `router id ${own};`,
    ...filters(sim, node),
    'protocol kernel {',
    '  learn;',
    '  persist;',
    '  scan time 2;',
    '  graceful restart on;',
    '  merge paths on;',
    '  ipv4 { import all; export filter calico_kernel_programming; };',
    '}',
    'protocol device { scan time 2; }',
    'protocol direct { ipv4; interface -"cali*", -"kube-ipvs*", "*"; }',
    'template bgp bgp_template {',
    // `listen bgp port N;` in BIRD 1.6: BIRD 2 sets the port each session listens on.
    `  local${port === 179 ? '' : ` port ${port}`} as ${nodeAs};`,
    '  multihop;',
    '  graceful restart on;',
    '  connect delay time 2;',
    ...timers,
    '  connect retry time 5;',
    '  error wait time 5, 30;',
    '  ipv4 { gateway recursive; add paths on; };',
    '}',
    ...meshProtocols(sim, node, listenPort),
    ...globals.flatMap(([, data]) => peerProtocol('Global', data, node, nodeAs)),
    ...specific.flatMap(([, data]) => peerProtocol('Node', data, node, nodeAs)),
    '',
  ].join('\n');
}

/** A configuration's BGP protocols and template, each as its option lines (BIRD 2 text, normalised). */
function protocolOptions(config: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const head = /^(?:protocol bgp (\S+) from bgp_template|template bgp (bgp_template)) \{$/.exec(line);
    if (head !== null) {
      current = [];
      blocks.set((head[1] ?? head[2]) as string, current);
    } else if (line === '}') current = undefined;
    else if (current !== undefined && line !== '' && !line.startsWith('#')) {
      const nextHop = /next hop (self ebgp|self|keep);/.exec(line);
      if (line.startsWith('ipv4 {')) current.push(...(nextHop === null ? [] : [`next hop ${nextHop[1]};`]));
      else current.push(line.replace(/\s+#.*$/, ''));
    }
  }
  for (const lines of blocks.values()) lines.sort();
  return blocks;
}

/** Where `podnet export bird` and Calico's template differ for a node, protocol by protocol. */
export function templateDifferences(exported: string, template: string): string[] {
  const ours = protocolOptions(exported);
  const calico = protocolOptions(template);
  const differences: string[] = [];
  for (const name of [...new Set([...ours.keys(), ...calico.keys()])].sort()) {
    const a = ours.get(name);
    const b = calico.get(name);
    if (a === undefined || b === undefined) {
      differences.push(`${name}: only in ${a === undefined ? "Calico's template" : 'export bird'}`);
      continue;
    }
    const onlyOurs = a.filter((line) => !b.includes(line));
    const onlyCalico = b.filter((line) => !a.includes(line));
    if (onlyOurs.length > 0 || onlyCalico.length > 0)
      differences.push(`${name}: export bird [${onlyOurs.join(' ')}], Calico's template [${onlyCalico.join(' ')}]`);
  }
  return differences;
}

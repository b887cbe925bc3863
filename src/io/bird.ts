/**
 * BIRD configurations as Calico's confd would write them for each node (and the routers' side of
 * their peerings), in BIRD 2 syntax since that is what users can install. Calico ships a BIRD 1.6
 * fork; where the two differ the file says so in a comment: BIRD 2 puts import/export in per-family
 * channels, and it has no `krt_tunnel`, so IPIP routes cannot be pointed at tunl0 by the kernel
 * filter (podnet's FIB shows what Calico's fork installs).
 */

import { type Neighbor, peerName, type Speaker } from '../core/bgp/peering.js';
import { advertisedServices } from '../core/bgp/service-routes.js';
import { BGP_PORT } from '../core/bgp/session.js';
import type { Simulation } from '../core/bgp/simulate.js';
import { routerFixedEntries } from '../core/fib/index.js';
import { type Cidr, formatCidr, formatIpv4, type Ipv4 } from '../core/net/index.js';
import { Query } from '../core/query/index.js';
import { DEFAULT_RESTART_TIME } from '../core/topology/model.js';

function header(sim: Simulation, speaker: Speaker): string[] {
  return [
    `# BIRD 2 configuration for ${speaker.name} (${speaker.kind}) in cluster ${sim.topology.name}, written by podnet.`,
    speaker.kind === 'node'
      ? "# It follows Calico's confd templates (bird.cfg, bird_aggr.cfg, bird_ipam.cfg) translated to BIRD 2."
      : "# A router that is not a Kubernetes node: its side of the topology's peerings.",
    '',
    `router id ${formatIpv4(speaker.routerId)};`,
    '',
    'protocol device { scan time 2; }',
    '',
  ];
}

function nodeFilters(sim: Simulation, speaker: Speaker): string[] {
  const blocks = sim.cluster.ipam
    .blocksOf(speaker.name)
    .filter((b) => b.pool.vxlanMode === 'Never')
    .map((b) => formatCidr(b.cidr));
  const pools = sim.topology.pools
    .filter((p) => !p.disabled && !p.disableBGPExport && p.vxlanMode === 'Never')
    .map((p) => formatCidr(p.cidr));
  const { serviceClusterIPs, serviceExternalIPs } = sim.topology.bgp;
  const serviceRanges = [...serviceClusterIPs, ...serviceExternalIPs].map(formatCidr);
  const node = speaker.node;
  const serviceRoutes = node === undefined ? [] : advertisedServices(sim.cluster, node, sim.until).map(formatCidr);
  const lines = [
    '# bird_aggr.cfg: a blackhole for each block affine to this node; the blocks are exported whole.',
    'function calico_aggr() {',
  ];
  for (const block of blocks)
    lines.push(`  if ( net = ${block} ) then { accept; }`, `  if ( net ~ ${block} ) then { reject; }`);
  lines.push('}', '');
  lines.push(
    '# bird_ipam.cfg: only routes inside an exporting pool leave the node.',
    'function calico_export_to_bgp_peers() {',
    '  calico_aggr();',
  );
  for (const pool of pools) lines.push(`  if ( net ~ ${pool} ) then { accept; }`);
  if (serviceRoutes.length > 0) lines.push('  # Export static routes.');
  for (const route of serviceRoutes) lines.push(`  if ( net ~ ${route} ) then { accept; }`);
  lines.push('  reject;', '}', '');
  lines.push(
    '# Calico 1.6 sets krt_tunnel = "tunl0" here for IPIP pools; BIRD 2 has no such attribute.',
    'filter calico_kernel_programming {',
    ...(serviceRanges.length > 0 ? ["  # Don't program static routes into kernel."] : []),
    ...serviceRanges.map((range) => `  if ( net ~ ${range} ) then { reject; }`),
    '  accept;',
    '}',
    '',
  );
  const statics = [...blocks, ...serviceRoutes];
  if (statics.length > 0)
    lines.push('protocol static static1 {', '  ipv4;', ...statics.map((b) => `  route ${b} blackhole;`), '}', '');
  lines.push(
    'protocol kernel kernel1 {',
    '  learn;',
    '  persist;',
    '  scan time 2;',
    '  graceful restart on;',
    '  merge paths on;',
    '  ipv4 { import all; export filter calico_kernel_programming; };',
    '}',
    '',
    'protocol direct {',
    '  ipv4;',
    '  interface -"cali*", -"kube-ipvs*", "*";',
    '}',
    '',
  );
  return lines;
}

/**
 * A router's static routes: those its configuration gives and those podnet gives the underlay
 * (what an IGP or static configuration gives a real fabric), each with its first next hop.
 */
export function staticRoutes(sim: Simulation, router: string): { dst: Cidr; via: Ipv4 }[] {
  const found = sim.topology.routers.find((r) => r.name === router);
  return (found === undefined ? [] : routerFixedEntries(sim, found)).flatMap((entry) => {
    const hop = entry.nextHops[0];
    return entry.proto === 'static' && hop !== undefined ? [{ dst: entry.prefix, via: hop.via }] : [];
  });
}

/**
 * A router installs what it learns, so that it forwards pod traffic, and knows its connected
 * subnets and static routes so that BGP next hops resolve, also through them (gateway
 * recursive); it passes on BGP routes only, never its own subnets.
 */
function routerKernel(sim: Simulation, speaker: Speaker): string[] {
  const statics = staticRoutes(sim, speaker.name);
  return [
    'protocol kernel kernel1 {',
    '  scan time 2;',
    '  merge paths on;',
    '  ipv4 { import none; export where source = RTS_BGP; };',
    '}',
    '',
    'protocol direct {',
    '  ipv4;',
    '  interface "*";',
    '}',
    '',
    ...(statics.length === 0
      ? []
      : [
          '# The underlay, as an IGP or static configuration gives it (installed in the kernel apart from BIRD).',
          'protocol static underlay {',
          '  ipv4;',
          ...statics.map((route) => `  route ${formatCidr(route.dst)} via ${formatIpv4(route.via)};`),
          '}',
          '',
        ]),
  ];
}

function bgpTemplate(sim: Simulation, speaker: Speaker): string[] {
  // Calico's bird.cfg says `listen bgp port N;`, which BIRD 2 has as the local port of each session.
  const port = sim.topology.bgp.listenPort;
  return [
    'template bgp bgp_template {',
    `  local${speaker.kind === 'node' && port !== BGP_PORT ? ` port ${port}` : ''} as ${speaker.asNumber};`,
    // Calico's template makes every node session multihop; a router's are as its peers say.
    ...(speaker.kind === 'node' ? ['  multihop;'] : []),
    '  graceful restart on;',
    '  connect delay time 2;',
    '  connect retry time 5;',
    '  error wait time 5, 30;',
    // Calico's template offers ADD-PATH on every node session; a router's peers say (BIRD: off).
    `  ipv4 { gateway recursive;${speaker.kind === 'node' ? ' add paths on;' : ''} };`,
    '}',
    '',
  ];
}

const NEXT_HOP_OPTION: Readonly<Record<Neighbor['nextHopMode'], string>> = {
  Auto: '',
  Self: ' next hop self;',
  Keep: ' next hop keep;',
  SelfEbgp: ' next hop self ebgp;',
};

function peerBlock(sim: Simulation, speaker: Speaker, n: Neighbor): string[] {
  const ibgp = n.remoteAs === speaker.asNumber;
  const exportFilter = speaker.kind === 'node' ? 'filter { calico_export_to_bgp_peers(); }' : 'where source = RTS_BGP';
  const remote = peerName(sim.peering, n);
  const lines = [
    `# ${n.type}${remote !== undefined ? ` to ${remote}` : ''}`,
    `protocol bgp ${n.name} from bgp_template {`,
    `  neighbor ${formatIpv4(n.remoteAddress)}${n.remotePort === BGP_PORT ? '' : ` port ${n.remotePort}`} as ${n.remoteAs};`,
    `  source address ${formatIpv4(n.localAddress)};`,
  ];
  if (n.rrClient) lines.push('  rr client;', `  rr cluster id ${formatIpv4(speaker.clusterId ?? speaker.routerId)};`);
  if (n.passive) lines.push('  passive on;');
  // The mesh always states its restart time (nodeMeshMaxRestartTime); a BGPPeer when maxRestartTime is set.
  if (speaker.kind === 'node' && (n.type === 'node-to-node mesh' || n.restartTime !== DEFAULT_RESTART_TIME))
    lines.push(`  graceful restart time ${n.restartTime};`);
  // BIRD's defaults: direct for eBGP, multihop for iBGP; a router's peer entry may say otherwise.
  if (speaker.kind === 'router' && n.multihop && !ibgp) lines.push('  multihop;');
  if (speaker.kind === 'router' && !n.multihop && ibgp) lines.push('  direct;');
  const nextHop = NEXT_HOP_OPTION[n.nextHopMode];
  const addPaths = speaker.kind === 'router' && n.addPathOffered ? ' add paths on;' : '';
  lines.push(`  ipv4 { import all; export ${exportFilter};${nextHop}${addPaths} };`, '}', '');
  return lines;
}

export function birdConfig(sim: Simulation, machine: string): string | undefined {
  const index = sim.peering.byName.get(machine);
  const speaker = index === undefined ? undefined : sim.peering.speakers[index];
  if (speaker === undefined || index === undefined) return undefined;
  const lines = header(sim, speaker);
  if (speaker.kind === 'node') lines.push(...nodeFilters(sim, speaker));
  else lines.push(...routerKernel(sim, speaker));
  const neighbors = new Query(sim).peers(speaker.name).map((peer) => peer.neighbor);
  // Calico's bird.cfg always has bgp_template; a router's configuration only when it peers.
  if (neighbors.length > 0 || speaker.kind === 'node') lines.push(...bgpTemplate(sim, speaker));
  for (const n of neighbors) lines.push(...peerBlock(sim, speaker, n));
  return `${lines.join('\n')}`;
}

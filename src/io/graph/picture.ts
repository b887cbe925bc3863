/**
 * A picture of the simulation, before any drawing: machines, segments and pods as nodes, and
 * edges for links, BGP sessions (by type and state), the next hops towards a prefix, or the hops
 * of a trace. The DOT, Mermaid and SVG writers only paint it, so all three say the same thing.
 * Invariants: node ids are unique; every edge joins two listed nodes; order is deterministic.
 */
import type { Neighbor } from '../../core/bgp/peering.js';
import type { Simulation } from '../../core/bgp/simulate.js';
import { buildFib } from '../../core/fib/index.js';
import { type Cidr, formatCidr, formatIpv4 } from '../../core/net/index.js';
import { Query } from '../../core/query/index.js';
import { machineInterfaces } from '../../core/topology/model.js';
import { isSuccess, type Trace } from '../../core/trace/index.js';
import { sessionInfo } from '../format/bgp.js';
import { dispositionText } from '../format/trace-words.js';

export type PictureNodeKind = 'node' | 'router' | 'segment' | 'pod' | 'external';
export type PictureEdgeKind = 'link' | 'mesh' | 'ibgp' | 'rr-client' | 'ebgp' | 'next-hop' | 'hop';

export interface PictureNode {
  readonly id: string;
  readonly label: string;
  /** A second line: an address, an AS, "no route". */
  readonly detail: string;
  readonly kind: PictureNodeKind;
  readonly down: boolean;
  /** Drawn emphasised: the prefix's origin, a trace's ends. */
  readonly highlight: boolean;
  /** Where a trace ended other than accepted: what happened there, drawn beside the node. */
  readonly note?: string;
}

export interface PictureEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: PictureEdgeKind;
  readonly label: string;
  /** up: a link that carries, an Established session, a hop taken; down: anything else. */
  readonly up: boolean;
  readonly directed: boolean;
}

export interface Picture {
  readonly title: string;
  readonly nodes: readonly PictureNode[];
  readonly edges: readonly PictureEdge[];
}

const SEGMENT_PREFIX = 'segment:';

function machineNodes(sim: Simulation, detail: (name: string) => string = () => ''): PictureNode[] {
  return sim.peering.speakers.map((s) => ({
    id: s.name,
    label: s.name,
    detail:
      detail(s.name) ||
      `${formatIpv4(s.routerId)} AS${s.asNumber}${s.clusterId !== undefined ? ` RR ${formatIpv4(s.clusterId)}` : ''}`,
    kind: s.kind,
    down: !sim.underlay.isUp(s.name),
    highlight: false,
  }));
}

/** Machines and the segments they sit on; each edge is an interface, labelled with its address. */
export function underlayPicture(sim: Simulation): Picture {
  const { topology, underlay } = sim;
  const segments: PictureNode[] = topology.segments.map((s) => ({
    id: `${SEGMENT_PREFIX}${s.name}`,
    label: s.name,
    detail: s.name === formatCidr(s.cidr) ? '' : formatCidr(s.cidr),
    kind: 'segment',
    down: false,
    highlight: false,
  }));
  const edges: PictureEdge[] = sim.peering.speakers.flatMap((machine) =>
    machineInterfaces(topology, machine.name).map((i) => ({
      from: machine.name,
      to: `${SEGMENT_PREFIX}${i.segment}`,
      kind: 'link',
      label: machine.kind === 'node' ? `${formatIpv4(i.ip)}/${i.subnet.len}` : `${i.name} ${formatIpv4(i.ip)}`,
      up: underlay.isUp(machine.name),
      directed: false,
    })),
  );
  return { title: `${topology.name}: underlay`, nodes: [...machineNodes(sim), ...segments], edges };
}

function sessionKind(
  sim: Simulation,
  local: number,
  remote: number,
  rrClient: boolean,
  mesh: boolean,
): PictureEdgeKind {
  if (mesh) return 'mesh';
  if (rrClient) return 'rr-client';
  const remoteAs = remote >= 0 ? sim.peering.speakers[remote]?.asNumber : undefined;
  return remoteAs !== undefined && remoteAs !== sim.peering.speakers[local]?.asNumber ? 'ebgp' : 'ibgp';
}

/** The side of a session whose `bgp status` the picture shows: the edge's source, unless it is stopped. */
function viewpoint(sim: Simulation, sides: readonly Neighbor[], from: Neighbor): Neighbor {
  const up = (n: Neighbor): boolean => sim.underlay.isUp((sim.peering.speakers[n.speaker] as { name: string }).name);
  if (up(from)) return from;
  return sides.find((n) => n !== from && up(n)) ?? from;
}

/** One edge per BGP session: its type (mesh, iBGP, rr-client from reflector to client, eBGP) and state. */
export function bgpPicture(sim: Simulation): Picture {
  const { peering } = sim;
  const query = new Query(sim);
  const external = new Map<string, PictureNode>();
  const edges = peering.sessions.map((spec): PictureEdge => {
    const sides = spec.sides.map((i) => peering.neighbors[i] as (typeof peering.neighbors)[number]);
    const first = sides[0] as (typeof sides)[number];
    const reflector = sides.find((n) => n.rrClient);
    const from = reflector ?? first;
    const state = query.sessionByIndex(spec.index).state;
    let to: string;
    if (from.remote >= 0) to = (peering.speakers[from.remote] as { name: string }).name;
    else {
      to = `peer ${formatIpv4(from.remoteAddress)}`;
      external.set(to, {
        id: to,
        label: to,
        detail: `AS${from.remoteAs}, not in the topology`,
        kind: 'external',
        down: true,
        highlight: false,
      });
    }
    const kind = sessionKind(
      sim,
      from.speaker,
      from.remote,
      reflector !== undefined,
      from.type === 'node-to-node mesh',
    );
    return {
      from: (peering.speakers[from.speaker] as { name: string }).name,
      to,
      kind,
      // What `bgp status` says for this session (Established, Active, Passive, ...), from a side
      // that is running: a stopped machine has no BGP to ask.
      label: state === 'Established' ? state : sessionInfo(sim, viewpoint(sim, sides, from)),
      up: state === 'Established',
      directed: kind === 'rr-client',
    };
  });
  return {
    title: `${sim.topology.name}: BGP sessions at ${sim.until}s`,
    nodes: [...machineNodes(sim), ...external.values()],
    edges,
  };
}

/** Where each machine sends traffic for a prefix: its forwarding entry's next hops, as arrows. */
export function routesToPicture(sim: Simulation, prefix: Cidr): Picture {
  const edges: PictureEdge[] = [];
  const detail = new Map<string, string>();
  const origins = new Set<string>();
  for (const speaker of sim.peering.speakers) {
    const entry = buildFib(sim, speaker.name)?.lookup(prefix.base);
    if (entry === undefined || entry.kind === 'default' || entry.prefix.len > prefix.len) {
      detail.set(speaker.name, 'no route');
      continue;
    }
    if (entry.kind === 'blackhole' || entry.kind === 'local-pod') {
      detail.set(speaker.name, `owns ${formatCidr(entry.prefix)}`);
      origins.add(speaker.name);
      continue;
    }
    detail.set(
      speaker.name,
      `${formatCidr(entry.prefix)} ${entry.kind === 'connected' ? 'connected' : `via ${entry.nextHops.map((h) => formatIpv4(h.via)).join(', ')}`}`,
    );
    for (const hop of entry.nextHops) {
      const owner = sim.peering.byAddress.get(hop.via);
      const to = owner === undefined ? undefined : sim.peering.speakers[owner]?.name;
      if (to !== undefined)
        edges.push({
          from: speaker.name,
          to,
          kind: 'next-hop',
          label: `${hop.dev}${entry.encap !== undefined ? ` (${entry.encap})` : ''}`,
          up: true,
          directed: true,
        });
    }
  }
  const nodes = machineNodes(sim, (name) => detail.get(name) ?? '').map((n) => ({
    ...n,
    highlight: origins.has(n.id),
  }));
  return { title: `${sim.topology.name}: forwarding towards ${formatCidr(prefix)}`, nodes, edges };
}

/** The underlay with the path of a trace drawn over it, hop by hop, and the disposition in the title. */
export function tracePicture(sim: Simulation, traces: readonly Trace[]): Picture {
  const base = underlayPicture(sim);
  const pods = new Map<string, PictureNode>();
  const hops: PictureEdge[] = [];
  const notes = new Map<string, string>();
  for (const [branch, trace] of traces.entries()) {
    const names = trace.hops.map((h) => h.node);
    for (const name of names) {
      if (!sim.peering.byName.has(name) && !pods.has(name))
        pods.set(name, {
          id: name,
          label: name,
          detail: podAddress(sim, name),
          kind: 'pod',
          down: false,
          highlight: true,
        });
    }
    const last = names[names.length - 1];
    if (
      trace.disposition.at !== last &&
      !sim.peering.byName.has(trace.disposition.at) &&
      !pods.has(trace.disposition.at)
    ) {
      pods.set(trace.disposition.at, {
        id: trace.disposition.at,
        label: trace.disposition.at,
        detail: podAddress(sim, trace.disposition.at),
        kind: 'pod',
        down: false,
        highlight: true,
      });
    }
    const path =
      trace.disposition.at === last || !pods.has(trace.disposition.at) ? names : [...names, trace.disposition.at];
    for (let i = 1; i < path.length; i++) {
      const steps = trace.hops[i - 1]?.steps ?? [];
      const tunnel = steps.find((s) => s.kind === 'ENCAPSULATED');
      const dnat = steps.find((s) => s.kind === 'SERVICE_DNAT');
      // kube-proxy's choice, on the edge leaving the node that made it.
      const translated =
        dnat?.kind === 'SERVICE_DNAT'
          ? ` DNAT ${dnat.service}→${formatIpv4(dnat.to)}:${dnat.port} (1/${Math.round(1 / dnat.share)})`
          : '';
      const outer =
        translated +
        (tunnel?.kind === 'ENCAPSULATED'
          ? ` ${tunnel.encap} ${formatIpv4(tunnel.outerSrc)}→${formatIpv4(tunnel.outerDst)}`
          : '');
      hops.push({
        from: path[i - 1] as string,
        to: path[i] as string,
        kind: 'hop',
        label: `${traces.length > 1 ? `${branch + 1}.` : ''}${i}${outer}`,
        up: true,
        directed: true,
      });
    }
    if (!isSuccess(trace.disposition) || trace.disposition.kind === 'EXITS_NETWORK') {
      const where = trace.disposition.at;
      notes.set(where, `${trace.disposition.kind}: ${dispositionText(trace.disposition)}`);
    }
  }
  const dispositions = [...new Set(traces.map((t) => `${t.disposition.kind} at ${t.disposition.at}`))].join(', ');
  const flow = traces[0]?.flow;
  const title =
    flow === undefined
      ? base.title
      : `${sim.topology.name}: ${flow.srcPod} -> ${formatIpv4(flow.dst)}:${flow.port}/${flow.protocol}: ${dispositions}`;
  const noted = (node: PictureNode): PictureNode => {
    const note = notes.get(node.id);
    return note === undefined ? node : { ...node, note, highlight: true };
  };
  return { title, nodes: [...base.nodes, ...pods.values()].map(noted), edges: [...base.edges, ...hops] };
}

function podAddress(sim: Simulation, name: string): string {
  const [namespace, pod] = name.split('/') as [string, string];
  const record = sim.cluster.pod(namespace, pod);
  return record?.podIp === undefined ? '' : formatIpv4(record.podIp);
}

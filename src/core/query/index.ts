/**
 * query: the read-only questions everything outside the engine asks of a simulation (the CLI,
 * the TUI, the printers, checks, diffs and the bench), in one place instead of reaching into the
 * BGP network's arrays: a machine by name, its sessions with their peers, its best routes, a
 * pod-to-pod flow, and the all-pairs reach matrix.
 *
 * Invariants: nothing here changes the simulation; a machine name the caller did not check first
 * is a bug and throws (the CLI checks names and says "not found" itself).
 * Leaves out: writing prose; the io printers turn these facts into text.
 */
import type { PathAttributes } from '../bgp/attributes.js';
import type { Selection } from '../bgp/best-path.js';
import type {
  BgpNetwork,
  LocEntry,
  NetworkCounters,
  RibCandidate,
  SessionStatus,
  TimelineEntry,
} from '../bgp/network.js';
import { type Neighbor, peerName, type Speaker } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import { type Cidr, formatIpv4 } from '../net/index.js';
import { defaultPort } from '../topology/model.js';
import { type Disposition, type Flow, Tracer } from '../trace/index.js';

/** One side of a session, as a machine sees it. */
export interface Peer {
  readonly neighbor: Neighbor;
  readonly status: SessionStatus;
  /** The peer's machine name, or its address when it is outside the topology. */
  readonly name: string;
}

/** A best route with what a reader wants of it: the prefix's text, its attributes, its next hops. */
export interface BestRoute {
  readonly prefixId: number;
  readonly cidr: Cidr;
  readonly prefix: string;
  readonly entry: LocEntry;
  /** Undefined for a local route. */
  readonly attrs?: PathAttributes;
  /** The neighbours it was learned from, best first (empty for a local route). */
  readonly via: readonly Neighbor[];
}

export class Query {
  constructor(readonly sim: Simulation) {}

  has(machine: string): boolean {
    return this.sim.peering.byName.has(machine);
  }

  index(machine: string): number {
    const index = this.sim.peering.byName.get(machine);
    if (index === undefined) throw new Error(`query for unknown machine "${machine}"`);
    return index;
  }

  speaker(machine: string): Speaker {
    return this.sim.peering.speakers[this.index(machine)] as Speaker;
  }

  isUp(machine: string): boolean {
    return this.sim.network.isUp(this.index(machine));
  }

  /** Whether the machine's BIRD runs: it is up and not in a graceful restart. */
  birdRunning(machine: string): boolean {
    return this.sim.network.birdRunning(this.index(machine));
  }

  /** Every session of a machine, in the order its neighbours were configured. */
  peers(machine: string): Peer[] {
    const { network, peering } = this.sim;
    return network.neighborsOfSpeaker(this.index(machine)).map((i) => {
      const neighbor = network.neighbor(i);
      const status = network.sessions[neighbor.session] as SessionStatus;
      return { neighbor, status, name: peerName(peering, neighbor) ?? formatIpv4(neighbor.remoteAddress) };
    });
  }

  established(machine: string): Peer[] {
    return this.peers(machine).filter((p) => p.status.state === 'Established');
  }

  /** Every best route of a machine, in Loc-RIB order. */
  bestRoutes(machine: string): BestRoute[] {
    return [...this.sim.network.locRib(this.index(machine)).entries()].map(([id, entry]) => this.described(id, entry));
  }

  /** The best route for exactly this prefix, or undefined. */
  bestRoute(machine: string, prefix: Cidr): BestRoute | undefined {
    const id = this.sim.network.prefixes.find(prefix);
    const entry = id === undefined ? undefined : this.sim.network.locRib(this.index(machine)).get(id);
    return id === undefined || entry === undefined ? undefined : this.described(id, entry);
  }

  /** Every candidate for exactly this prefix, ranked, with the deciding rule; undefined when none. */
  selection(machine: string, prefix: Cidr): Selection<RibCandidate> | undefined {
    const id = this.sim.network.prefixes.find(prefix);
    return id === undefined ? undefined : this.sim.network.selection(this.index(machine), id);
  }

  /** The candidates for a prefix id, ranked; undefined when there are none. */
  selectionOf(machine: string, prefixId: number): Selection<RibCandidate> | undefined {
    return this.sim.network.selection(this.index(machine), prefixId);
  }

  /** Every prefix a machine has any route for (best or not), in address order, or only `only`. */
  knownPrefixes(machine: string, only?: Cidr): number[] {
    const { prefixes } = this.sim.network;
    return [...this.sim.network.knownPrefixes(this.index(machine))]
      .map((id) => ({ id, cidr: prefixes.cidr(id) }))
      .filter(({ cidr }) => only === undefined || (cidr.base === only.base && cidr.len === only.len))
      .sort((a, b) => a.cidr.base - b.cidr.base || a.cidr.len - b.cidr.len)
      .map(({ id }) => id);
  }

  /** The Loc-RIB entry for a prefix id, or undefined. */
  installed(machine: string, prefixId: number): LocEntry | undefined {
    return this.sim.network.locRib(this.index(machine)).get(prefixId);
  }

  routeCount(machine: string): number {
    return this.sim.network.locRib(this.index(machine)).size;
  }

  prefix(prefixId: number): Cidr {
    return this.sim.network.prefixes.cidr(prefixId);
  }

  prefixText(prefixId: number): string {
    return this.sim.network.prefixes.text(prefixId);
  }

  neighbor(index: number): Neighbor {
    return this.sim.network.neighbor(index);
  }

  /** The session a neighbour is one side of. */
  session(neighbor: Neighbor): SessionStatus {
    return this.sim.network.sessions[neighbor.session] as SessionStatus;
  }

  sessionByIndex(index: number): SessionStatus {
    return this.sim.network.sessions[index] as SessionStatus;
  }

  /** UPDATE and WITHDRAW messages sent, and when routes last changed. */
  get counters(): NetworkCounters {
    return this.sim.network.counters;
  }

  /** What changed when, for one machine or all (kept when the simulation was run with a timeline). */
  timeline(machine?: string): readonly TimelineEntry[] {
    const all = this.sim.network.timeline;
    return machine === undefined ? all : all.filter((e) => e.speaker === machine);
  }

  /** Machines that stopped, when, and the prefixes they originated then. */
  get stops(): BgpNetwork['stops'] {
    return this.sim.network.stops;
  }

  private described(prefixId: number, entry: LocEntry): BestRoute {
    const { network } = this.sim;
    return {
      prefixId,
      cidr: network.prefixes.cidr(prefixId),
      prefix: network.prefixes.text(prefixId),
      entry,
      ...(entry.attrs >= 0 ? { attrs: network.attributes.get(entry.attrs) } : {}),
      via: entry.via.filter((v) => v >= 0).map((v) => network.neighbor(v)),
    };
  }
}

/** A pod-to-pod flow to the destination's address, on `port` or its first container port. */
export function podFlow(
  src: PodRecord,
  dst: PodRecord,
  options: { port?: number; protocol?: 'TCP' | 'UDP' } = {},
): Flow {
  if (src.podIp === undefined || dst.podIp === undefined) throw new Error('podFlow between pods without addresses');
  return {
    srcPod: `${src.spec.namespace}/${src.spec.name}`,
    src: src.podIp,
    dst: dst.podIp,
    protocol: options.protocol ?? 'TCP',
    port: options.port ?? defaultPort(dst.spec),
    loopback: false,
  };
}

export interface ReachCell {
  readonly src: PodRecord;
  readonly dst: PodRecord;
  readonly flow: Flow;
  /** How each branch of the flow ends, as `trace` would end them. */
  readonly dispositions: readonly Disposition[];
}

/** Every source to every target (not to itself), each walked for its dispositions; rows follow `sources`. */
export function reachMatrix(
  sim: Simulation,
  sources: readonly PodRecord[],
  targets: readonly PodRecord[],
  options: { port?: number; protocol?: 'TCP' | 'UDP'; tracer?: Tracer } = {},
): (ReachCell | undefined)[][] {
  const tracer = options.tracer ?? new Tracer(sim, sim.until);
  return sources.map((src) =>
    targets.map((dst) => {
      if (src === dst) return undefined;
      const flow = podFlow(src, dst, options);
      return { src, dst, flow, dispositions: tracer.dispositions(flow) };
    }),
  );
}

/** The pods that have an address: the only ones a packet can leave or reach. */
export function addressedPods(sim: Simulation): PodRecord[] {
  return sim.cluster.pods().filter((p) => p.podIp !== undefined);
}

/**
 * One simulation of a topology: the cluster replayed with the user's operations, the underlay,
 * and the BGP network, run in simulated time up to a moment. Pods and failures happen at their
 * times; a pod that makes its node claim a block or borrow an address changes what that node
 * originates at that moment.
 */
import { Cluster, type ClusterOp, type OpResult, topologyOps } from '../cluster/index.js';
import type { RunResult } from '../sim/index.js';
import type { Topology } from '../topology/model.js';
import { Underlay } from '../topology/underlay.js';
import { BgpNetwork } from './network.js';
import { buildPeering, neighborTowards, type Peering } from './peering.js';

export type WorldOp =
  | ClusterOp
  | { readonly kind: 'link'; readonly at: number; readonly a: string; readonly b: string; readonly up: boolean }
  | { readonly kind: 'machine'; readonly at: number; readonly name: string; readonly up: boolean }
  /** BIRD on a machine restarts gracefully (a calico-node restart), down for `downFor` seconds. */
  | { readonly kind: 'restart'; readonly at: number; readonly name: string; readonly downFor: number }
  /** `birdc disable` (up false) or `enable` of a's protocol towards b. */
  | { readonly kind: 'session'; readonly at: number; readonly a: string; readonly b: string; readonly up: boolean }
  | {
      readonly kind: 'port';
      readonly at: number;
      readonly name: string;
      readonly port: number;
      readonly blocked: boolean;
    };

export interface Simulation {
  readonly topology: Topology;
  readonly cluster: Cluster;
  readonly underlay: Underlay;
  readonly peering: Peering;
  readonly network: BgpNetwork;
  readonly result: RunResult;
  readonly until: number;
}

export interface SimulateOptions {
  readonly until: number;
  readonly timeline?: boolean;
  readonly maxEvents?: number;
  /**
   * Nodes that only listen (a reflector's clients, a full mesh) share views (shared-views.ts); on
   * unless false, and off for a journal with a graceful restart (its stale routes are per
   * session) or a timeline.
   */
  readonly sharedViews?: boolean;
}

/** The topology's timed events as world operations (its pods come from topologyOps). */
export function topologyWorldOps(topology: Topology): WorldOp[] {
  const ops: WorldOp[] = topologyOps(topology).filter((op) => op.kind !== 'node-state');
  for (const event of topology.events) {
    if (event.action === 'link-down' || event.action === 'link-up')
      ops.push({ kind: 'link', at: event.at, a: event.link[0], b: event.link[1], up: event.action === 'link-up' });
    if (event.action === 'node-down' || event.action === 'node-up')
      ops.push({ kind: 'machine', at: event.at, name: event.node, up: event.action === 'node-up' });
    if (event.action === 'node-restart')
      ops.push({ kind: 'restart', at: event.at, name: event.node, downFor: event.downFor });
    if (event.action === 'session-down' || event.action === 'session-up')
      ops.push({
        kind: 'session',
        at: event.at,
        a: event.session[0],
        b: event.session[1],
        up: event.action === 'session-up',
      });
    if (event.action === 'block-port' || event.action === 'unblock-port')
      ops.push({
        kind: 'port',
        at: event.at,
        name: event.node,
        port: event.port,
        blocked: event.action === 'block-port',
      });
  }
  return ops;
}

function isClusterOp(op: WorldOp): op is ClusterOp {
  return (
    op.kind !== 'link' && op.kind !== 'machine' && op.kind !== 'port' && op.kind !== 'session' && op.kind !== 'restart'
  );
}

/** The operations the cluster itself sees: pods, nodes going down or up, and cordons. */
export function toClusterOps(ops: readonly WorldOp[]): ClusterOp[] {
  return ops.flatMap((op): ClusterOp[] => {
    if (isClusterOp(op)) return [op];
    return op.kind === 'machine' ? [{ kind: 'node-state', at: op.at, node: op.name, up: op.up }] : [];
  });
}

export function simulate(topology: Topology, journal: readonly WorldOp[], options: SimulateOptions): Simulation {
  const cluster = new Cluster(topology);
  const underlay = new Underlay(topology);
  const peering = buildPeering(topology);
  const ops = [
    ...topologyWorldOps(topology).map((op, i) => ({ op, rank: 0, i })),
    ...journal.map((op, i) => ({ op, rank: 1, i })),
  ]
    .filter(({ op }) => op.at <= options.until)
    .sort((a, b) => a.op.at - b.op.at || a.rank - b.rank || a.i - b.i)
    .map(({ op }) => op);
  const network = new BgpNetwork(peering, underlay, cluster, {
    seed: topology.seed,
    timeline: options.timeline ?? false,
    sharedViews: options.sharedViews !== false && !ops.some((op) => op.kind === 'restart'),
  });
  const arm = timerArming(cluster, network, options.until);
  const apply = (op: WorldOp): void => {
    applyOp(op, cluster, network);
    arm();
  };
  // What exists at time 0 is in place before the speakers start, which originate once.
  const atStart = ops.filter((op) => op.at === 0);
  for (const op of atStart) {
    if (isClusterOp(op)) cluster.apply(op);
    else applyOp(op, cluster, network);
  }
  network.start();
  arm();
  for (const op of ops.slice(atStart.length)) network.at(op.at, () => apply(op));
  const result = network.run(options.until, options.maxEvents);
  return { topology, cluster, underlay, peering, network, result, until: options.until };
}

/**
 * Runs a simulation on to a later moment, applying further operations at their times (each
 * after the simulation's current moment). What a user or the benchmark does next in a "what if":
 * the state reached so far is kept, not recomputed. The simulation passed in is consumed: its
 * network moves on, so FIBs and tracers made from it before must be made again.
 */
export function advance(sim: Simulation, journal: readonly WorldOp[], options: SimulateOptions): Simulation {
  const ops = journal.filter((op) => op.at <= options.until);
  if (ops.some((op) => op.at < sim.network.engine.now))
    throw new Error('advance: an operation lies in the simulated past');
  if (sim.network.sharesViews && ops.some((op) => op.kind === 'restart'))
    throw new Error('advance: a graceful restart needs a simulation made with sharedViews: false');
  const arm = timerArming(sim.cluster, sim.network, options.until);
  arm();
  for (const op of ops)
    sim.network.at(op.at, () => {
      applyOp(op, sim.cluster, sim.network);
      arm();
    });
  const result = sim.network.run(options.until, options.maxEvents);
  return { ...sim, result, until: options.until };
}

/**
 * The cluster's own timers (evictions, rollout steps) as simulation events: whenever the next
 * one is not yet scheduled, it is, and firing it schedules the one after.
 */
function timerArming(cluster: Cluster, network: BgpNetwork, until: number): () => void {
  const armed = new Set<number>();
  const arm = (): void => {
    const due = cluster.nextTimer();
    if (due === undefined || due > until || armed.has(due)) return;
    armed.add(due);
    network.at(Math.max(due, network.engine.now), () => {
      refresh(cluster.fireTimers(due), network);
      arm();
    });
  };
  return arm;
}

/** Nodes whose pods were placed or removed originate what they now hold. */
function refresh(nodes: readonly string[], network: BgpNetwork): void {
  for (const node of nodes) {
    const speaker = network.peering.byName.get(node);
    if (speaker !== undefined) network.refreshOriginations(speaker);
  }
}

function refreshTouched(result: OpResult, network: BgpNetwork): void {
  if (result.ok) refresh(result.touched, network);
}

function applyOp(op: WorldOp, cluster: Cluster, network: BgpNetwork): void {
  const speakerOf = (name: string): number | undefined => network.peering.byName.get(name);
  switch (op.kind) {
    case 'node-state':
    case 'machine': {
      const name = op.kind === 'machine' ? op.name : op.node;
      const up = op.up;
      const result = cluster.apply({ kind: 'node-state', at: op.at, node: name, up });
      const speaker = speakerOf(name);
      if (speaker !== undefined) network.setSpeakerUp(speaker, up);
      else network.underlay.setMachineUp(name, up);
      refreshTouched(result, network);
      return;
    }
    case 'link':
      network.setLinkUp(op.a, op.b, op.up);
      return;
    case 'restart': {
      const speaker = speakerOf(op.name);
      if (speaker !== undefined) network.restartBird(speaker, op.downFor);
      return;
    }
    case 'port': {
      const speaker = speakerOf(op.name);
      if (speaker !== undefined) network.setPortBlocked(speaker, op.port, op.blocked);
      return;
    }
    case 'session': {
      const neighbor = neighborTowards(network.peering, op.a, op.b);
      if (neighbor !== undefined) network.setNeighborEnabled(neighbor.index, op.up);
      return;
    }
    default:
      refreshTouched(cluster.apply(op), network);
  }
}

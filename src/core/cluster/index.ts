/**
 * cluster: the Kubernetes side of a topology: nodes with their Calico tunnel addresses, pods
 * scheduled onto nodes and given addresses by IPAM, in the order they were created.
 *
 * A Cluster is built by replaying operations in simulated time: the topology's own pods at time 0,
 * its timed pod events, then the user's journal (`podnet create`, `delete`). Replaying the same
 * operations gives the same placements and addresses. Status at any time comes from lifecycle.ts;
 * on a stopped node it is what the kubelet last posted, and the node turns NotReady after the node
 * controller's grace period. Invariants: a pod key (namespace/name) names at most one live pod; a
 * deleted pod's address returns to its block's free FIFO. A cordoned node takes no new pods and
 * keeps the ones it runs. Leaves out: controllers (Deployments, ReplicaSets), Services, and
 * evicting pods from failed nodes.
 */
import { createHash } from 'node:crypto';
import { type Allocation, Ipam } from '../ipam/index.js';
import type { Ipv4 } from '../net/index.js';
import { byCodeUnit } from '../order.js';
import type { ClusterNode, PodSpec, Topology } from '../topology/model.js';
import { podKey } from '../topology/model.js';
import { nodeNotReady, type PodRun, type PodStatus, podStatusAt } from './lifecycle.js';
import { Scheduler } from './scheduler.js';

export type ClusterOp =
  | { readonly kind: 'create'; readonly at: number; readonly pod: PodSpec }
  | { readonly kind: 'delete'; readonly at: number; readonly namespace: string; readonly name: string }
  | { readonly kind: 'node-state'; readonly at: number; readonly node: string; readonly up: boolean }
  /** `kubectl cordon` (unschedulable) and `uncordon`. */
  | { readonly kind: 'cordon'; readonly at: number; readonly node: string; readonly unschedulable: boolean };

export type OpResult =
  /** placedOn: nodes that received pods which had been waiting for one (their routes may change). */
  | { readonly ok: true; readonly placedOn?: readonly string[] }
  | {
      readonly ok: false;
      readonly error: {
        readonly kind: 'already-exists' | 'not-found';
        readonly namespace: string;
        readonly name: string;
      };
    };

export interface PodRecord extends PodRun {
  readonly allocation?: Allocation;
  readonly placementWhy?: string;
  /** Host side of the pod's veth, named as Calico names it. */
  readonly vethName: string;
}

export interface NodeRecord {
  readonly node: ClusterNode;
  readonly ipipTunnel?: Allocation;
  readonly vxlanTunnel?: Allocation;
}

function hexDigest(algorithm: 'sha1' | 'sha256', text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

/** Calico's host-side interface name: `cali` + the first 11 hex digits of SHA-1("namespace.name"). */
export function vethName(namespace: string, name: string): string {
  return `cali${hexDigest('sha1', `${namespace}.${name}`).slice(0, 11)}`;
}

function uuidFrom(text: string): string {
  const h = hexDigest('sha256', text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Placement = Pick<
  PodRecord,
  | 'scheduledBy'
  | 'scheduledAt'
  | 'firstScheduleError'
  | 'nodeName'
  | 'scheduleError'
  | 'sandboxError'
  | 'allocation'
  | 'placementWhy'
>;

/**
 * A pod as created. Its sandbox ID, UID and veth name are hashes of who it is, computed the first
 * time something reads them: a cluster of 150,000 pods need not hash them all to route.
 */
class Pod implements PodRecord {
  readonly scheduledBy: PodRecord['scheduledBy'];
  readonly scheduledAt: number;
  readonly firstScheduleError?: string;
  readonly nodeName?: string;
  readonly scheduleError?: string;
  readonly sandboxError?: string;
  readonly allocation?: Allocation;
  readonly placementWhy?: string;
  private hashes?: { sandboxId: string; uid: string; vethName: string };

  constructor(
    readonly spec: PodSpec,
    readonly createdAt: number,
    /** seed/namespace/name/generation: what the hashes are taken of. */
    private readonly identity: string,
    placement: Placement,
  ) {
    this.scheduledBy = placement.scheduledBy;
    this.scheduledAt = placement.scheduledAt;
    if (placement.firstScheduleError !== undefined) this.firstScheduleError = placement.firstScheduleError;
    if (placement.nodeName !== undefined) this.nodeName = placement.nodeName;
    if (placement.scheduleError !== undefined) this.scheduleError = placement.scheduleError;
    if (placement.sandboxError !== undefined) this.sandboxError = placement.sandboxError;
    if (placement.allocation !== undefined) this.allocation = placement.allocation;
    if (placement.placementWhy !== undefined) this.placementWhy = placement.placementWhy;
  }

  private get identityHashes(): { sandboxId: string; uid: string; vethName: string } {
    if (this.hashes === undefined) {
      const [seed, namespace, name, generation] = this.identity.split('/') as [string, string, string, string];
      this.hashes = {
        sandboxId: hexDigest('sha256', this.identity),
        uid: uuidFrom(`${seed}/uid/${namespace}/${name}/${generation}`),
        vethName: vethName(namespace, name),
      };
    }
    return this.hashes;
  }

  get sandboxId(): string {
    return this.identityHashes.sandboxId;
  }

  get uid(): string {
    return this.identityHashes.uid;
  }

  get vethName(): string {
    return this.identityHashes.vethName;
  }

  /** The same pod (same identity and creation), placed later by the scheduler's retry. */
  placed(placement: Placement): Pod {
    return new Pod(this.spec, this.createdAt, this.identity, placement);
  }
}

/** kube-controller-manager's --node-monitor-grace-period in Kubernetes 1.31 (50 s from 1.32). */
export const NODE_MONITOR_GRACE_SECONDS = 40;

export type NodeReadiness =
  | { readonly ready: true; readonly lastHeartbeat?: number }
  | { readonly ready: false; readonly since: number; readonly lastHeartbeat: number };

export class Cluster {
  readonly ipam: Ipam;
  private readonly scheduler: Scheduler;
  private readonly records = new Map<string, Pod>();
  /** Per node, the keys of the pods placed on it. */
  private readonly byNode = new Map<string, Set<string>>();
  private readonly nodeRecords: NodeRecord[];
  private readonly nodesByName: ReadonlyMap<string, NodeRecord>;
  /** Cordoned nodes, with the time each was cordoned (the unschedulable taint's timeAdded). */
  private readonly cordoned = new Map<string, number>();
  /** Stopped nodes, with the time each stopped: the kubelet's last heartbeat. */
  private readonly stoppedAt = new Map<string, number>();
  private generation = 0;

  constructor(readonly topology: Topology) {
    this.ipam = new Ipam(topology.pools, topology.ipam);
    this.scheduler = new Scheduler(topology.nodes);
    this.nodeRecords = topology.nodes.map((node) => this.startNode(node));
    this.nodesByName = new Map(this.nodeRecords.map((record) => [record.node.name, record]));
  }

  /** calico-node's startup: a tunnel address for each encapsulation a pool of this node uses. */
  private startNode(node: ClusterNode): NodeRecord {
    const tunnel = (
      kind: 'ipip-tunnel' | 'vxlan-tunnel',
      uses: (mode: string, vxlan: string) => boolean,
    ): Allocation | undefined => {
      const result = this.ipam.assign(node.name, node.labels, kind, node.name, (pool) =>
        uses(pool.ipipMode, pool.vxlanMode),
      );
      return result.ok ? result.allocation : undefined;
    };
    const ipip = tunnel('ipip-tunnel', (ipip) => ipip !== 'Never');
    const vxlan = tunnel('vxlan-tunnel', (_ipip, vxlan) => vxlan !== 'Never');
    return { node, ...(ipip ? { ipipTunnel: ipip } : {}), ...(vxlan ? { vxlanTunnel: vxlan } : {}) };
  }

  apply(op: ClusterOp): OpResult {
    switch (op.kind) {
      case 'create':
        return this.create(op.pod, op.at);
      case 'delete':
        return this.remove(op.namespace, op.name);
      case 'node-state':
        this.scheduler.setDown(op.node, !op.up);
        if (!op.up) {
          if (!this.stoppedAt.has(op.node)) this.stoppedAt.set(op.node, op.at);
          return { ok: true };
        }
        this.stoppedAt.delete(op.node);
        return { ok: true, placedOn: this.retryPending(op.at) };
      case 'cordon':
        this.scheduler.setUnschedulable(op.node, op.unschedulable);
        if (op.unschedulable) {
          if (!this.cordoned.has(op.node)) this.cordoned.set(op.node, op.at);
          return { ok: true };
        }
        this.cordoned.delete(op.node);
        return { ok: true, placedOn: this.retryPending(op.at) };
    }
  }

  /**
   * The node's Ready condition as the node lifecycle controller sets it: a stopped node's
   * kubelet posts nothing, and after the grace period the node turns Unknown (NotReady).
   */
  nodeReadyAt(node: string, now: number): NodeReadiness {
    const stopped = this.stoppedAt.get(node);
    if (stopped === undefined) return { ready: true };
    const since = stopped + NODE_MONITOR_GRACE_SECONDS;
    return now < since ? { ready: true, lastHeartbeat: stopped } : { ready: false, since, lastHeartbeat: stopped };
  }

  /** When the node was cordoned, if it is now (spec.unschedulable). */
  cordonedAt(node: string): number | undefined {
    return this.cordoned.get(node);
  }

  private create(spec: PodSpec, at: number): OpResult {
    const key = podKey(spec.namespace, spec.name);
    if (this.records.has(key))
      return { ok: false, error: { kind: 'already-exists', namespace: spec.namespace, name: spec.name } };
    const identity = `${this.topology.seed}/${key}/${this.generation++}`;
    this.records.set(key, new Pod(spec, at, identity, this.schedule(spec, key, at)));
    return { ok: true };
  }

  /** Places a pod and gives it an address, as kube-scheduler then Calico's CNI plugin would. */
  private schedule(spec: PodSpec, key: string, at: number, firstError?: string): Placement {
    const placement = this.scheduler.place(spec);
    const scheduledBy = spec.nodeName === undefined ? 'default-scheduler' : 'nodeName';
    const waited = firstError === undefined ? {} : { firstScheduleError: firstError };
    if (!placement.ok) return { scheduledBy, scheduledAt: at, scheduleError: placement.message, ...waited };
    this.scheduler.adjust(placement.node.name, 1);
    const node = placement.node;
    const onNode = this.byNode.get(node.name) ?? new Set<string>();
    onNode.add(key);
    this.byNode.set(node.name, onNode);
    const assigned = this.ipam.assign(node.name, node.labels, 'pod', key);
    return {
      scheduledBy,
      scheduledAt: at,
      ...waited,
      nodeName: node.name,
      placementWhy: placement.why,
      ...(assigned.ok ? { allocation: assigned.allocation } : { sandboxError: assigned.error.message }),
    };
  }

  /**
   * The scheduler's retry: when a node becomes schedulable again, pods still waiting for one are
   * placed, oldest first. Returns the nodes that received pods.
   */
  private retryPending(at: number): string[] {
    const placedOn = new Set<string>();
    for (const [key, record] of this.records) {
      if (record.scheduleError === undefined) continue;
      const placement = this.schedule(record.spec, key, at, record.firstScheduleError ?? record.scheduleError);
      if (placement.nodeName === undefined) continue;
      this.records.set(key, record.placed(placement));
      placedOn.add(placement.nodeName);
    }
    return [...placedOn];
  }

  private remove(namespace: string, name: string): OpResult {
    const key = podKey(namespace, name);
    const record = this.records.get(key);
    if (record === undefined) return { ok: false, error: { kind: 'not-found', namespace, name } };
    this.records.delete(key);
    if (record.nodeName !== undefined) this.byNode.get(record.nodeName)?.delete(key);
    if (record.allocation) this.ipam.release(record.allocation.ip);
    if (record.nodeName !== undefined) this.scheduler.adjust(record.nodeName, -1);
    return { ok: true };
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.records.get(podKey(namespace, name));
  }

  /** Live pods ordered by namespace, then name (kubectl's order). */
  pods(): PodRecord[] {
    return [...this.records.values()].sort(
      (a, b) => byCodeUnit(a.spec.namespace, b.spec.namespace) || byCodeUnit(a.spec.name, b.spec.name),
    );
  }

  /** The pods placed on one node, in no particular order. */
  podsOn(node: string): PodRecord[] {
    return [...(this.byNode.get(node) ?? [])].map((key) => this.records.get(key) as PodRecord);
  }

  nodes(): readonly NodeRecord[] {
    return this.nodeRecords;
  }

  nodeRecord(name: string): NodeRecord | undefined {
    return this.nodesByName.get(name);
  }

  /**
   * A pod's status as the API server holds it: on a stopped node, what the kubelet last posted,
   * and, once the node is NotReady, the node controller's Ready=False on top.
   */
  statusAt(record: PodRecord, now: number): PodStatus {
    const node = record.nodeName === undefined ? { ready: true as const } : this.nodeReadyAt(record.nodeName, now);
    const heartbeat = node.lastHeartbeat === undefined ? now : Math.max(record.scheduledAt, node.lastHeartbeat);
    const posted = podStatusAt(record, this.topology.images, heartbeat);
    return node.ready ? posted : nodeNotReady(posted, node.since);
  }

  podByIp(ip: Ipv4): PodRecord | undefined {
    const allocation = this.ipam.lookup(ip);
    if (allocation?.kind !== 'pod') return undefined;
    const [namespace, name] = allocation.owner.split('/') as [string, string];
    return this.pod(namespace, name);
  }
}

/** The topology's own operations: its pods at time 0, then its timed pod and node events. */
export function topologyOps(topology: Topology): ClusterOp[] {
  const ops: ClusterOp[] = topology.pods.map((pod) => ({ kind: 'create', at: 0, pod }));
  for (const event of topology.events) {
    if (event.action === 'pod-create') ops.push({ kind: 'create', at: event.at, pod: event.pod });
    else if (event.action === 'pod-delete')
      ops.push({ kind: 'delete', at: event.at, namespace: event.namespace, name: event.name });
    else if (event.action === 'node-down' || event.action === 'node-up') {
      ops.push({ kind: 'node-state', at: event.at, node: event.node, up: event.action === 'node-up' });
    }
  }
  return ops;
}

/**
 * Replays the topology's operations merged with the user's journal, in time order; at equal
 * times the topology's come first. Journal operations that fail (a create of an existing pod)
 * were refused when the user ran them and are skipped here as they were then.
 */
export function buildCluster(topology: Topology, journal: readonly ClusterOp[] = [], until = Infinity): Cluster {
  const cluster = new Cluster(topology);
  const ops = [
    ...topologyOps(topology).map((op, i) => ({ op, rank: 0, i })),
    ...journal.map((op, i) => ({ op, rank: 1, i })),
  ]
    .filter(({ op }) => op.at <= until)
    .sort((a, b) => a.op.at - b.op.at || a.rank - b.rank || a.i - b.i);
  for (const { op } of ops) cluster.apply(op);
  return cluster;
}

/**
 * cluster: the Kubernetes side of a topology: nodes with their Calico tunnel addresses, pods
 * scheduled onto nodes and given addresses by IPAM, in the order they were created.
 *
 * A Cluster is built by replaying operations in simulated time: the topology's own pods at time 0,
 * its timed pod events, then the user's journal (`podnet create`, `delete`). Replaying the same
 * operations gives the same placements and addresses. Status at any time comes from lifecycle.ts;
 * on a stopped node it is what the kubelet last posted, and the node turns NotReady after the node
 * controller's grace period; its pods are evicted when their toleration runs out (node-lifecycle.ts)
 * and stay Terminating until the node is back. Workload controllers (controllers.ts) replace pods
 * that are deleted or evicted. Some changes are due later than the operation that causes them (an
 * eviction, a rollout step when a pod turns available): the cluster keeps them as timers, which
 * whoever drives it fires at their times (`nextTimer`, `fireTimers`).
 * Invariants: a pod key (namespace/name) names at most one live pod; a deleted pod's address
 * returns to its block's free FIFO; an evicted pod keeps its address until its node returns. A
 * cordoned node takes no new pods and keeps the ones it runs. The cluster also holds the Services
 * (services.ts), whose endpoints follow the pods (endpoints.ts), and the policy objects
 * (policies.ts). Leaves out: DaemonSets,
 * LoadBalancer Services.
 */
import { type Allocation, Ipam } from '../ipam/index.js';
import type { Ipv4 } from '../net/index.js';
import { byNamespacedName } from '../order.js';
import { MinHeap } from '../sim/heap.js';
import type { ClusterNode, PodSpec, Topology } from '../topology/model.js';
import { podKey } from '../topology/model.js';
import { ownerKey, type PodAccess, Workloads } from './controllers.js';
import { type PodRun, type PodStatus, podStatusAt } from './lifecycle.js';
import {
  evicted,
  evictionsHalted,
  NODE_MONITOR_GRACE_SECONDS,
  nodeNotReady,
  unreachableToleration,
} from './node-lifecycle.js';
import type { ClusterOp, OpResult } from './ops.js';
import { type Placement, Pod } from './pod.js';
import { PolicyStore } from './policies.js';
import { Scheduler } from './scheduler.js';
import { Services } from './services.js';

export { NODE_MONITOR_GRACE_SECONDS } from './node-lifecycle.js';
export type { ClusterOp, OpResult } from './ops.js';
export { vethName } from './pod.js';

export interface PodRecord extends PodRun {
  readonly allocation?: Allocation;
  /** Its address: from IPAM, or its node's for a hostNetwork pod. */
  readonly podIp?: Ipv4;
  readonly placementWhy?: string;
  /** Host side of the pod's veth, named as Calico names it. */
  readonly vethName: string;
}

export interface NodeRecord {
  readonly node: ClusterNode;
  readonly ipipTunnel?: Allocation;
  readonly vxlanTunnel?: Allocation;
}

export type NodeReadiness =
  | { readonly ready: true; readonly lastHeartbeat?: number }
  | { readonly ready: false; readonly since: number; readonly lastHeartbeat: number };

export class Cluster {
  readonly ipam: Ipam;
  readonly workloads: Workloads;
  readonly services: Services;
  readonly policies: PolicyStore;
  private readonly scheduler: Scheduler;
  private readonly records = new Map<string, Pod>();
  /** Per node, the keys of the pods placed on it. */
  private readonly byNode = new Map<string, Set<string>>();
  /** Per controller (ownerKey), the keys of the pods it owns, in creation order. */
  private readonly owned = new Map<string, Set<string>>();
  /** Evicted pods (Terminating), with their deletionTimestamp. */
  private readonly deletionAt = new Map<string, number>();
  private readonly nodeRecords: NodeRecord[];
  private readonly nodesByName: ReadonlyMap<string, NodeRecord>;
  /** Cordoned nodes, with the time each was cordoned (the unschedulable taint's timeAdded). */
  private readonly cordoned = new Map<string, number>();
  /** Stopped nodes, with the time each stopped: the kubelet's last heartbeat. */
  private readonly stoppedAt = new Map<string, number>();
  /** Every stop of each node, and its restore once it came back: what events remember. */
  private readonly outages = new Map<string, { stopped: number; restored?: number }[]>();
  /** Moments at which something is due: an eviction, a rollout step. */
  private readonly timers = new MinHeap<number>((a, b) => a < b);
  private readonly timerSet = new Set<number>();
  /** With Service advertisement on: nodes whose pods turn Ready at a moment (their /32s may change). */
  private readonly readyTouches = new Map<number, Set<string>>();
  private readonly advertises: boolean;
  private touched = new Set<string>();
  private generation = 0;

  constructor(readonly topology: Topology) {
    this.ipam = new Ipam(topology.pools, topology.ipam);
    this.scheduler = new Scheduler(topology.nodes);
    this.nodeRecords = topology.nodes.map((node) => this.startNode(node));
    this.nodesByName = new Map(this.nodeRecords.map((record) => [record.node.name, record]));
    this.workloads = new Workloads(this.podAccess(), topology.seed, topology.pods);
    this.services = new Services(topology.seed);
    this.policies = new PolicyStore(topology);
    this.advertises = topology.bgp.serviceClusterIPs.length + topology.bgp.serviceExternalIPs.length > 0;
    for (const workload of topology.workloads) this.workloads.adopt(workload);
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
    this.touched = new Set();
    const refused = this.applyOp(op);
    if (refused !== undefined) return refused;
    // A created pod changes no controller (podnet does not adopt orphans), nor does a Service.
    if (!['create', 'cordon', 'service', 'service-delete', 'policy', 'policy-delete'].includes(op.kind))
      this.workloads.reconcile(op.at);
    // An advertised Local Service's /32s follow its endpoints: every node may originate anew.
    if (this.advertises && (op.kind === 'service' || op.kind === 'service-delete'))
      for (const { node } of this.nodeRecords) this.touched.add(node.name);
    return { ok: true, touched: [...this.touched] };
  }

  private applyOp(op: ClusterOp): OpResult | undefined {
    switch (op.kind) {
      case 'create':
        return this.create(op.pod, op.at);
      case 'delete':
        return this.remove(op.namespace, op.name);
      case 'node-state':
        this.setNodeUp(op.node, op.up, op.at);
        return undefined;
      case 'cordon':
        this.scheduler.setUnschedulable(op.node, op.unschedulable);
        if (!op.unschedulable) {
          this.cordoned.delete(op.node);
          this.retryPending(op.at);
        } else if (!this.cordoned.has(op.node)) this.cordoned.set(op.node, op.at);
        return undefined;
      case 'workload':
        this.workloads.put(op.workload, op.at);
        return undefined;
      case 'workload-delete':
        return this.workloads.remove(op.workload, op.namespace, op.name, op.at) ? undefined : this.missing(op);
      case 'scale':
        return this.workloads.scale(op.workload, op.namespace, op.name, op.replicas ?? 0)
          ? undefined
          : this.missing(op);
      case 'undo':
        this.workloads.undo(op.namespace, op.name, op.revision);
        return undefined;
      case 'service': {
        const put = this.services.put(op.service, op.at);
        return 'spec' in put
          ? undefined
          : { ok: false, error: { kind: 'already-exists', namespace: op.service.namespace, name: op.service.name } };
      }
      case 'service-delete':
        return this.services.remove(op.namespace, op.name) ? undefined : this.missing(op);
      case 'policy':
        return this.policies.put(op.object, op.at)
          ? undefined
          : {
              ok: false,
              error: {
                kind: 'not-found',
                namespace: '',
                name: op.object.kind === 'policy' ? op.object.policy.tier : '',
              },
            };
      case 'policy-delete':
        return this.policies.remove(op.object, op.namespace, op.name)
          ? undefined
          : this.missing({ namespace: op.namespace ?? '', name: op.name });
    }
  }

  private missing(op: { namespace: string; name: string }): OpResult {
    return { ok: false, error: { kind: 'not-found', namespace: op.namespace, name: op.name } };
  }

  /**
   * The kubelet (and BIRD) stop or start. A stopped node's pods are evicted later, by timer; when
   * it is back, the pods evicted meanwhile are finally deleted and their addresses released.
   */
  private setNodeUp(node: string, up: boolean, at: number): void {
    if (!up) {
      if (this.stoppedAt.has(node)) return;
      this.stoppedAt.set(node, at);
      this.outages.set(node, [...(this.outages.get(node) ?? []), { stopped: at }]);
      const notReady = at + NODE_MONITOR_GRACE_SECONDS;
      this.wake(notReady);
      for (const key of this.byNode.get(node) ?? []) {
        const delay = unreachableToleration((this.records.get(key) as Pod).spec);
        if (delay !== Infinity) this.wake(notReady + delay);
      }
      return;
    }
    if (this.stoppedAt.delete(node)) {
      const log = this.outages.get(node) ?? [];
      const open = log.at(-1);
      if (open !== undefined && open.restored === undefined) log[log.length - 1] = { ...open, restored: at };
    }
    this.scheduler.setDown(node, false);
    for (const key of [...(this.byNode.get(node) ?? [])]) {
      if (!this.deletionAt.has(key)) continue;
      const [namespace, name] = key.split('/') as [string, string];
      this.remove(namespace, name);
    }
    this.retryPending(at);
    // Evictions a disrupted zone held back may go ahead now.
    if (this.stoppedAt.size > 0) this.wake(at);
  }

  /** The next moment something is due, if any. */
  nextTimer(): number | undefined {
    return this.timers.peek();
  }

  /** Runs what is due by `at`: evictions, then the controllers. Returns the nodes touched. */
  fireTimers(at: number): readonly string[] {
    this.touched = new Set();
    let due = false;
    for (let next = this.timers.peek(); next !== undefined && next <= at; next = this.timers.peek()) {
      this.timers.pop();
      this.timerSet.delete(next);
      for (const node of this.readyTouches.get(next) ?? []) this.touched.add(node);
      this.readyTouches.delete(next);
      due = true;
    }
    if (!due) return [];
    this.evict(at);
    this.workloads.reconcile(at);
    return [...this.touched];
  }

  private wake(at: number): void {
    if (this.timerSet.has(at)) return;
    this.timerSet.add(at);
    this.timers.push(at);
  }

  /**
   * The node lifecycle controller: a node NotReady gets the unreachable NoSchedule taint (the
   * scheduler avoids it from then on, not before); then the taint eviction controller deletes pods
   * whose toleration of the NoExecute taint has run out.
   */
  private evict(at: number): void {
    const nodes = this.topology.nodes;
    for (const [node, stopped] of this.stoppedAt) {
      const notReady = stopped + NODE_MONITOR_GRACE_SECONDS;
      if (at < notReady) continue;
      this.scheduler.setDown(node, true);
      const record = this.nodesByName.get(node);
      if (record === undefined || evictionsHalted(record.node, nodes, (name) => this.nodeReadyAt(name, at).ready))
        continue;
      for (const key of this.byNode.get(node) ?? []) {
        if (this.deletionAt.has(key)) continue;
        const due = notReady + unreachableToleration((this.records.get(key) as Pod).spec);
        if (due <= at) this.deletionAt.set(key, due);
      }
    }
  }

  /** What the controllers see of the pods, and what they may do to them. */
  private podAccess(): PodAccess {
    const images = this.topology.images;
    const keyOf = (pod: PodRecord) => podKey(pod.spec.namespace, pod.spec.name);
    return {
      owned: (owner) => this.ownedBy(owner.kind, owner.namespace, owner.name),
      terminating: (pod) => this.deletionAt.has(keyOf(pod)),
      firstReady: (pod) => (pod as Pod).readiness(images).at,
      readySince: (pod, at) => {
        const { at: first, forever } = (pod as Pod).readiness(images);
        if (first === undefined || first > at) return undefined;
        if (pod.nodeName !== undefined && !this.nodeReadyAt(pod.nodeName, at).ready) return undefined;
        if (!forever && !this.statusAt(pod, at).conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
          return undefined;
        return first;
      },
      restarts: (pod, at) => this.statusAt(pod, at).restarts,
      running: (pod, at) => this.statusAt(pod, at).phase === 'Running',
      exists: (namespace, name) => this.records.has(podKey(namespace, name)),
      create: (spec, at) => {
        this.create(spec, at);
        return this.records.get(podKey(spec.namespace, spec.name)) as Pod;
      },
      remove: (pod) => void this.remove(pod.spec.namespace, pod.spec.name),
      wakeAt: (at) => this.wake(at),
    };
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

  /**
   * The times the node went NotReady (its stop + the grace period) and came back Ready, up to now:
   * what the node controller and the kubelet record as events.
   */
  nodeTransitions(node: string, now: number): { notReady: number; ready?: number }[] {
    return (this.outages.get(node) ?? []).flatMap(({ stopped, restored }) => {
      const notReady = stopped + NODE_MONITOR_GRACE_SECONDS;
      if (notReady > now || (restored !== undefined && restored < notReady)) return [];
      return [restored === undefined || restored > now ? { notReady } : { notReady, ready: restored }];
    });
  }

  /** When the node was cordoned, if it is now (spec.unschedulable). */
  cordonedAt(node: string): number | undefined {
    return this.cordoned.get(node);
  }

  private create(spec: PodSpec, at: number): OpResult | undefined {
    const key = podKey(spec.namespace, spec.name);
    if (this.records.has(key))
      return { ok: false, error: { kind: 'already-exists', namespace: spec.namespace, name: spec.name } };
    const identity = `${this.topology.seed}/${key}/${this.generation++}`;
    const pod = new Pod(spec, at, identity, this.schedule(spec, key, at));
    this.records.set(key, pod);
    const ready = this.advertises && pod.nodeName !== undefined ? pod.readiness(this.topology.images).at : undefined;
    if (ready !== undefined) {
      this.wake(ready);
      this.readyTouches.set(ready, (this.readyTouches.get(ready) ?? new Set()).add(pod.nodeName as string));
    }
    if (spec.owner !== undefined) {
      const owner = ownerKey(spec.owner.kind, spec.namespace, spec.owner.name);
      const owned = this.owned.get(owner) ?? new Set<string>();
      owned.add(key);
      this.owned.set(owner, owned);
    }
    return undefined;
  }

  /** Places a pod and gives it an address, as kube-scheduler then Calico's CNI plugin would. */
  private schedule(spec: PodSpec, key: string, at: number, firstError?: string): Placement {
    const placement = this.scheduler.place(spec);
    const scheduledBy: Placement['scheduledBy'] = spec.nodeName === undefined ? 'default-scheduler' : 'nodeName';
    const waited = firstError === undefined ? {} : { firstScheduleError: firstError };
    if (!placement.ok) return { scheduledBy, scheduledAt: at, scheduleError: placement.message, ...waited };
    this.scheduler.adjust(placement.node.name, 1);
    const node = placement.node;
    this.touched.add(node.name);
    const onNode = this.byNode.get(node.name) ?? new Set<string>();
    onNode.add(key);
    this.byNode.set(node.name, onNode);
    const placed = { scheduledBy, scheduledAt: at, ...waited, nodeName: node.name, placementWhy: placement.why };
    // No CNI call: no pool address, no veth, no workload endpoint; the node's address.
    if (spec.hostNetwork) return { ...placed, podIp: node.ip };
    const assigned = this.ipam.assign(node.name, node.labels, 'pod', key);
    return {
      ...placed,
      ...(assigned.ok
        ? { allocation: assigned.allocation, podIp: assigned.allocation.ip }
        : { sandboxError: assigned.error.message }),
    };
  }

  /**
   * The scheduler's retry: when a node becomes schedulable again, pods still waiting for one are
   * placed, oldest first.
   */
  private retryPending(at: number): void {
    for (const [key, record] of this.records) {
      if (record.scheduleError === undefined) continue;
      const placement = this.schedule(record.spec, key, at, record.firstScheduleError ?? record.scheduleError);
      if (placement.nodeName !== undefined) this.records.set(key, record.placed(placement));
    }
  }

  private remove(namespace: string, name: string): OpResult | undefined {
    const key = podKey(namespace, name);
    const record = this.records.get(key);
    if (record === undefined) return { ok: false, error: { kind: 'not-found', namespace, name } };
    this.records.delete(key);
    this.deletionAt.delete(key);
    const owner = record.spec.owner;
    if (owner !== undefined) this.owned.get(ownerKey(owner.kind, namespace, owner.name))?.delete(key);
    if (record.nodeName !== undefined) {
      this.byNode.get(record.nodeName)?.delete(key);
      this.scheduler.adjust(record.nodeName, -1);
      this.touched.add(record.nodeName);
    }
    if (record.allocation) this.ipam.release(record.allocation.ip);
    return undefined;
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.records.get(podKey(namespace, name));
  }

  /** A pod by its `namespace/name` key, as flows and IPAM owners name it. */
  podByKey(key: string): PodRecord | undefined {
    return this.records.get(key);
  }

  /** Live pods in no particular order: for scans that sort what they keep. */
  unorderedPods(): Iterable<PodRecord> {
    return this.records.values();
  }

  /** Live pods ordered by namespace, then name (kubectl's order). */
  pods(): PodRecord[] {
    return [...this.records.values()].sort((a, b) => byNamespacedName(a.spec, b.spec));
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
   * and, once the node is NotReady, the node controller's Ready=False on top; once evicted,
   * Terminating.
   */
  statusAt(record: PodRecord, now: number): PodStatus {
    const node = record.nodeName === undefined ? { ready: true as const } : this.nodeReadyAt(record.nodeName, now);
    const heartbeat = node.lastHeartbeat === undefined ? now : Math.max(record.scheduledAt, node.lastHeartbeat);
    const posted = podStatusAt(record, this.topology.images, heartbeat);
    const shown = node.ready ? this.pastNotReady(record, posted, now) : nodeNotReady(posted, node.since);
    const deleted = this.deletionAt.get(podKey(record.spec.namespace, record.spec.name));
    return deleted === undefined ? shown : evicted(shown, deleted, record.spec);
  }

  /** A pod on a node that was NotReady and is back keeps the NodeNotReady events it got then. */
  private pastNotReady(record: PodRecord, status: PodStatus, now: number): PodStatus {
    if (record.nodeName === undefined || !this.outages.has(record.nodeName)) return status;
    const times = this.nodeTransitions(record.nodeName, now)
      .map((t) => t.notReady)
      .filter((t) => t >= record.scheduledAt);
    return times.reduce((shown, since) => nodeNotReady(shown, since, false), status);
  }

  /** The pods a controller owns (Terminating ones included), oldest first. */
  ownedBy(kind: string, namespace: string, name: string): PodRecord[] {
    return [...(this.owned.get(ownerKey(kind, namespace, name)) ?? [])].map((key) => this.records.get(key) as Pod);
  }

  podByIp(ip: Ipv4): PodRecord | undefined {
    const allocation = this.ipam.lookup(ip);
    if (allocation?.kind !== 'pod') return undefined;
    return this.podByKey(allocation.owner);
  }
}

export { buildCluster, topologyOps } from './replay.js';

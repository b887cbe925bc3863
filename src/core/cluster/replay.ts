/**
 * A cluster rebuilt by replaying operations in time order: the topology's own (its pods at time
 * 0, its timed events), then the user's journal, with the cluster's timers (evictions, rollout
 * steps) fired at their own times in between.
 */
import type { Topology } from '../topology/model.js';
import { Cluster, type ClusterOp } from './index.js';

/** The topology's own operations: its pods at time 0, then its timed pod and node events. */
export function topologyOps(topology: Topology): ClusterOp[] {
  const ops: ClusterOp[] = [
    ...topology.services.map((service): ClusterOp => ({ kind: 'service', at: 0, service })),
    ...topology.pods.map((pod): ClusterOp => ({ kind: 'create', at: 0, pod })),
  ];
  for (const event of topology.events) {
    if (event.action === 'pod-create') ops.push({ kind: 'create', at: event.at, pod: event.pod });
    else if (event.action === 'pod-delete')
      ops.push({ kind: 'delete', at: event.at, namespace: event.namespace, name: event.name });
    else if (event.action === 'scale')
      ops.push({
        kind: 'scale',
        at: event.at,
        workload: event.kind,
        namespace: 'default',
        name: event.controller,
        replicas: event.replicas,
      });
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
  for (const { op } of ops) {
    fireTimersBefore(cluster, op.at);
    cluster.apply(op);
  }
  fireTimersBefore(cluster, until, true);
  return cluster;
}

/** Runs the cluster's timers due before `at` (or at it, when `inclusive`), each at its own time. */
function fireTimersBefore(cluster: Cluster, at: number, inclusive = false): void {
  for (let due = cluster.nextTimer(); due !== undefined && (due < at || (inclusive && due === at)); ) {
    cluster.fireTimers(due);
    due = cluster.nextTimer();
  }
}

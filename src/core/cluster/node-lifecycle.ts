/**
 * The node lifecycle and taint eviction controllers of Kubernetes 1.31, as far as a stopped node
 * needs them: the node turns NotReady after the grace period and gets the unreachable NoExecute
 * taint; each pod on it is evicted when its toleration of that taint runs out (300 s, added by
 * the DefaultTolerationSeconds admission plugin, unless the pod says otherwise). Evictions stop in
 * a zone that is fully disrupted (no node Ready), or partially (more than 2 nodes and at least 55%
 * NotReady) in a zone of at most 50 nodes, as the controller assumes a network problem then.
 * Leaves out: the 0.1 node/s tainting rate, and the slower rate of large partly disrupted zones.
 */
import type { ClusterNode, PodSpec, Taint } from '../topology/model.js';
import type { PodEvent, PodStatus } from './lifecycle.js';
import { toleratesTaint } from './scheduler.js';

/** kube-controller-manager's --node-monitor-grace-period in Kubernetes 1.31 (50 s from 1.32). */
export const NODE_MONITOR_GRACE_SECONDS = 40;
/** kube-apiserver's --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;

export const UNREACHABLE_NO_EXECUTE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

const ZONE_LABEL = 'topology.kubernetes.io/zone';
const UNHEALTHY_ZONE_THRESHOLD = 0.55;
const LARGE_CLUSTER_SIZE = 50;

/**
 * How long the pod stays on an unreachable node: the least tolerationSeconds of its tolerations
 * of the taint, Infinity if one tolerates it for ever, the admission default if none does.
 */
export function unreachableToleration(spec: PodSpec): number {
  const matching = spec.tolerations.filter((t) => toleratesTaint(t, UNREACHABLE_NO_EXECUTE));
  if (matching.length === 0) return DEFAULT_TOLERATION_SECONDS;
  return Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds ?? Infinity)));
}

/** Whether the node's zone is disrupted enough that the controller evicts nothing from it. */
export function evictionsHalted(
  node: ClusterNode,
  nodes: readonly ClusterNode[],
  ready: (name: string) => boolean,
): boolean {
  const zone = node.labels[ZONE_LABEL] ?? '';
  const members = nodes.filter((n) => (n.labels[ZONE_LABEL] ?? '') === zone);
  const notReady = members.filter((n) => !ready(n.name)).length;
  if (notReady === members.length) return true;
  const partial = notReady > 2 && notReady / members.length >= UNHEALTHY_ZONE_THRESHOLD;
  return partial && members.length <= LARGE_CLUSTER_SIZE;
}

/**
 * What the node lifecycle controller does to a pod on a node gone NotReady: its Ready condition
 * turns False, with a NodeNotReady event. Container statuses (and so kubectl's READY column) stay
 * as the kubelet last posted them. With `current` false the node has come back since: only the
 * event remains, in its place among the others.
 */
export function nodeNotReady(status: PodStatus, since: number, current = true): PodStatus {
  const event: PodEvent = {
    type: 'Warning',
    reason: 'NodeNotReady',
    from: 'node-controller',
    message: 'Node is not ready',
    first: since,
    last: since,
    count: 1,
  };
  return {
    ...status,
    conditions: current
      ? status.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c))
      : status.conditions,
    events: [...status.events, event].sort((x, y) => x.first - y.first || x.last - y.last),
  };
}

/**
 * A pod the taint eviction controller deleted while its node was unreachable: it has a
 * deletionTimestamp, so kubectl shows Terminating, and stays so until the kubelet can kill it.
 */
export function evicted(status: PodStatus, at: number, pod: PodSpec): PodStatus {
  const event: PodEvent = {
    type: 'Normal',
    reason: 'TaintManagerEviction',
    from: 'taint-eviction-controller',
    message: `Marking for deletion Pod ${pod.namespace}/${pod.name}`,
    first: at,
    last: at,
    count: 1,
  };
  return {
    ...status,
    display: status.phase === 'Succeeded' || status.phase === 'Failed' ? status.display : 'Terminating',
    deletionTimestamp: at,
    conditions: [{ type: 'DisruptionTarget', status: 'True' }, ...status.conditions],
    events: [...status.events, event].sort((x, y) => x.first - y.first || x.last - y.last),
  };
}

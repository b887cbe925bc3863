/**
 * Which pods a ReplicaSet or ReplicationController deletes first when it has too many: upstream's
 * ActivePodsWithRanks.Less (pkg/controller/controller_utils.go), the first rule that differs
 * deciding. Ages compare on a log2 scale (LogarithmicScaleDown, on by default), and pods equal on
 * every rule are ordered by UID, which upstream relies on for a pseudo-random pick.
 */

import { byCodeUnit } from '../order.js';
import type { PodAccess } from './controllers.js';
import type { PodRecord } from './index.js';

const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

interface Facts {
  readonly scheduled: number;
  readonly running: number;
  readonly ready: number;
  readonly cost: number;
  /** Active pods of the same owner family on the pod's node. */
  readonly rank: number;
  readonly readyAge: number;
  readonly restarts: number;
  readonly age: number;
}

/** floor(log2(seconds)) + 1, so that a second and less share bucket 0 .. 1. */
function logBucket(seconds: number): number {
  return seconds < 1 ? 0 : Math.floor(Math.log2(seconds)) + 1;
}

function factsOf(pod: PodRecord, onNode: ReadonlyMap<string, number>, pods: PodAccess, at: number): Facts {
  const ready = pods.readySince(pod, at);
  return {
    scheduled: pod.nodeName === undefined ? 0 : 1,
    running: pods.running(pod, at) ? 1 : 0,
    ready: ready === undefined ? 0 : 1,
    cost: Number(pod.spec.annotations[DELETION_COST] ?? 0) || 0,
    rank: pod.nodeName === undefined ? 0 : (onNode.get(pod.nodeName) ?? 0),
    readyAge: ready === undefined ? 0 : logBucket(at - ready),
    restarts: pods.restarts(pod, at),
    age: logBucket(at - pod.createdAt),
  };
}

/**
 * `active` in the order they should go: unscheduled, then Pending, then not Ready; lower deletion
 * cost; more of the family on the same node; Ready for less time; more restarts; younger.
 */
export function deletionOrder(
  active: readonly PodRecord[],
  family: readonly PodRecord[],
  pods: PodAccess,
  at: number,
): PodRecord[] {
  const onNode = new Map<string, number>();
  for (const pod of family)
    if (pod.nodeName !== undefined) onNode.set(pod.nodeName, (onNode.get(pod.nodeName) ?? 0) + 1);
  const facts = new Map(active.map((pod) => [pod, factsOf(pod, onNode, pods, at)] as const));
  return [...active].sort((a, b) => {
    const x = facts.get(a) as Facts;
    const y = facts.get(b) as Facts;
    return (
      x.scheduled - y.scheduled ||
      x.running - y.running ||
      x.ready - y.ready ||
      x.cost - y.cost ||
      y.rank - x.rank ||
      (x.ready && y.ready ? x.readyAge - y.readyAge : 0) ||
      y.restarts - x.restarts ||
      x.age - y.age ||
      byCodeUnit(a.uid, b.uid)
    );
  });
}

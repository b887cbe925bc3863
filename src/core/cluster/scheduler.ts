/**
 * A deterministic stand-in for kube-scheduler: filter nodes (nodeName, cordoned nodes, taints the
 * pod does not tolerate, nodes that are down, nodeSelector), then pick the one with the fewest
 * pods, ties broken by name. Pods without constraints, the common case at scale, are placed
 * through a heap of (pod count, name) so 150,000 placements do not scan 5,000 nodes each.
 */

import { byCodeUnit } from '../order.js';
import { MinHeap } from '../sim/heap.js';
import type { ClusterNode, PodSpec, Taint, Toleration } from '../topology/model.js';

export type Placement =
  | { readonly ok: true; readonly node: ClusterNode; readonly why: string }
  | { readonly ok: false; readonly message: string };

interface HeapEntry {
  readonly count: number;
  readonly index: number;
}

export class Scheduler {
  private readonly counts: Int32Array;
  private readonly index = new Map<string, number>();
  private readonly open: MinHeap<HeapEntry>;
  private readonly down = new Set<string>();
  private readonly unschedulable = new Set<string>();

  constructor(private readonly nodes: readonly ClusterNode[]) {
    this.counts = new Int32Array(nodes.length);
    nodes.forEach((node, i) => {
      this.index.set(node.name, i);
    });
    this.open = new MinHeap<HeapEntry>((a, b) => a.count < b.count || (a.count === b.count && a.index < b.index));
    nodes.forEach((node, i) => {
      if (node.taints.every((t) => t.effect === 'PreferNoSchedule')) this.open.push({ count: 0, index: i });
    });
  }

  setDown(name: string, down: boolean): void {
    if (down) this.down.add(name);
    else this.down.delete(name);
  }

  setUnschedulable(name: string, unschedulable: boolean): void {
    if (unschedulable) this.unschedulable.add(name);
    else this.unschedulable.delete(name);
  }

  place(pod: PodSpec): Placement {
    if (pod.nodeName !== undefined) {
      const node = this.nodes[this.index.get(pod.nodeName) ?? -1];
      if (node === undefined) return { ok: false, message: `node "${pod.nodeName}" not found` };
      return { ok: true, node, why: `spec.nodeName is ${node.name}: the scheduler is bypassed` };
    }
    const unconstrained =
      Object.keys(pod.nodeSelector).length === 0 &&
      pod.tolerations.length === 0 &&
      this.down.size === 0 &&
      this.unschedulable.size === 0;
    return unconstrained ? this.placeFromHeap() : this.placeByScan(pod);
  }

  /** Records that a pod now runs on (or left) a node. */
  adjust(nodeName: string, delta: 1 | -1): void {
    const i = this.index.get(nodeName);
    if (i === undefined) return;
    this.counts[i] = (this.counts[i] as number) + delta;
    const node = this.nodes[i] as ClusterNode;
    if (delta < 0 && node.taints.every((t) => t.effect === 'PreferNoSchedule'))
      this.open.push({ count: this.counts[i] as number, index: i });
  }

  private placeFromHeap(): Placement {
    for (;;) {
      const top = this.open.pop();
      if (top === undefined) return this.placeByScan(undefined);
      const current = this.counts[top.index] as number;
      // Entries go stale when counts change outside the heap; re-file them at their real count.
      if (current !== top.count) {
        this.open.push({ count: current, index: top.index });
        continue;
      }
      this.open.push({ count: current + 1, index: top.index });
      const node = this.nodes[top.index] as ClusterNode;
      return { ok: true, node, why: `${node.name} had the fewest pods (${current}) of the untainted nodes` };
    }
  }

  private placeByScan(pod: PodSpec | undefined): Placement {
    let best = -1;
    const rejections = new Map<string, number>();
    const reject = (reason: string): void => void rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
    this.nodes.forEach((node, i) => {
      // kube-scheduler's filters in its order: NodeUnschedulable, then taints, then affinity.
      if (this.unschedulable.has(node.name) && !tolerates(pod?.tolerations ?? [], UNSCHEDULABLE_TAINT)) {
        reject('node(s) were unschedulable');
        return;
      }
      if (this.down.has(node.name)) {
        reject('node(s) had untolerated taint {node.kubernetes.io/unreachable: }');
        return;
      }
      const taint = node.taints.find((t) => t.effect !== 'PreferNoSchedule' && !tolerates(pod?.tolerations ?? [], t));
      if (taint) {
        reject(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
        return;
      }
      const selector = pod?.nodeSelector ?? {};
      if (Object.entries(selector).some(([key, value]) => node.labels[key] !== value)) {
        reject("node(s) didn't match Pod's node affinity/selector");
        return;
      }
      if (best < 0 || (this.counts[i] as number) < (this.counts[best] as number)) best = i;
    });
    const node = this.nodes[best];
    if (node === undefined) {
      const total = this.nodes.length;
      const reasons = [...rejections.entries()]
        .sort(([a], [b]) => byCodeUnit(a, b))
        .map(([reason, n]) => `${n} ${reason}`);
      return {
        ok: false,
        message: `0/${total} nodes are available: ${reasons.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
      };
    }
    return { ok: true, node, why: `${node.name} had the fewest pods (${this.counts[best]}) of the nodes that fit` };
  }
}

/** The taint the node controller puts on a cordoned node; a pod that tolerates it may still land there. */
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** Whether one toleration matches a taint: Kubernetes' key, effect and Exists/Equal rules. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  return (
    (t.key === undefined || t.key === taint.key) &&
    (t.effect === undefined || t.effect === taint.effect) &&
    (t.operator === 'Exists' || t.value === (taint.value ?? ''))
  );
}

/** kubectl's verbs over nodes that the workspace records: cordon, uncordon and drain. */
import { buildCluster, type PodRecord } from '../../core/cluster/index.js';
import { byCodeUnit } from '../../core/order.js';
import type { JournalEntry, Workspace } from '../../io/workspace.js';
import { changeWorkspace, type GlobalOptions } from '../context.js';
import { notFound } from '../errors.js';
import type { CliIo } from '../io.js';

/** Cordons come only from the journal, so its last word on the node decides; no replay needed. */
function isCordoned(workspace: Workspace, node: string): boolean {
  let cordoned = false;
  for (const entry of workspace.state.journal)
    if (entry.op === 'cordon' && entry.node === node) cordoned = entry.unschedulable;
  return cordoned;
}

/** `kubectl cordon NODE` (unschedulable) or `kubectl uncordon NODE`, with kubectl's lines. */
export function cordonCommand(io: CliIo, options: GlobalOptions, node: string, unschedulable: boolean): number {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  return changeWorkspace(io, options, verb, (workspace, at, say) => {
    if (!workspace.topology.nodes.some((n) => n.name === node)) throw notFound('nodes', node);
    if (isCordoned(workspace, node) === unschedulable) {
      say(`node/${node} already ${verb}ed\n`);
      return { entries: [], errors: [] };
    }
    say(`node/${node} ${verb}ed\n`);
    return { entries: [{ op: 'cordon', at, node, unschedulable }], errors: [] };
  });
}

export interface DrainFlags {
  readonly force: boolean;
  readonly ignoreDaemonsets: boolean;
}

const UNMANAGED = 'Pods that declare no controller';

/**
 * `kubectl drain NODE`: cordon it, then evict its pods, refusing (without --force) pods no
 * controller would recreate. The cordon stays even when the drain is refused, as kubectl's does.
 */
export function drainCommand(io: CliIo, options: GlobalOptions, node: string, flags: DrainFlags): number {
  return changeWorkspace(io, options, 'drain', (workspace, at, say) => {
    if (!workspace.topology.nodes.some((n) => n.name === node)) throw notFound('nodes', node);
    const entries: JournalEntry[] = [];
    if (isCordoned(workspace, node)) say(`node/${node} already cordoned\n`);
    else {
      say(`node/${node} cordoned\n`);
      entries.push({ op: 'cordon', at, node, unschedulable: true });
    }
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const pods = cluster
      .podsOn(node)
      .filter((pod) => cluster.statusAt(pod, at).deletionTimestamp === undefined)
      .sort((a, b) => byCodeUnit(a.spec.namespace, b.spec.namespace) || byCodeUnit(a.spec.name, b.spec.name));
    const finished = (pod: PodRecord) => ['Succeeded', 'Failed'].includes(cluster.statusAt(pod, at).phase);
    const unmanaged = pods.filter((pod) => pod.spec.owner === undefined && !finished(pod));
    const listed = unmanaged.map((pod) => `${pod.spec.namespace}/${pod.spec.name}`).join(', ');
    if (unmanaged.length > 0 && !flags.force) {
      const cause = `cannot delete ${UNMANAGED} (use --force to override): ${listed}`;
      return {
        entries,
        errors: [
          `error: unable to drain node "${node}" due to error: ${cause}, continuing command...`,
          'There are pending nodes to be drained:',
          ` ${node}`,
          cause,
        ],
      };
    }
    if (unmanaged.length > 0) io.stderr(`Warning: deleting ${UNMANAGED}: ${listed}\n`);
    for (const pod of pods) say(`evicting pod ${pod.spec.namespace}/${pod.spec.name}\n`);
    for (const pod of pods) {
      entries.push({ op: 'delete', at, namespace: pod.spec.namespace, name: pod.spec.name });
      say(`pod/${pod.spec.name} evicted\n`);
    }
    say(`node/${node} drained\n`);
    return { entries, errors: [] };
  });
}

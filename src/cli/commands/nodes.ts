/** kubectl's verbs over nodes that the workspace records: cordon and uncordon. */
import { buildCluster } from '../../core/cluster/index.js';
import { changeWorkspace, type GlobalOptions } from '../context.js';
import { notFound } from '../errors.js';
import type { CliIo } from '../io.js';

/** `kubectl cordon NODE` (unschedulable) or `kubectl uncordon NODE`, with kubectl's lines. */
export function cordonCommand(io: CliIo, options: GlobalOptions, node: string, unschedulable: boolean): number {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  return changeWorkspace(io, options, verb, (workspace, at, say) => {
    if (!workspace.topology.nodes.some((n) => n.name === node)) throw notFound('nodes', node);
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    if ((cluster.cordonedAt(node) !== undefined) === unschedulable) {
      say(`node/${node} already ${verb}ed\n`);
      return { entries: [], errors: [] };
    }
    say(`node/${node} ${verb}ed\n`);
    return { entries: [{ op: 'cordon', at, node, unschedulable }], errors: [] };
  });
}

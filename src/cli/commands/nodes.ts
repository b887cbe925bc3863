/** kubectl's verbs over nodes that the workspace records: cordon and uncordon. */
import type { Workspace } from '../../io/workspace.js';
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

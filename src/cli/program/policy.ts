/** `podnet policy`: calicoctl's policy listings, and why a connection is allowed or denied. */
import type { Command } from 'commander';
import type { TraceFlags } from '../commands/trace.js';
import { explainCommands, json, policyCommands, type Registrar } from './shared.js';

export function registerPolicy(program: Command, { io, run, globals }: Registrar): void {
  const policy = program
    .command('policy')
    .description('network policy: calicoctl get networkpolicy|globalnetworkpolicy|tier, and explain a decision');
  policy
    .command('get <type> [names...]')
    .description(
      "Calico's policies (not Kubernetes ones, as calicoctl in KDD mode) or tiers, in calicoctl 3.29's layout",
    )
    .option('-o, --output <format>', 'wide: add ORDER and SELECTOR')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('-A, --all-namespaces', 'every namespace')
    .action(
      (
        type: string,
        names: string[],
        opts: { output?: string; namespace?: string; allNamespaces?: boolean },
        cmd: Command,
      ) => run(async () => (await policyCommands()).calicoctlGetCommand(io, globals(cmd), type, names, opts)),
    );
  policy
    .command('explain <src> <dst>')
    .description(
      'which policies select each end, how each direction was decided, and the smallest change that allows a denied one',
    )
    .option('--port <port>', 'destination port (default: the port in DST, else its first container port)')
    .option('--udp', 'UDP instead of TCP')
    .addOption(json())
    .action((src: string, dst: string, opts: TraceFlags, cmd: Command) =>
      run(async () => (await explainCommands()).policyExplainCommand(io, globals(cmd), src, dst, opts)),
    );
}

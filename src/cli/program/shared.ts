/**
 * What every command group shares: the IO, the exit code setter, the global options, the output
 * options, and each command module loaded only when its command runs, so `podnet --help` stays
 * quick.
 */
import { type Command, Option } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';

export interface Registrar {
  readonly io: CliIo;
  /** Runs a command's body and records its exit code. */
  readonly run: (fn: () => number | Promise<number>) => Promise<void>;
  readonly setExit: (code: number) => void;
  readonly globals: (command: Command) => GlobalOptions;
}

export const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['wide', 'json', 'yaml', 'name']);
export const at = () => new Option('--at <time>', 'the state at a simulated time (e.g. 90s, 5m) instead of now');
export const json = () => new Option('-o, --output <format>', 'output format').choices(['json']);

export const bgpCommands = () => import('../commands/bgp.js');
export const ipamCommands = () => import('../commands/ipam.js');
export const traceCommands = () => import('../commands/trace.js');
export const podCommands = () => import('../commands/pods.js');
export const nodeCommands = () => import('../commands/nodes.js');
export const createCommands = () => import('../commands/create.js');
export const workloadCommands = () => import('../commands/workloads.js');
export const serviceCommands = () => import('../commands/services.js');
export const policyCommands = () => import('../commands/policies.js');
export const explainCommands = () => import('../commands/policy-explain.js');
export const workspaceCommands = () => import('../commands/workspace.js');
export const labCommands = () => import('../commands/labs.js');
export const graphCommands = () => import('../commands/graph.js');
export const diffCommands = () => import('../commands/diff.js');
export const exportCommands = () => import('../commands/export.js');

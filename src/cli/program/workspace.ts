/** Commands about the workspace and files: status, tui, init, advance, workspace recover, generate, validate, schema. */
import { type Command, Option } from 'commander';
import type { GenerateFlags } from '../commands/workspace.js';
import { json, type Registrar, workspaceCommands } from './shared.js';

export function registerWorkspace(program: Command, { io, run, setExit, globals }: Registrar): void {
  program
    .command('status')
    .description('show the cluster at a glance: nodes, pods, IPAM blocks (the main job on the default lab)')
    .addOption(json())
    .action((opts: { output?: 'json' }, cmd: Command) =>
      run(async () => (await workspaceCommands()).statusCommand(io, globals(cmd), opts)),
    );

  program
    .command('tui [topology]')
    .description('the interactive terminal UI: the cluster, BGP, routes, pods, events and traces in simulated time')
    .action(async (file: string | undefined, _opts: object, cmd: Command) =>
      setExit(await (await workspaceCommands()).tuiCommand(io, globals(cmd), file)),
    );

  program
    .command('init [topology]')
    .description('create a workspace from a topology file (default: the built-in seed lab)')
    .option('--no-pods', "leave out the topology's pods: the cluster before anyone created one")
    .option('--force', 'replace an existing workspace')
    .action((file: string | undefined, opts: { pods: boolean; force?: boolean }, cmd: Command) =>
      run(async () => (await workspaceCommands()).initCommand(io, globals(cmd), file, opts)),
    );

  program
    .command('advance <duration>')
    .description('let simulated time pass in the workspace, for good (e.g. 90s, 5m): evictions, rollouts, timers')
    .action((duration: string, _opts: object, cmd: Command) =>
      run(async () => (await workspaceCommands()).advanceCommand(io, globals(cmd), duration)),
    );

  program
    .command('workspace')
    .description('the workspace itself')
    .command('recover')
    .description('restore the previous state of a damaged workspace (the damaged file is kept)')
    .option('--accept-edits', 'keep a state edited by hand, if it passes every check, and seal it')
    .action((opts: { acceptEdits?: boolean }, cmd: Command) =>
      run(async () => (await workspaceCommands()).recoverCommand(io, globals(cmd), opts)),
    );
}

/** Files on their own: generate a design, validate topologies, print the schema. */
export function registerFiles(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('generate')
    .description('write a topology file for a large design: a mesh, route reflectors, or racks with ToRs')
    .requiredOption('--nodes <n>', 'number of nodes')
    .option('--pods-per-node <k>', 'pods on every node (reflectors get none)', '10')
    .addOption(new Option('--design <design>', 'who peers with whom').choices(['mesh', 'rr', 'racks']).default('mesh'))
    .option('--reflectors <r>', 'rr: how many reflectors; each client peers with 2', '3')
    .option('--racks <m>', 'racks: how many, each with a ToR and its own AS', '2')
    .option('--spine', 'racks: join the ToRs through a spine over eBGP')
    .option('--pool <cidr>', 'the pod pool (default: sized so that no node borrows)')
    .addOption(
      new Option('--encap <mode>', 'encapsulation').choices(['ipip', 'vxlan', 'crosssubnet', 'none']).default('ipip'),
    )
    .option('--seed <n>', 'random seed', '1')
    .option('-o, --output <file>', 'write to a file (atomically) instead of standard output')
    .action((opts: GenerateFlags, cmd: Command) =>
      run(async () => (await workspaceCommands()).generateCommand(io, globals(cmd), opts)),
    );

  program
    .command('validate <files...>')
    .description('check topology files and report every problem as file:line:column')
    .addOption(json())
    .action((files: string[], opts: { output?: 'json' }, cmd: Command) =>
      run(async () => (await workspaceCommands()).validateCommand(io, globals(cmd), files, opts)),
    );

  program
    .command('schema')
    .description('print the JSON Schema of topology files (shipped as schema/topology.schema.json)')
    .action(() => run(async () => (await workspaceCommands()).schemaCommand(io)));
}

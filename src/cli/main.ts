/**
 * The podnet command line. `main(argv, io)` builds the commander program over injected IO and
 * returns the exit code; bin/podnet.js is the only place that touches the real process. Each
 * command group registers itself from program/.
 */
import { Argument, Command, CommanderError } from 'commander';
import { FileWriteError } from '../io/fs.js';
import { printable, printableLines } from '../io/located.js';
import { completionScript, type Shell } from './completion.js';
import type { GlobalOptions } from './context.js';
import { CommandFailure } from './errors.js';
import type { CliIo } from './io.js';
import { displayPath } from './paths.js';
import { registerCluster, registerIpam, registerNotSimulated } from './program/cluster.js';
import { registerPolicy } from './program/policy.js';
import { registerFailures, registerRouting } from './program/routing.js';
import type { Registrar } from './program/shared.js';
import { registerTools, registerTracing } from './program/tools.js';
import { registerFiles, registerWorkspace } from './program/workspace.js';
import { VERSION } from './version.js';

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('podnet');
  program.version(VERSION, '--version', "print podnet's version");
  const registrar: Registrar = {
    io,
    setExit,
    globals: (command: Command): GlobalOptions => command.optsWithGlobals() as GlobalOptions,
    run: async (fn) => setExit(await fn()),
  };
  program
    .description('A pod network simulator: Calico IPAM, BGP route distribution and a packet tracer, on a laptop.')
    .option('--state <dir>', 'workspace directory (default ./.podnet, or $PODNET_STATE)')
    .option('-t, --topology <file>', 'read a topology file instead of the workspace (read-only commands)')
    .option('--instant', 'jump simulated time ahead so pods settle (also PODNET_INSTANT=1)')
    .option(
      '--beyond-limits',
      "read topologies past Kubernetes' ceiling (5,000 nodes, 150,000 pods) and files over 8 MiB, on purpose",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run podnet --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  podnet tui                             the interactive UI on the default lab (npm start)
  podnet status                          the default lab: nodes, pods, blocks, BGP and routes
  podnet init --no-pods                  a fresh workspace from the seed lab, before any pod
  podnet create -f topologies/pods/date-pod.yml
  podnet get pods -o wide
  podnet describe pod date-pod
  podnet ipam show --show-blocks
  podnet -t topologies/tiny-pool.yaml ipam show --show-borrowed
  podnet bgp status node-1               calicoctl node status
  podnet bgp routes node-1               birdc show route
  podnet routes node-1                   ip route
  podnet route explain node-1 192.168.247.0/26
  podnet trace date-pod web:80           a packet, hop by hop
  podnet reach --port 80                 every pod to every pod
  podnet graph --layer bgp --format svg -o bgp.svg
  podnet diff mesh.yaml rr.yaml          sessions, routes, FIBs and reachability that differ
  podnet diff workspace@100s workspace   before and after a failure
  podnet fail node node-2 && podnet --instant bgp summary
  podnet generate --nodes 500 --design rr --pods-per-node 30 -o rr-500.yaml
  podnet labs                            the course labs; podnet labs open route-reflectors
  podnet validate topologies/*.yaml`,
    );

  registerWorkspace(program, registrar);
  registerCluster(program, registrar);
  registerIpam(program, registrar);
  registerNotSimulated(program, registrar);
  registerRouting(program, registrar);
  registerFailures(program, registrar);
  registerTools(program, registrar);
  registerTracing(program, registrar);
  registerPolicy(program, registrar);
  registerFiles(program, registrar);
  program
    .command('completion')
    .description('a shell completion script: eval "$(podnet completion bash)", zsh alike, or | source for fish')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish']))
    .action((shell: Shell) =>
      registrar.run(() => {
        io.stdout(completionScript(program, shell));
        return 0;
      }),
    );
  return program;
}
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommandFailure) {
      // Messages echo what the user typed: a terminal escape in a name must not reach the terminal.
      io.stderr(`${printableLines(error.message)}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof FileWriteError) {
      io.stderr(
        `error: cannot write ${printable(displayPath(io, error.path))}: ${error.reason}; nothing was changed\n`,
      );
      return 2;
    }
    throw error;
  }
}

/**
 * The podnet command line. `main(argv, io)` builds the commander program over injected IO and
 * returns the exit code; bin/podnet.js is the only place that touches the real process.
 */
import { Command, CommanderError, Option } from 'commander';
import { FileWriteError } from '../io/fs.js';
import { printable } from '../io/located.js';
import type { ViewFlags } from './commands/bgp.js';
import type { GraphFlags } from './commands/graph.js';
import type { OutputFormat } from './commands/pods.js';
import type { TraceFlags } from './commands/trace.js';
import type { GenerateFlags } from './commands/workspace.js';
import type { GlobalOptions } from './context.js';
import { CommandFailure } from './errors.js';
import type { CliIo } from './io.js';
import { displayPath } from './paths.js';

const POD_NAMES = ['pod', 'pods', 'po'];
const NODE_NAMES = ['node', 'nodes', 'no'];

function resourceKind(resource: string): 'pods' | 'nodes' {
  if (POD_NAMES.includes(resource)) return 'pods';
  if (NODE_NAMES.includes(resource)) return 'nodes';
  throw new CommandFailure(
    `error: the server doesn't have a resource type "${resource}" (podnet knows pods and nodes)`,
    1,
  );
}

const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['wide', 'json', 'yaml', 'name']);

// Each command's module loads only when it runs, so `podnet --help` stays quick.
const bgpCommands = () => import('./commands/bgp.js');
const ipamCommands = () => import('./commands/ipam.js');
const traceCommands = () => import('./commands/trace.js');
const podCommands = () => import('./commands/pods.js');
const workspaceCommands = () => import('./commands/workspace.js');
const labCommands = () => import('./commands/labs.js');
const graphCommands = () => import('./commands/graph.js');
const diffCommands = () => import('./commands/diff.js');
const exportCommands = () => import('./commands/export.js');

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('podnet');
  const globals = (command: Command): GlobalOptions => command.optsWithGlobals() as GlobalOptions;
  const run = async (fn: () => number | Promise<number>): Promise<void> => setExit(await fn());
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

  program
    .command('status')
    .description('show the cluster at a glance: nodes, pods, IPAM blocks (the main job on the default lab)')
    .action((_opts, cmd: Command) => run(async () => (await workspaceCommands()).statusCommand(io, globals(cmd))));

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
    .command('workspace')
    .description('the workspace itself')
    .command('recover')
    .description('restore the previous state of a damaged workspace (the damaged file is kept)')
    .option('--accept-edits', 'keep a state edited by hand, if it passes every check, and seal it')
    .action((opts: { acceptEdits?: boolean }, cmd: Command) =>
      run(async () => (await workspaceCommands()).recoverCommand(io, globals(cmd), opts)),
    );

  for (const verb of ['create', 'apply'] as const) {
    program
      .command(verb)
      .description(
        verb === 'create'
          ? 'create pods from a manifest file (kubectl create -f)'
          : 'create pods, or leave identical ones unchanged (kubectl apply -f)',
      )
      .requiredOption('-f, --filename <file>', 'a YAML file with one or more Pod manifests')
      .action((opts: { filename: string }, cmd: Command) =>
        run(async () => (await podCommands()).createPods(io, globals(cmd), opts.filename, verb)),
      );
  }

  program
    .command('get <resource> [names...]')
    .description("list pods or nodes in kubectl's layout")
    .addOption(outputOption())
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .action(
      (
        resource: string,
        names: string[],
        opts: { output?: OutputFormat; namespace: string; allNamespaces?: boolean },
        cmd: Command,
      ) =>
        run(async () =>
          resourceKind(resource) === 'pods'
            ? (await podCommands()).getPodsCommand(io, globals(cmd), names, {
                output: opts.output,
                namespace: opts.namespace,
                allNamespaces: opts.allNamespaces ?? false,
              })
            : (await podCommands()).getNodesCommand(io, globals(cmd), names, opts.output),
        ),
    );

  program
    .command('describe <resource> [names...]')
    .description('show a pod in detail, with its events (kubectl describe pod)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action((resource: string, names: string[], opts: { namespace: string }, cmd: Command) =>
      run(async () => {
        if (resourceKind(resource) !== 'pods')
          throw new CommandFailure('error: podnet describes pods; for nodes use podnet get nodes -o wide', 1);
        return (await podCommands()).describePodCommand(io, globals(cmd), names, opts.namespace);
      }),
    );

  program
    .command('delete <resource> <names...>')
    .description('delete pods (kubectl delete pod)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action((resource: string, names: string[], opts: { namespace: string }, cmd: Command) =>
      run(async () => {
        if (resourceKind(resource) !== 'pods')
          throw new CommandFailure('error: podnet deletes pods; nodes are part of the topology', 1);
        return (await podCommands()).deletePods(io, globals(cmd), names, opts.namespace);
      }),
    );

  const ipam = program.command('ipam').description('Calico IPAM, as calicoctl ipam shows it');
  ipam
    .command('show')
    .description('address usage per pool (and per block), borrowed addresses, or one address')
    .option('--show-blocks', 'one row per block')
    .option('--show-borrowed', "addresses used from other nodes' blocks")
    .option('--show-configuration', 'the IPAM configuration')
    .option('--ip <addr>', 'who holds an address, and why it was chosen')
    .action(
      (
        opts: { showBlocks?: boolean; showBorrowed?: boolean; showConfiguration?: boolean; ip?: string },
        cmd: Command,
      ) => run(async () => (await ipamCommands()).ipamShowCommand(io, globals(cmd), opts)),
    );

  const at = () => new Option('--at <time>', 'the state at a simulated time (e.g. 90s, 5m) instead of now');
  const json = () => new Option('-o, --output <format>', 'output format').choices(['json']);
  const bgp = program.command('bgp').description('BGP sessions and routes, as calicoctl and birdc show them');
  bgp
    .command('status [node]')
    .description('BGP sessions of a node or router, or of all (calicoctl node status)')
    .addOption(at())
    .addOption(json())
    .action((node: string | undefined, opts: ViewFlags, cmd: Command) =>
      run(async () => (await bgpCommands()).bgpStatusCommand(io, globals(cmd), node, opts)),
    );
  bgp
    .command('routes <node> [prefix]')
    .description("a node's BGP table, best routes marked * (birdc show route [all])")
    .option('--all', "with every route's attributes")
    .addOption(at())
    .addOption(json())
    .action((node: string, prefix: string | undefined, opts: ViewFlags & { all?: boolean }, cmd: Command) =>
      run(async () => (await bgpCommands()).bgpRoutesCommand(io, globals(cmd), node, prefix, opts)),
    );
  bgp
    .command('summary')
    .description('sessions established, UPDATE/WITHDRAW messages, routes per node, convergence time')
    .addOption(at())
    .addOption(json())
    .action((opts: ViewFlags, cmd: Command) =>
      run(async () => (await bgpCommands()).bgpSummaryCommand(io, globals(cmd), opts)),
    );

  program
    .command('routes <node>')
    .description("a node's or router's forwarding table (ip route)")
    .addOption(at())
    .addOption(json())
    .action((node: string, opts: ViewFlags, cmd: Command) =>
      run(async () => (await bgpCommands()).routesCommand(io, globals(cmd), node, opts)),
    );

  program
    .command('route')
    .description('why a route is what it is')
    .command('explain <node> <prefix>')
    .description('every candidate for a prefix, and the rule that eliminated each loser')
    .addOption(at())
    .addOption(json())
    .action((node: string, prefix: string, opts: ViewFlags, cmd: Command) =>
      run(async () => (await bgpCommands()).routeExplainCommand(io, globals(cmd), node, prefix, opts)),
    );

  for (const name of ['events', 'timeline']) {
    program
      .command(name)
      .description('what changed when: sessions, routes added and withdrawn, failures (simulated time)')
      .option('--node <name>', 'only this node or router')
      .addOption(at())
      .addOption(json())
      .action((opts: ViewFlags & { node?: string }, cmd: Command) =>
        run(async () => (await bgpCommands()).eventsCommand(io, globals(cmd), opts)),
      );
  }

  for (const verb of ['fail', 'restore'] as const) {
    const up = verb === 'restore';
    const command = program
      .command(verb)
      .description(
        up
          ? 'bring a link or a node back'
          : 'break a link or stop a node (it dies silently: peers notice on hold timer expiry)',
      );
    command
      .command('link <a> <b>')
      .description(up ? 'restore the link between two machines' : 'cut the link between two machines')
      .action((a: string, b: string, _opts: object, cmd: Command) =>
        run(async () => (await bgpCommands()).changeCommand(io, globals(cmd), { kind: 'link', a, b, up })),
      );
    command
      .command('node <name>')
      .description(up ? 'start a node or router again' : 'stop a node or router')
      .action((name: string, _opts: object, cmd: Command) =>
        run(async () => (await bgpCommands()).changeCommand(io, globals(cmd), { kind: 'machine', name, up })),
      );
  }
  for (const verb of ['block-port', 'unblock-port'] as const) {
    program
      .command(`${verb} <node> [port]`)
      .description(
        verb === 'block-port'
          ? "firewall a TCP port on a node (default: BGP's, bgp.listenPort, 179 unless configured)"
          : 'remove that firewall rule',
      )
      .action((name: string, port: string | undefined, _opts: object, cmd: Command) =>
        run(async () => {
          const number = port === undefined ? undefined : Number(port);
          if (number !== undefined && (!Number.isInteger(number) || number < 1 || number > 65535))
            throw new CommandFailure(`error: port "${port}" is out of range 1-65535`, 1);
          return (await bgpCommands()).changeCommand(io, globals(cmd), {
            kind: 'port',
            name,
            port: number,
            blocked: verb === 'block-port',
          });
        }),
      );
  }

  const labs = program
    .command('labs')
    .description('the lab catalogue for courses: each a topology, an exercise and checks')
    .action(() => run(async () => (await labCommands()).labsCommand(io)));
  labs
    .command('open <name>')
    .description('copy a lab (topology and exercise) into a new directory with its own workspace')
    .option('--dir <dir>', 'where to put it (default ./<name>); it must be empty or new')
    .action((name: string, opts: { dir?: string }) =>
      run(async () => (await labCommands()).labsOpenCommand(io, name, opts)),
    );

  program
    .command('check <file>')
    .description("run a topology's checks: exit 0 when all pass, 1 when any fails (-o json for autograders)")
    .addOption(json())
    .action((file: string, opts: { output?: 'json' }, cmd: Command) =>
      run(async () => (await bgpCommands()).checkCommand(io, globals(cmd), file, opts)),
    );

  const exporter = program
    .command('export')
    .description('hand the design to real engines: BIRD, containerlab, a Calico cluster');
  exporter
    .command('bird [node]')
    .description("the BIRD 2 configuration Calico's confd would write for a node (or a router's side)")
    .option('--all', 'every node and router')
    .option('--dir <dir>', 'with --all: write <name>.conf files here')
    .action((node: string | undefined, opts: { all?: boolean; dir?: string }, cmd: Command) =>
      run(async () => (await bgpCommands()).exportBirdCommand(io, globals(cmd), node, opts)),
    );
  exporter
    .command('containerlab <dir>')
    .description(
      'a containerlab lab (<cluster>.clab.yml): a BIRD 2 container per node and router, a bridge per segment',
    )
    .action((dir: string, _opts: object, cmd: Command) =>
      run(async () => (await exportCommands()).exportContainerlabCommand(io, globals(cmd), dir)),
    );
  exporter
    .command('calico <dir>')
    .description('manifests for a real cluster: BGPConfiguration, IPAMConfiguration, IPPools, Nodes, BGPPeers, Pods')
    .action((dir: string, _opts: object, cmd: Command) =>
      run(async () => (await exportCommands()).exportCalicoCommand(io, globals(cmd), dir)),
    );

  program
    .command('trace <src> <dst>')
    .description(
      'trace a packet from a pod (pod, ns/pod, pod/container) to a pod, IP[:port], pod:port, node, or localhost:port',
    )
    .option('--port <n>', "destination port (default: the destination pod's first containerPort, else 80)")
    .option('--udp', 'UDP instead of TCP')
    .option('--bidirectional', 'also trace the reply')
    .addOption(at())
    .addOption(json())
    .action((src: string, dst: string, opts: TraceFlags, cmd: Command) =>
      run(async () => (await traceCommands()).traceCommand(io, globals(cmd), src, dst, opts)),
    );

  program
    .command('reach')
    .description('the all-pairs matrix of trace dispositions between pods')
    .option('--from <selector>', 'source pods, a Calico selector on pod labels (default all())')
    .option('--to <selector>', 'destination pods (default all())')
    .option('--port <n>', "destination port (default: each destination's first containerPort, else 80)")
    .option('--udp', 'UDP instead of TCP')
    .addOption(at())
    .addOption(json())
    .action(
      (
        opts: { from?: string; to?: string; port?: string; udp?: boolean; at?: string; output?: 'json' },
        cmd: Command,
      ) => run(async () => (await traceCommands()).reachCommand(io, globals(cmd), opts)),
    );

  program
    .command('graph [args...]')
    .description('draw the underlay, the BGP sessions, where a prefix is forwarded, or a trace (SVG, DOT, Mermaid)')
    .addOption(
      new Option('--layer <layer>', 'what to draw: underlay, bgp, routes-to PREFIX, trace SRC DST')
        .choices(['underlay', 'bgp', 'routes-to', 'trace'])
        .default('bgp'),
    )
    .addOption(
      new Option('--format <format>', 'svg draws without other programs; dot for Graphviz; mermaid for Markdown')
        .choices(['svg', 'dot', 'mermaid'])
        .default('svg'),
    )
    .addOption(at())
    .option('-o, --output <file>', 'write to a file (atomically) instead of standard output')
    .action((args: string[], opts: GraphFlags, cmd: Command) =>
      run(async () => (await graphCommands()).graphCommand(io, globals(cmd), args, opts)),
    );

  program
    .command('diff <a> <b>')
    .description(
      'what differs between two topologies, or one at two moments (FILE[@TIME] or workspace[@TIME]): exit 1 when anything does',
    )
    .addOption(json())
    .action((a: string, b: string, opts: { output?: 'json' }, cmd: Command) =>
      run(async () => (await diffCommands()).diffCommand(io, globals(cmd), a, b, opts)),
    );

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
    .action((files: string[], _opts: object, cmd: Command) =>
      run(async () => (await workspaceCommands()).validateCommand(io, globals(cmd), files)),
    );

  program
    .command('schema')
    .description('print the JSON Schema of topology files (shipped as schema/topology.schema.json)')
    .action(() => run(async () => (await workspaceCommands()).schemaCommand(io)));

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
      io.stderr(`${error.message}\n`);
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

/** Looking at a design and handing it on: labs, check, export, trace, reach, graph, diff. */
import { type Command, Option } from 'commander';
import type { GraphFlags } from '../commands/graph.js';
import type { TraceFlags } from '../commands/trace.js';
import {
  at,
  bgpCommands,
  diffCommands,
  exportCommands,
  graphCommands,
  json,
  labCommands,
  type Registrar,
  traceCommands,
} from './shared.js';
export function registerTools(program: Command, { io, run, globals }: Registrar): void {
  const labs = program
    .command('labs')
    .description('the lab catalogue for courses: each a topology, an exercise and checks')
    .addOption(json())
    .action((opts: { output?: 'json' }) => run(async () => (await labCommands()).labsCommand(io, opts)));
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
}

/** Trace, reach, graph and diff. */
export function registerTracing(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('trace <src> <dst>')
    .description(
      'trace a packet from a pod (pod, ns/pod, pod/container) to a pod, a Service or DNS name (svc, svc.ns, ...svc.cluster.local), IP[:port], node, or localhost:port',
    )
    .option('--port <n>', "destination port (default: the Service's or pod's first port, else 80)")
    .option('--endpoint <pod>', 'at a Service, follow only the branch to this endpoint pod')
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
    .option(
      '--from <selector>',
      "source pods, a Calico selector on the pods' labels and projectcalico.org/namespace (default all())",
    )
    .option('--to <selector>', 'destination pods (default all())')
    .option('--port <n>', "destination port (default: each destination's first containerPort, else 80)")
    .option('--udp', 'UDP instead of TCP')
    .option('--services', 'to each Service instead (its ClusterIP and first port, through kube-proxy)')
    .addOption(at())
    .addOption(json())
    .action(
      (
        opts: {
          from?: string;
          to?: string;
          port?: string;
          udp?: boolean;
          at?: string;
          output?: 'json';
          services?: boolean;
        },
        cmd: Command,
      ) =>
        run(async () =>
          opts.services
            ? (await traceCommands()).reachServicesCommand(io, globals(cmd), opts)
            : (await traceCommands()).reachCommand(io, globals(cmd), opts),
        ),
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
}

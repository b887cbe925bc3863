/** BGP and forwarding, as calicoctl, birdc and ip route show them, and the failures that move them. */
import type { Command } from 'commander';
import { parseTimeFlag } from '../commands/at-flag.js';
import type { ViewFlags } from '../commands/bgp.js';
import { CommandFailure } from '../errors.js';
import { at, bgpCommands, json, type Registrar } from './shared.js';
export function registerRouting(program: Command, { io, run, globals }: Registrar): void {
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
    .option('--all', "list every machine's routes even past 20 machines")
    .addOption(at())
    .addOption(json())
    .action((opts: ViewFlags & { all?: boolean }, cmd: Command) =>
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
}

/** Fail, restore, block-port and unblock-port. */
export function registerFailures(program: Command, { io, run, globals }: Registrar): void {
  for (const verb of ['fail', 'restore'] as const) {
    const up = verb === 'restore';
    const command = program
      .command(verb)
      .description(
        up
          ? 'bring a link, a node or a BGP session back'
          : 'break a link, stop a node (it dies silently: peers notice on hold timer expiry), or disable a BGP session',
      );
    command
      .command('link <a> <b>')
      .description(up ? 'restore the link between two machines' : 'cut the link between two machines')
      .action((a: string, b: string, _opts: object, cmd: Command) =>
        run(async () => (await bgpCommands()).changeCommand(io, globals(cmd), { kind: 'link', a, b, up })),
      );
    command
      .command('session <a> <b>')
      .description(
        up
          ? "enable a's protocol for its session with b again (birdc enable): it reconnects"
          : "disable a's protocol for its session with b (birdc disable): Cease, both drop its routes at once",
      )
      .action((a: string, b: string, _opts: object, cmd: Command) =>
        run(async () => (await bgpCommands()).changeCommand(io, globals(cmd), { kind: 'session', a, b, up })),
      );
    command
      .command('node <name>')
      .description(up ? 'start a node or router again' : 'stop a node or router')
      .action((name: string, _opts: object, cmd: Command) =>
        run(async () => (await bgpCommands()).changeCommand(io, globals(cmd), { kind: 'machine', name, up })),
      );
  }
  program
    .command('restart')
    .description("restart a machine's BIRD gracefully (peers keep its routes as stale)")
    .command('node <name>')
    .description(
      'a calico-node restart: BIRD closes its sessions without a NOTIFICATION (birdc graceful restart) and starts again with -R; peers keep its routes stale for the restart time, its kernel keeps its routes',
    )
    .option('--down-for <time>', 'how long BIRD is down, e.g. 10s or 3m', '10s')
    .action((name: string, opts: { downFor: string }, cmd: Command) =>
      run(async () =>
        (await bgpCommands()).changeCommand(io, globals(cmd), {
          kind: 'restart',
          name,
          downFor: parseTimeFlag(opts.downFor, '--down-for'),
        }),
      ),
    );
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
}

/**
 * kubectl's and calicoctl's verbs over the cluster: create, apply, get, describe, delete, cordon,
 * uncordon, ipam show.
 */
import type { Command } from 'commander';
import { readGetRequest, resourceKind } from '../commands/get-request.js';
import type { OutputFormat } from '../commands/pods.js';
import { CommandFailure } from '../errors.js';
import { ipamCommands, json, nodeCommands, outputOption, podCommands, type Registrar } from './shared.js';

function registerCordon(program: Command, { io, run, globals }: Registrar): void {
  for (const verb of ['cordon', 'uncordon'] as const) {
    program
      .command(`${verb} <node>`)
      .description(
        verb === 'cordon'
          ? 'mark a node unschedulable: new pods go elsewhere, its pods stay (kubectl cordon)'
          : 'let the scheduler place pods on a node again (kubectl uncordon)',
      )
      .action((node: string, _opts: object, cmd: Command) =>
        run(async () => (await nodeCommands()).cordonCommand(io, globals(cmd), node, verb === 'cordon')),
      );
  }
}

export function registerCluster(program: Command, registrar: Registrar): void {
  const { io, run, globals } = registrar;
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
    .description("list pods or nodes in kubectl's layout (get pods NAME..., get pod/NAME, -l SELECTOR)")
    .addOption(outputOption())
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('-l, --selector <selector>', 'only objects whose labels match, e.g. app=web,tier!=db,env in (a,b)')
    .option('--show-labels', 'add a LABELS column')
    .action(
      (
        resource: string,
        names: string[],
        opts: {
          output?: OutputFormat;
          namespace: string;
          allNamespaces?: boolean;
          selector?: string;
          showLabels?: boolean;
        },
        cmd: Command,
      ) =>
        run(async () => {
          const { kind, request } = readGetRequest(resource, names, opts);
          const commands = await podCommands();
          return kind === 'pods'
            ? commands.getPodsCommand(io, globals(cmd), request, {
                namespace: opts.namespace,
                allNamespaces: opts.allNamespaces ?? false,
              })
            : commands.getNodesCommand(io, globals(cmd), request);
        }),
    );

  program
    .command('describe <resource> [names...]')
    .description('show a pod in detail, with its events (kubectl describe pod)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addOption(json())
    .action((resource: string, names: string[], opts: { namespace: string; output?: 'json' }, cmd: Command) =>
      run(async () => {
        if (resourceKind(resource) !== 'pods')
          throw new CommandFailure('error: podnet describes pods; for nodes use podnet get nodes -o wide', 1);
        return (await podCommands()).describePodCommand(io, globals(cmd), names, opts.namespace, opts.output);
      }),
    );

  registerCordon(program, registrar);

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
}

/** calicoctl ipam show, with -o json. */
export function registerIpam(program: Command, { io, run, globals }: Registrar): void {
  const ipam = program.command('ipam').description('Calico IPAM, as calicoctl ipam shows it');
  ipam
    .command('show')
    .description('address usage per pool (and per block), borrowed addresses, or one address')
    .option('--show-blocks', 'one row per block')
    .option('--show-borrowed', "addresses used from other nodes' blocks")
    .option('--show-configuration', 'the IPAM configuration')
    .option('--ip <addr>', 'who holds an address, and why it was chosen')
    .addOption(json())
    .action(
      (
        opts: {
          showBlocks?: boolean;
          showBorrowed?: boolean;
          showConfiguration?: boolean;
          ip?: string;
          output?: 'json';
        },
        cmd: Command,
      ) => run(async () => (await ipamCommands()).ipamShowCommand(io, globals(cmd), opts)),
    );
}

/** kubectl habits podnet answers with what it simulates instead. */
export function registerNotSimulated(program: Command, { run }: Registrar): void {
  const instead: Record<'logs' | 'exec', string> = {
    logs: "error: podnet simulates pods' lifecycles and networks, not their processes, so there are no logs: podnet describe pod NAME shows a pod's events, podnet events what the network did",
    exec: 'error: podnet runs no processes in pods, so there is nothing to exec into: podnet trace POD DEST shows what a connection from the pod would do',
  };
  for (const verb of ['logs', 'exec'] as const) {
    program
      .command(`${verb} [args...]`)
      .description(`not simulated: says what to use instead (kubectl ${verb})`)
      .allowUnknownOption()
      .action(() =>
        run(() => {
          throw new CommandFailure(instead[verb], 1);
        }),
      );
  }
}

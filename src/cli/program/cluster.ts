/**
 * kubectl's and calicoctl's verbs over the cluster: create, apply, get, describe, delete, scale,
 * rollout, cordon, uncordon, drain, ipam show.
 */
import type { Command } from 'commander';
import { parseAt } from '../commands/at-flag.js';
import { readGetRequest } from '../commands/get-request.js';
import type { OutputFormat } from '../commands/pods.js';
import { isServiceKind, isWorkloadKind, resourceKind, typeAndName } from '../commands/resources.js';
import { CommandFailure } from '../errors.js';
import {
  at,
  createCommands,
  ipamCommands,
  json,
  nodeCommands,
  outputOption,
  podCommands,
  policyCommands,
  type Registrar,
  serviceCommands,
  workloadCommands,
} from './shared.js';

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
  program
    .command('drain <node>')
    .description('cordon a node and evict its pods; controllers recreate theirs elsewhere (kubectl drain)')
    .option('--force', 'also delete pods no controller manages (they are not recreated)')
    .option('--ignore-daemonsets', 'accepted for habit: podnet runs no DaemonSet pods')
    .action((node: string, opts: { force?: boolean; ignoreDaemonsets?: boolean }, cmd: Command) =>
      run(async () =>
        (await nodeCommands()).drainCommand(io, globals(cmd), node, {
          force: opts.force ?? false,
          ignoreDaemonsets: opts.ignoreDaemonsets ?? false,
        }),
      ),
    );
}

function registerScaleAndRollout(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('scale <target...>')
    .description('set the replicas of a replicationcontroller, replicaset or deployment (kubectl scale)')
    .option('--replicas <count>', 'the new number of replicas')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action((target: string[], opts: { replicas?: string; namespace: string }, cmd: Command) =>
      run(async () =>
        (await workloadCommands()).scaleCommand(
          io,
          globals(cmd),
          typeAndName(target, 'scale'),
          opts.replicas,
          opts.namespace,
        ),
      ),
    );
  const rollout = program.command('rollout').description("a deployment's rollouts (kubectl rollout)");
  for (const verb of ['status', 'history'] as const) {
    rollout
      .command(`${verb} <target...>`)
      .description(
        verb === 'status'
          ? 'where the rollout stands now (what kubectl rollout status --watch=false says)'
          : 'the revisions of a deployment',
      )
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .action((target: string[], opts: { namespace: string }, cmd: Command) =>
        run(async () =>
          (await workloadCommands()).rolloutReadCommand(
            io,
            globals(cmd),
            verb,
            typeAndName(target, 'rollout'),
            opts.namespace,
          ),
        ),
      );
  }
  rollout
    .command('undo <target...>')
    .description('go back to the previous revision, or --to-revision N')
    .option('--to-revision <n>', 'the revision to go back to')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action((target: string[], opts: { toRevision?: string; namespace: string }, cmd: Command) =>
      run(async () => {
        const revision = opts.toRevision === undefined ? undefined : Number(opts.toRevision);
        if (revision !== undefined && (!Number.isInteger(revision) || revision < 0))
          throw new CommandFailure(`error: invalid revision "${opts.toRevision}"`, 1);
        return (await workloadCommands()).rolloutUndoCommand(
          io,
          globals(cmd),
          typeAndName(target, 'rollout'),
          revision === 0 ? undefined : revision,
          opts.namespace,
        );
      }),
    );
}

export function registerCluster(program: Command, registrar: Registrar): void {
  const { io, run, globals } = registrar;
  for (const verb of ['create', 'apply'] as const) {
    program
      .command(verb)
      .description(
        verb === 'create'
          ? 'create pods, Services, controllers, NetworkPolicies (both APIs), GlobalNetworkPolicies, Namespaces or Tiers from a file (kubectl create -f)'
          : 'create them, update controllers (a new template rolls out) and policies, leave identical ones (kubectl apply -f)',
      )
      .requiredOption('-f, --filename <file>', 'a YAML file with one or more manifests')
      .action((opts: { filename: string }, cmd: Command) =>
        run(async () => (await createCommands()).createObjects(io, globals(cmd), opts.filename, verb)),
      );
  }

  program
    .command('get <resource> [names...]')
    .description(
      "list pods, nodes, svc, ep, rc, rs, deploy, netpol, ns or all in kubectl's layout (get pods NAME..., get pod/NAME, -l SELECTOR)",
    )
    .addOption(outputOption())
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('-l, --selector <selector>', 'only objects whose labels match, e.g. app=web,tier!=db,env in (a,b)')
    .option('--show-labels', 'add a LABELS column')
    .addOption(at())
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
          at?: string;
        },
        cmd: Command,
      ) =>
        run(async () => {
          const { kind, request } = readGetRequest(resource, names, opts);
          const scope = { namespace: opts.namespace, allNamespaces: opts.allNamespaces ?? false };
          if (kind === 'all') return (await workloadCommands()).getAllCommand(io, globals(cmd), request, scope);
          if (isWorkloadKind(kind))
            return (await workloadCommands()).getWorkloadsCommand(io, globals(cmd), kind, request, scope);
          if (isServiceKind(kind))
            return (await serviceCommands()).getServicesCommand(io, globals(cmd), kind, request, scope);
          if (kind === 'NetworkPolicy')
            return (await policyCommands()).getNetworkPoliciesCommand(io, globals(cmd), request, scope);
          if (kind === 'Namespace') return (await policyCommands()).getNamespacesCommand(io, globals(cmd), request);
          const commands = await podCommands();
          return kind === 'pods'
            ? commands.getPodsCommand(io, globals(cmd), request, scope)
            : commands.getNodesCommand(io, globals(cmd), request);
        }),
    );

  registerDescribe(program, registrar);
  registerCordon(program, registrar);
  registerScaleAndRollout(program, registrar);
  registerDelete(program, registrar);
  registerExpose(program, registrar);
}

function registerExpose(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('expose <target...>')
    .description('make a Service for a pod, rc, rs or deployment, selecting its pods (kubectl expose)')
    .option('--port <port>', "the Service's port (default: the first container port)")
    .option('--target-port <port>', "the pods' port, by number or name (default: --port)")
    .option('--type <type>', 'ClusterIP (default) or NodePort')
    .option('--name <name>', "the Service name (default: the exposed object's)")
    .option('--protocol <protocol>', 'TCP (default), UDP or SCTP')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action((target: string[], opts: ExposeOptions, cmd: Command) =>
      run(async () => {
        const [first = '', second] = target;
        const typed = first.includes('/') ? first.slice(0, first.indexOf('/')) : first;
        const name = first.includes('/') ? first.slice(first.indexOf('/') + 1) : second;
        const kind = resourceKind(typed);
        if (name === undefined || !(kind === 'pods' || isWorkloadKind(kind)))
          throw new CommandFailure('error: expose takes a pod, rc, rs or deployment: TYPE NAME or TYPE/NAME', 1);
        return (await serviceCommands()).exposeCommand(io, globals(cmd), { kind, name }, opts, opts.namespace);
      }),
    );
}

interface ExposeOptions {
  port?: string;
  targetPort?: string;
  type?: string;
  name?: string;
  protocol?: string;
  namespace: string;
}

function registerDescribe(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('describe <resource> [names...]')
    .description('show a pod, node, rc, rs, deploy, svc or netpol in detail (kubectl describe)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addOption(json())
    .addOption(at())
    .action(
      (resource: string, names: string[], opts: { namespace: string; output?: 'json'; at?: string }, cmd: Command) =>
        run(async () => {
          const kind = resourceKind(resource);
          const moment = parseAt(opts.at);
          if (isWorkloadKind(kind)) {
            if (opts.output !== undefined)
              throw new CommandFailure(`error: describe -o json is for pods; use podnet get ${resource} -o json`, 1);
            return (await workloadCommands()).describeWorkloadsCommand(
              io,
              globals(cmd),
              kind,
              names,
              opts.namespace,
              moment,
            );
          }
          if (kind === 'Service')
            return (await serviceCommands()).describeServicesCommand(io, globals(cmd), names, opts.namespace, moment);
          if (kind === 'NetworkPolicy')
            return (await policyCommands()).describeNetworkPoliciesCommand(
              io,
              globals(cmd),
              names,
              opts.namespace,
              moment,
            );
          if (kind === 'nodes') {
            if (opts.output !== undefined)
              throw new CommandFailure('error: describe -o json is for pods; use podnet get node NAME -o json', 1);
            return (await podCommands()).describeNodeCommand(io, globals(cmd), names, moment);
          }
          return (await podCommands()).describePodCommand(io, globals(cmd), names, opts.namespace, opts.output, moment);
        }),
    );
}

function registerDelete(program: Command, { io, run, globals }: Registrar): void {
  program
    .command('delete [resource] [names...]')
    .description(
      'delete pods, controllers with their pods, Services or NetworkPolicies (kubectl delete pod|rc|rs|deploy|svc|netpol NAME, delete -f FILE)',
    )
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-f, --filename <file>', 'delete the objects a manifest file names')
    .action(
      (resource: string | undefined, names: string[], opts: { namespace: string; filename?: string }, cmd: Command) =>
        run(async () => {
          if (opts.filename !== undefined) {
            if (resource !== undefined)
              throw new CommandFailure(
                'error: when -f is given, name the objects in the file, not on the command line',
                1,
              );
            return (await createCommands()).deleteFromFile(io, globals(cmd), opts.filename);
          }
          if (resource === undefined || names.length === 0)
            throw new CommandFailure('error: you must specify the type and name of what to delete, or -f FILE', 1);
          const kind = resourceKind(resource);
          if (isWorkloadKind(kind))
            return (await workloadCommands()).deleteWorkloads(io, globals(cmd), kind, names, opts.namespace);
          if (kind === 'Service')
            return (await serviceCommands()).deleteServices(io, globals(cmd), names, opts.namespace);
          if (kind === 'NetworkPolicy') {
            const commands = await podCommands();
            const type = (await policyCommands()).networkPolicyDeletable(opts.namespace);
            return commands.deleteNamed(io, globals(cmd), names, type);
          }
          if (kind !== 'pods')
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

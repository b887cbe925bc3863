/**
 * kubectl's verbs over the workload controllers: get, describe, delete, scale, and rollout
 * status, history and undo, each with kubectl's lines, layouts and refusals.
 */

import type { DeploymentState, ReplicaSetState } from '../../core/cluster/controllers.js';
import { buildCluster, type Cluster } from '../../core/cluster/index.js';
import { byNamespacedName } from '../../core/order.js';
import { matches } from '../../core/selector/index.js';
import type { WorkloadKind } from '../../core/topology/model.js';
import { getPods, type Moment, podObject } from '../../io/format/kubectl.js';
import { getServices, serviceObject } from '../../io/format/services.js';
import {
  deploymentObject,
  describeDeployment,
  describeReplicaSet,
  getDeployments,
  getReplicaSets,
  replicaSetObject,
  rolloutHistory,
  rolloutStatus,
} from '../../io/format/workloads.js';
import { changeWorkspace, type GlobalOptions, viewCluster } from '../context.js';
import { CommandFailure, notFound } from '../errors.js';
import type { CliIo } from '../io.js';
import {
  deleteNamed,
  describeNamed,
  type GetRequest,
  listObject,
  noResourcesFound,
  printGot,
  printObject,
} from './pods.js';
import { RESOURCES } from './resources.js';

type Controller = { kind: 'set'; set: ReplicaSetState } | { kind: 'deployment'; deployment: DeploymentState };

/** The controllers of one kind, by namespace then name (kubectl's order). */
export function controllersOf(cluster: Cluster, kind: WorkloadKind): Controller[] {
  if (kind === 'Deployment')
    return cluster.workloads
      .deploymentList()
      .sort((a, b) => byNamespacedName(a.spec, b.spec))
      .map((deployment) => ({ kind: 'deployment', deployment }));
  return cluster.workloads
    .replicaSets()
    .filter((set) => set.kind === kind)
    .sort(byNamespacedName)
    .map((set) => ({ kind: 'set', set }));
}

function identity(controller: Controller): {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
} {
  return controller.kind === 'set' ? controller.set : controller.deployment.spec;
}

/** The controllers one table shows, as `get TYPE` lists them. */
export function controllerTable(
  cluster: Cluster,
  shown: readonly Controller[],
  moment: Moment,
  options: { wide: boolean; showLabels: boolean; prefix?: string },
): string {
  const sets = shown.flatMap((c) => (c.kind === 'set' ? [c.set] : []));
  const deployments = shown.flatMap((c) => (c.kind === 'deployment' ? [c.deployment] : []));
  return deployments.length > 0
    ? getDeployments(cluster, deployments, moment, options)
    : getReplicaSets(cluster, sets, moment, options);
}

export function getWorkloadsCommand(
  io: CliIo,
  options: GlobalOptions,
  kind: WorkloadKind,
  request: GetRequest,
  scope: { namespace: string; allNamespaces: boolean },
): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const inScope = controllersOf(cluster, kind).filter((c) => {
    const { namespace, labels } = identity(c);
    return (scope.allNamespaces || namespace === scope.namespace) && matches(request.selector, labels);
  });
  return printGot(io, request, scope, inScope, {
    resource: RESOURCES[kind],
    name: (c) => identity(c).name,
    object: (c) =>
      c.kind === 'set' ? replicaSetObject(cluster, c.set, moment) : deploymentObject(cluster, c.deployment, moment),
    table: (shown) =>
      controllerTable(cluster, shown, moment, { wide: request.output === 'wide', showLabels: request.showLabels }),
  });
}

export function describeWorkloadsCommand(
  io: CliIo,
  options: GlobalOptions,
  kind: WorkloadKind,
  requested: readonly string[],
  namespace: string,
  at?: number,
): number {
  const { cluster, moment } = viewCluster(options, io, at);
  const all = controllersOf(cluster, kind).filter((c) => identity(c).namespace === namespace);
  return describeNamed(
    io,
    all,
    requested,
    (c) => identity(c).name,
    (c) =>
      c.kind === 'set' ? describeReplicaSet(cluster, c.set, moment) : describeDeployment(cluster, c.deployment, moment),
    RESOURCES[kind],
  );
}

/** `delete rc|rs|deploy NAME...`: the controller, and what it owns (cascade=background). */
export function deleteWorkloads(
  io: CliIo,
  options: GlobalOptions,
  kind: WorkloadKind,
  names: readonly string[],
  namespace: string,
): number {
  return deleteNamed(io, options, names, {
    resource: RESOURCES[kind],
    exists: (cluster, name) => cluster.workloads.specOf(kind, namespace, name) !== undefined,
    deletion: (at, name) => ({
      op: { kind: 'workload-delete', at, workload: kind, namespace, name },
      entry: { op: 'delete', at, kind, namespace, name },
    }),
  });
}

/** `kubectl scale TYPE/NAME --replicas=N`. */
export function scaleCommand(
  io: CliIo,
  options: GlobalOptions,
  target: { kind: WorkloadKind; name: string },
  replicasText: string | undefined,
  namespace: string,
): number {
  const replicas = Number(replicasText);
  if (replicasText === undefined || !Number.isInteger(replicas) || replicas < 0)
    throw new CommandFailure(
      'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0',
      1,
    );
  const { kind, name } = target;
  return changeWorkspace(io, options, 'scale', (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    if (cluster.workloads.specOf(kind, namespace, name) === undefined) throw notFound(RESOURCES[kind].plural, name);
    say(`${RESOURCES[kind].singular}/${name} scaled\n`);
    return { entries: [{ op: 'scale', at, kind, namespace, name, replicas }], errors: [] };
  });
}

function deploymentFor(cluster: Cluster, kind: WorkloadKind, name: string, namespace: string): DeploymentState {
  if (kind !== 'Deployment')
    throw new CommandFailure(`error: no rollout for ${RESOURCES[kind].plural}: podnet rolls out deployments`, 1);
  const deployment = cluster.workloads.deployment(namespace, name);
  if (deployment === undefined) throw notFound(RESOURCES.Deployment.plural, name);
  return deployment;
}

/** `rollout status` (the answer kubectl gives with --watch=false) and `rollout history`. */
export function rolloutReadCommand(
  io: CliIo,
  options: GlobalOptions,
  verb: 'status' | 'history',
  target: { kind: WorkloadKind; name: string },
  namespace: string,
): number {
  const { cluster, moment } = viewCluster(options, io);
  const deployment = deploymentFor(cluster, target.kind, target.name, namespace);
  io.stdout(
    verb === 'status' ? rolloutStatus(cluster, deployment, moment.now).text : rolloutHistory(cluster, deployment),
  );
  return 0;
}

/** `rollout undo deploy/NAME [--to-revision N]`. */
export function rolloutUndoCommand(
  io: CliIo,
  options: GlobalOptions,
  target: { kind: WorkloadKind; name: string },
  revision: number | undefined,
  namespace: string,
): number {
  const { name } = target;
  return changeWorkspace(io, options, 'rollout undo', (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const deployment = deploymentFor(cluster, target.kind, name, namespace);
    const history = cluster.workloads.setsOf(deployment).sort((a, b) => b.revision - a.revision);
    const wanted = revision === undefined ? history[1] : history.find((set) => set.revision === revision);
    if (wanted === undefined)
      throw new CommandFailure(
        revision === undefined
          ? `error: no rollout history found for deployment "${name}"`
          : `error: unable to find specified revision ${revision} in history`,
        1,
      );
    if (wanted.hash === deployment.spec.templateHash) {
      say(`deployment.apps/${name} skipped rollback (current template already matches revision ${wanted.revision})\n`);
      return { entries: [], errors: [] };
    }
    say(`deployment.apps/${name} rolled back\n`);
    return { entries: [{ op: 'undo', at, namespace, name, revision: wanted.revision }], errors: [] };
  });
}

/** `get all`: pods, then each kind of controller that has any, as kubectl groups them. */
export function getAllCommand(
  io: CliIo,
  options: GlobalOptions,
  request: GetRequest,
  scope: { namespace: string; allNamespaces: boolean },
): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const inScope = (namespace: string, labels: Readonly<Record<string, string>>) =>
    (scope.allNamespaces || namespace === scope.namespace) && matches(request.selector, labels);
  const wanted = (kind: string) => request.kinds === undefined || request.kinds.includes(kind);
  const pods = wanted('pods') ? cluster.pods().filter((p) => inScope(p.spec.namespace, p.spec.labels)) : [];
  const kinds = (['ReplicationController', 'Deployment', 'ReplicaSet'] as const).filter(wanted);
  const services = wanted('Service')
    ? cluster.services.list().filter((r) => inScope(r.spec.namespace, r.spec.labels))
    : [];
  const groups = kinds.map((kind) => ({
    kind,
    shown: controllersOf(cluster, kind).filter((c) => inScope(identity(c).namespace, identity(c).labels)),
  }));
  if (request.output === 'json' || request.output === 'yaml') {
    const objects = [
      ...pods.map((pod) => podObject(cluster, pod, moment)),
      ...services.map((r) => serviceObject(r, moment)),
      ...groups.flatMap(({ shown }) =>
        shown.map((c) =>
          c.kind === 'set' ? replicaSetObject(cluster, c.set, moment) : deploymentObject(cluster, c.deployment, moment),
        ),
      ),
    ];
    printObject(io, listObject(objects), request.output);
    return 0;
  }
  if (request.output === 'name') {
    for (const pod of pods) io.stdout(`pod/${pod.spec.name}\n`);
    for (const r of services) io.stdout(`service/${r.spec.name}\n`);
    for (const { kind, shown } of groups)
      for (const c of shown) io.stdout(`${RESOURCES[kind].singular}/${identity(c).name}\n`);
    return 0;
  }
  const layout = { wide: request.output === 'wide', showLabels: request.showLabels };
  const tables = [
    ...(pods.length > 0
      ? [getPods(cluster, pods, moment, { ...layout, allNamespaces: scope.allNamespaces, prefix: 'pod/' })]
      : []),
    ...(services.length > 0
      ? [getServices(services, moment, { wide: layout.wide, allNamespaces: scope.allNamespaces, prefix: 'service/' })]
      : []),
    ...groups
      .filter(({ shown }) => shown.length > 0)
      .map(({ kind, shown }) =>
        controllerTable(cluster, shown, moment, { ...layout, prefix: `${RESOURCES[kind].singular}/` }),
      ),
  ];
  if (tables.length === 0) io.stderr(noResourcesFound(scope));
  else io.stdout(`${tables.join('\n\n')}\n`);
  return 0;
}

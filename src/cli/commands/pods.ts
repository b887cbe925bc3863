/** kubectl's verbs over the workspace's pods and nodes: get, describe, delete. */
import { stringify } from 'yaml';
import {
  buildCluster,
  type Cluster,
  type ClusterOp,
  type NodeRecord,
  type PodRecord,
} from '../../core/cluster/index.js';
import { matches, type Selector } from '../../core/selector/index.js';
import {
  describePod,
  getNodes,
  getPods,
  type Moment,
  nodeLabels,
  nodeObject,
  podObject,
} from '../../io/format/kubectl.js';
import { describeNode } from '../../io/format/nodes.js';
import type { JournalEntry } from '../../io/workspace.js';
import { changeWorkspace, type GlobalOptions, viewCluster } from '../context.js';
import { notFound } from '../errors.js';
import type { CliIo } from '../io.js';
import { RESOURCES, type ResourceNames } from './resources.js';

export type OutputFormat = 'wide' | 'json' | 'yaml' | 'name' | undefined;

export function deletePods(io: CliIo, options: GlobalOptions, names: readonly string[], namespace: string): number {
  return deleteNamed(io, options, names, {
    resource: RESOURCES.pods,
    exists: (cluster, name) => cluster.pod(namespace, name) !== undefined,
    deletion: (at, name) => ({
      op: { kind: 'delete', at, namespace, name },
      entry: { op: 'delete', at, namespace, name },
    }),
  });
}

/** One resource type as `kubectl delete TYPE NAME...` sees it. */
export interface Deletable {
  readonly resource: ResourceNames;
  exists(cluster: Cluster, name: string): boolean;
  /** The change to the cluster, and the journal line that records it. */
  deletion(at: number, name: string): { op: ClusterOp; entry: JournalEntry };
}

/** Deletes each named object that exists, in the order named; the rest are NotFound, all reported. */
export function deleteNamed(io: CliIo, options: GlobalOptions, names: readonly string[], type: Deletable): number {
  return changeWorkspace(io, options, 'delete', (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const entries: JournalEntry[] = [];
    const errors: string[] = [];
    for (const name of names) {
      if (!type.exists(cluster, name)) {
        errors.push(notFound(type.resource.plural, name).message);
        continue;
      }
      const { op, entry } = type.deletion(at, name);
      cluster.apply(op);
      entries.push(entry);
      say(`${type.resource.singular} "${name}" deleted\n`);
    }
    return { entries, errors };
  });
}

export function listObject(items: readonly object[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function printObject(io: CliIo, value: object, format: 'json' | 'yaml'): void {
  io.stdout(format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : stringify(value, { indentSeq: false }));
}

/** What `get` was asked for, after the TYPE/NAME forms and the selector are read. */
export interface GetRequest {
  /** The moment to show (simulated seconds), when not now. */
  readonly at?: number;
  /** For `get all` or `get TYPE,TYPE`: the types to list (all of them when absent). */
  readonly kinds?: readonly string[];
  readonly names: readonly string[];
  readonly output: OutputFormat;
  readonly selector: Selector;
  readonly showLabels: boolean;
}

export function getPodsCommand(
  io: CliIo,
  options: GlobalOptions,
  request: GetRequest,
  scope: { namespace: string; allNamespaces: boolean },
): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const { names } = request;
  const inScope = cluster
    .pods()
    .filter((p) => scope.allNamespaces || p.spec.namespace === scope.namespace)
    .filter((p) => matches(request.selector, p.spec.labels));
  const { shown, missing } = pickNamed(inScope, names, (p) => p.spec.name);
  printPods(io, cluster, shown, moment, { ...request, ...scope }, names.length === 1);
  if (missing.length > 0) throw notFound('pods', ...missing);
  return 0;
}

/** The objects a get or describe names, in the order kubectl lists them (as asked), and the names not found. */
export function pickNamed<T>(
  inScope: readonly T[],
  names: readonly string[],
  nameOf: (item: T) => string,
): { shown: readonly T[]; missing: string[] } {
  if (names.length === 0) return { shown: inScope, missing: [] };
  return {
    shown: names.flatMap((name) => inScope.filter((item) => nameOf(item) === name)),
    missing: names.filter((name) => !inScope.some((item) => nameOf(item) === name)),
  };
}

/** How `get` and `describe` show one resource type's objects. */
export interface Shown<T> {
  readonly resource: ResourceNames;
  /** The name `get NAME` picks it by. */
  name(item: T): string;
  /** The name `-o name` prints, when another than the one it is picked by. */
  listed?(item: T): string;
  /** The object for `-o json|yaml`. */
  object(item: T): object;
  table(items: readonly T[]): string;
}

/**
 * `get TYPE [NAME...]` once the objects in scope are known: the named ones (or all) as objects,
 * names or kubectl's table, "No resources found" for an empty list, NotFound for missing names.
 */
export function printGot<T>(
  io: CliIo,
  request: GetRequest,
  scope: { namespace: string; allNamespaces: boolean },
  inScope: readonly T[],
  shown: Shown<T>,
): number {
  const { shown: items, missing } = pickNamed(inScope, request.names, (item) => shown.name(item));
  if (request.output === 'json' || request.output === 'yaml') {
    const objects = items.map((item) => shown.object(item));
    const single = request.names.length === 1 && objects[0] !== undefined;
    printObject(io, single ? (objects[0] as object) : listObject(objects), request.output);
  } else if (request.output === 'name') {
    for (const item of items) io.stdout(`${shown.resource.singular}/${(shown.listed ?? shown.name)(item)}\n`);
  } else if (items.length > 0) {
    io.stdout(`${shown.table(items)}\n`);
  } else if (request.names.length === 0) {
    io.stderr(noResourcesFound(scope));
  }
  if (missing.length > 0) throw notFound(shown.resource.plural, ...missing);
  return 0;
}

/** `describe TYPE [NAME...]`: kubectl's page of each named object (or all), NotFound for the rest. */
export function describeNamed<T>(
  io: CliIo,
  inScope: readonly T[],
  names: readonly string[],
  nameOf: (item: T) => string,
  page: (item: T) => string,
  resource: ResourceNames,
): number {
  const { shown, missing } = pickNamed(inScope, names, nameOf);
  if (shown.length > 0) io.stdout(`${shown.map(page).join('\n\n\n')}\n`);
  if (missing.length > 0) throw notFound(resource.plural, ...missing);
  return 0;
}

/** What kubectl says on stderr when a list in a namespace (or in all of them) is empty. */
export function noResourcesFound(scope: { namespace: string; allNamespaces: boolean }): string {
  return scope.allNamespaces ? 'No resources found\n' : `No resources found in ${scope.namespace} namespace.\n`;
}

function printPods(
  io: CliIo,
  cluster: Cluster,
  records: readonly PodRecord[],
  moment: Moment,
  flags: { output: OutputFormat; namespace: string; allNamespaces: boolean; showLabels: boolean },
  single: boolean,
): void {
  if (flags.output === 'json' || flags.output === 'yaml') {
    const objects = records.map((record) => podObject(cluster, record, moment));
    printObject(io, single && objects[0] !== undefined ? objects[0] : listObject(objects), flags.output);
    return;
  }
  if (flags.output === 'name') {
    for (const record of records) io.stdout(`pod/${record.spec.name}\n`);
    return;
  }
  if (records.length === 0) {
    if (!single) io.stderr(noResourcesFound(flags));
    return;
  }
  const layout = { wide: flags.output === 'wide', allNamespaces: flags.allNamespaces, showLabels: flags.showLabels };
  io.stdout(`${getPods(cluster, records, moment, layout)}\n`);
}

export function getNodesCommand(io: CliIo, options: GlobalOptions, request: GetRequest): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const { names, output } = request;
  const missing = names.filter((name) => cluster.nodeRecord(name) === undefined);
  if (missing.length > 0) throw notFound('nodes', ...missing);
  const matching = cluster.nodes().filter(({ node }) => matches(request.selector, nodeLabels(node)));
  const { shown } = pickNamed(matching, names, ({ node }) => node.name);
  if (output === 'json' || output === 'yaml') {
    const objects = shown.map((record) => nodeObject(cluster, record, moment));
    printObject(io, names.length === 1 && objects[0] !== undefined ? objects[0] : listObject(objects), output);
    return 0;
  }
  if (output === 'name') {
    for (const { node } of shown) io.stdout(`node/${node.name}\n`);
    return 0;
  }
  if (shown.length === 0) {
    io.stderr('No resources found\n');
    return 0;
  }
  io.stdout(`${getNodes(cluster, shown, moment, { wide: output === 'wide', showLabels: request.showLabels })}\n`);
  return 0;
}

export function describePodCommand(
  io: CliIo,
  options: GlobalOptions,
  names: readonly string[],
  namespace: string,
  output?: 'json',
  at?: number,
): number {
  const { cluster, moment } = viewCluster(options, io, at);
  const records =
    names.length === 0
      ? cluster.pods().filter((p) => p.spec.namespace === namespace)
      : names.map((name) => cluster.pod(namespace, name));
  const missing = names.filter((_, i) => records[i] === undefined);
  if (missing.length > 0) throw notFound('pods', ...missing);
  if (output === 'json') {
    // The pod as get -o json shows it, with the events describe lists.
    const described = (records as PodRecord[]).map((record) => ({
      ...podObject(cluster, record, moment),
      events: cluster.statusAt(record, moment.now).events.filter((e) => e.first <= moment.now),
    }));
    printObject(io, names.length === 1 && described[0] !== undefined ? described[0] : listObject(described), 'json');
    return 0;
  }
  io.stdout(records.map((record) => `${describePod(cluster, record as PodRecord, moment)}\n`).join('\n\n'));
  return 0;
}

export function describeNodeCommand(io: CliIo, options: GlobalOptions, names: readonly string[], at?: number): number {
  const { cluster, moment } = viewCluster(options, io, at);
  const missing = names.filter((name) => cluster.nodeRecord(name) === undefined);
  if (missing.length > 0) throw notFound('nodes', ...missing);
  const records = names.length === 0 ? cluster.nodes() : names.map((name) => cluster.nodeRecord(name) as NodeRecord);
  io.stdout(`${records.map((record) => describeNode(cluster, record, moment)).join('\n\n\n')}\n`);
  return 0;
}

/**
 * kubectl's and calicoctl's views of policy: `get netpol|ns`, `describe netpol`, `delete netpol`,
 * and `policy get networkpolicy|globalnetworkpolicy|tier` in calicoctl 3.29's layout.
 */
import type { Cluster } from '../../core/cluster/index.js';
import { byCodeUnit } from '../../core/order.js';
import { matches } from '../../core/selector/index.js';
import type { PolicyKind, PolicySpec } from '../../core/topology/policy-model.js';
import {
  calicoctlPolicies,
  calicoctlTiers,
  describeNetworkPolicy,
  getNamespaces,
  getNetworkPolicies,
} from '../../io/format/policies.js';
import { type GlobalOptions, viewCluster } from '../context.js';
import { CommandFailure, notFound } from '../errors.js';
import type { CliIo } from '../io.js';
import {
  type Deletable,
  describeNamed,
  type GetRequest,
  listObject,
  pickNamed,
  printGot,
  printObject,
} from './pods.js';
import { RESOURCES } from './resources.js';

type Scope = { namespace: string; allNamespaces: boolean };

function kubernetesPolicies(cluster: Cluster, scope: Scope) {
  return cluster.policies
    .policies()
    .filter((p) => p.spec.kind === 'NetworkPolicy' && (scope.allNamespaces || p.spec.namespace === scope.namespace))
    .sort((a, b) => byCodeUnit(a.spec.namespace ?? '', b.spec.namespace ?? '') || byCodeUnit(a.spec.name, b.spec.name));
}

export function getNetworkPoliciesCommand(
  io: CliIo,
  options: GlobalOptions,
  request: GetRequest,
  scope: Scope,
): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const inScope = kubernetesPolicies(cluster, scope).filter((p) => matches(request.selector, p.spec.labels));
  return printGot(io, request, scope, inScope, {
    resource: RESOURCES.NetworkPolicy,
    name: (p) => p.spec.name,
    object: (p) => p.spec.manifest,
    table: (shown) => getNetworkPolicies(shown, moment, scope),
  });
}

export function describeNetworkPoliciesCommand(
  io: CliIo,
  options: GlobalOptions,
  requested: readonly string[],
  namespace: string,
  at?: number,
): number {
  const { cluster, moment } = viewCluster(options, io, at);
  const all = kubernetesPolicies(cluster, { namespace, allNamespaces: false });
  return describeNamed(
    io,
    all,
    requested,
    (p) => p.spec.name,
    (p) => describeNetworkPolicy(p, moment),
    RESOURCES.NetworkPolicy,
  );
}

export function getNamespacesCommand(io: CliIo, options: GlobalOptions, request: GetRequest): number {
  const { cluster, moment } = viewCluster(options, io, request.at);
  const used = [
    ...cluster.pods().map((p) => p.spec.namespace),
    ...cluster.services.list().map((s) => s.spec.namespace),
  ];
  const all = cluster.policies
    .namespaceNames(used)
    .filter((name) => matches(request.selector, cluster.policies.namespaceLabels(name)));
  const { shown, missing } = pickNamed(all, request.names, (name) => name);
  const createdAt = (name: string) => cluster.policies.namespace(name)?.createdAt ?? 0;
  if (request.output === 'name') for (const name of shown) io.stdout(`namespace/${name}\n`);
  else if (request.output === 'json' || request.output === 'yaml') {
    const objects = shown.map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: cluster.policies.namespaceLabels(name) },
      status: { phase: 'Active' },
    }));
    printObject(io, request.names.length === 1 && objects[0] ? objects[0] : listObject(objects), request.output);
  } else if (shown.length > 0) io.stdout(`${getNamespaces(shown, createdAt, moment)}\n`);
  if (missing.length > 0) throw notFound(RESOURCES.Namespace.plural, ...missing);
  return 0;
}

/** `delete netpol NAME...` in a namespace. */
export function networkPolicyDeletable(namespace: string): Deletable {
  return {
    resource: RESOURCES.NetworkPolicy,
    exists: (cluster, name) => cluster.policies.policy('NetworkPolicy', namespace, name) !== undefined,
    deletion: (at, name) => ({
      op: { kind: 'policy-delete', at, object: 'NetworkPolicy', namespace, name },
      entry: { op: 'delete', at, kind: 'NetworkPolicy', namespace, name },
    }),
  };
}

const CALICO_TYPES: Readonly<Record<string, PolicyKind | 'Tier'>> = {
  networkpolicy: 'CalicoNetworkPolicy',
  networkpolicies: 'CalicoNetworkPolicy',
  policy: 'CalicoNetworkPolicy',
  policies: 'CalicoNetworkPolicy',
  globalnetworkpolicy: 'GlobalNetworkPolicy',
  globalnetworkpolicies: 'GlobalNetworkPolicy',
  gnp: 'GlobalNetworkPolicy',
  tier: 'Tier',
  tiers: 'Tier',
};

/** `calicoctl get networkpolicy|globalnetworkpolicy|tier [NAME...] [-o wide] [-n NS | -A]`. */
export function calicoctlGetCommand(
  io: CliIo,
  options: GlobalOptions,
  type: string,
  names: readonly string[],
  flags: { output?: string; namespace?: string; allNamespaces?: boolean },
): number {
  const kind = CALICO_TYPES[type.toLowerCase()];
  if (kind === undefined)
    throw new CommandFailure(
      `Failed to get resources: resource type '${type}' is not supported (podnet's calicoctl get serves networkpolicy, globalnetworkpolicy and tier)`,
      1,
    );
  const { cluster } = viewCluster(options, io);
  if (kind === 'Tier') {
    const tiers = cluster.policies.tiers().filter((t) => names.length === 0 || names.includes(t.name));
    io.stdout(calicoctlTiers(tiers));
    return 0;
  }
  const namespace = flags.namespace ?? 'default';
  // In KDD mode calicoctl lists Calico's own policies: Kubernetes ones are a separate kind.
  const policies = cluster.policies
    .policies()
    .map((p) => p.spec)
    .filter(
      (p: PolicySpec) =>
        p.kind === kind &&
        (kind === 'GlobalNetworkPolicy' || flags.allNamespaces || p.namespace === namespace) &&
        (names.length === 0 || names.includes(p.name)),
    )
    .sort((a, b) => byCodeUnit(a.namespace ?? '', b.namespace ?? '') || byCodeUnit(a.name, b.name));
  const namespaced = kind !== 'GlobalNetworkPolicy' && (flags.allNamespaces === true || flags.namespace !== undefined);
  io.stdout(calicoctlPolicies(policies, { wide: flags.output === 'wide', namespaced }));
  return 0;
}

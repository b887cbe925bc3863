/**
 * `create|apply|delete -f` for policy objects: NetworkPolicies of both APIs, GlobalNetworkPolicies,
 * Namespaces and Tiers, with the lines kubectl and calicoctl print for them.
 */
import type { Cluster } from '../../core/cluster/index.js';
import type { PolicyKind } from '../../core/topology/policy-model.js';
import type { PolicyObject } from '../../core/topology/policy-objects.js';
import type { JournalEntry } from '../../io/workspace.js';

/** kubectl's singular and plural names of each policy object kind. */
const NAMES = {
  NetworkPolicy: { singular: 'networkpolicy.networking.k8s.io', plural: 'networkpolicies.networking.k8s.io' },
  CalicoNetworkPolicy: { singular: 'networkpolicy.projectcalico.org', plural: 'networkpolicies.projectcalico.org' },
  GlobalNetworkPolicy: {
    singular: 'globalnetworkpolicy.projectcalico.org',
    plural: 'globalnetworkpolicies.projectcalico.org',
  },
  Tier: { singular: 'tier.projectcalico.org', plural: 'tiers.projectcalico.org' },
  Namespace: { singular: 'namespace', plural: 'namespaces' },
} as const;

type Identity = { kind: PolicyKind | 'Tier' | 'Namespace'; namespace?: string; name: string };

function identity(object: PolicyObject): Identity {
  if (object.kind === 'Namespace') return { kind: 'Namespace', name: object.namespace.name };
  if (object.kind === 'Tier') return { kind: 'Tier', name: object.tier.name };
  const { kind, name, namespace } = object.policy;
  return { kind, name, ...(namespace !== undefined ? { namespace } : {}) };
}

function existing(cluster: Cluster, id: Identity): object | undefined {
  if (id.kind === 'Namespace') return cluster.policies.namespace(id.name)?.spec;
  if (id.kind === 'Tier') return id.name === 'default' ? undefined : cluster.policies.tier(id.name);
  return cluster.policies.policy(id.kind, id.namespace, id.name)?.spec;
}

export interface PolicyOutcome {
  readonly entry?: JournalEntry;
  readonly said?: string;
  readonly error?: string;
}

export function submitPolicyObject(
  cluster: Cluster,
  object: PolicyObject,
  mode: 'create' | 'apply',
  file: string,
  submit: { at: number; file: string; manifest: Record<string, unknown> },
  same: (a: object, b: object) => boolean,
): PolicyOutcome {
  const id = identity(object);
  const names = NAMES[id.kind];
  const before = existing(cluster, id);
  const written = object.kind === 'policy' ? object.policy : object.kind === 'Tier' ? object.tier : object.namespace;
  if (before !== undefined && mode === 'create')
    return {
      error: `Error from server (AlreadyExists): error when creating "${file}": ${names.plural} "${id.name}" already exists`,
    };
  if (before !== undefined && same(before, written)) return { said: `${names.singular}/${id.name} unchanged\n` };
  const result = cluster.apply({ kind: 'policy', at: submit.at, object });
  if (!result.ok)
    return {
      error: `Error from server (NotFound): error when creating "${file}": tiers.projectcalico.org "${result.error.name}" not found`,
    };
  return {
    entry: { op: before === undefined ? 'create' : 'apply', ...submit },
    said: `${names.singular}/${id.name} ${before === undefined ? 'created' : 'configured'}\n`,
  };
}

/** `delete -f` of a policy object: gone, or why not (missing, a tier in use, a namespace). */
export function deletePolicyObject(cluster: Cluster, object: PolicyObject, file: string, at: number): PolicyOutcome {
  const id = identity(object);
  const names = NAMES[id.kind];
  if (id.kind === 'Namespace')
    return {
      error: `error: podnet does not model deleting namespace "${id.name}" (Kubernetes would delete everything in it); delete its objects instead`,
    };
  if (existing(cluster, id) === undefined)
    return {
      error: `Error from server (NotFound): error when deleting "${file}": ${names.plural} "${id.name}" not found`,
    };
  const result = cluster.apply({
    kind: 'policy-delete',
    at,
    object: id.kind,
    ...(id.namespace !== undefined ? { namespace: id.namespace } : {}),
    name: id.name,
  });
  if (!result.ok)
    return {
      error: `Error from server (Forbidden): error when deleting "${file}": ${names.plural} "${id.name}": the tier still has policies`,
    };
  return {
    entry: { op: 'delete', at, kind: id.kind, namespace: id.namespace ?? '', name: id.name },
    said: `${names.singular} "${id.name}" deleted\n`,
  };
}

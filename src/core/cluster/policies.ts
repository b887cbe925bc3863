/**
 * The policy objects the API servers hold: Namespaces with their labels, Calico Tiers, and
 * NetworkPolicies of both APIs and GlobalNetworkPolicies, each with the time it was created.
 * Namespaces a pod or Service uses exist without being written, as kubectl create namespace
 * would have made them, with only the label the API server sets
 * (`kubernetes.io/metadata.name`). Invariants: one object per kind and name (and namespace); a
 * tier with policies is not deleted. Leaves out: deleting a namespace with what it holds.
 */
import { byCodeUnit } from '../order.js';
import type { Labels } from '../selector/index.js';
import type { Topology } from '../topology/model.js';
import {
  DEFAULT_TIER,
  type NamespaceSpec,
  namespaceLabels,
  type PolicyKind,
  type PolicySpec,
  policyKey,
  type TierSpec,
} from '../topology/policy-model.js';
import type { PolicyObject } from '../topology/policy-objects.js';

/** The namespaces every kubeadm cluster has. */
export const BUILTIN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export interface Stored<T> {
  readonly spec: T;
  readonly createdAt: number;
}

export class PolicyStore {
  private readonly namespaceSpecs = new Map<string, Stored<NamespaceSpec>>();
  private readonly tierSpecs = new Map<string, Stored<TierSpec>>();
  private readonly policySpecs = new Map<string, Stored<PolicySpec>>();

  constructor(topology: Topology) {
    for (const namespace of topology.namespaces)
      this.namespaceSpecs.set(namespace.name, { spec: namespace, createdAt: 0 });
    for (const tier of topology.tiers) this.tierSpecs.set(tier.name, { spec: tier, createdAt: 0 });
    for (const policy of topology.policies) this.policySpecs.set(policyKey(policy), { spec: policy, createdAt: 0 });
  }

  /** Creates or replaces an object; false when a policy names a tier that does not exist. */
  put(object: PolicyObject, at: number): boolean {
    if (object.kind === 'policy' && this.tier(object.policy.tier) === undefined) return false;
    if (object.kind === 'Namespace') keep(this.namespaceSpecs, object.namespace.name, object.namespace, at);
    else if (object.kind === 'Tier') keep(this.tierSpecs, object.tier.name, object.tier, at);
    else keep(this.policySpecs, policyKey(object.policy), object.policy, at);
    return true;
  }

  /** Deletes a policy, or a tier no policy is in; false when there is no such object (or it is in use). */
  remove(kind: PolicyKind | 'Tier', namespace: string | undefined, name: string): boolean {
    if (kind === 'Tier') {
      if ([...this.policySpecs.values()].some((p) => p.spec.tier === name)) return false;
      return this.tierSpecs.delete(name);
    }
    return this.policySpecs.delete(policyKey({ kind, namespace, name }));
  }

  policy(kind: PolicyKind, namespace: string | undefined, name: string): Stored<PolicySpec> | undefined {
    return this.policySpecs.get(policyKey({ kind, namespace, name }));
  }

  /** Every policy, in no particular order: the evaluator sorts what applies. */
  policies(): readonly Stored<PolicySpec>[] {
    return [...this.policySpecs.values()];
  }

  /** Every policy in the order Felix runs them: by tier, then order (missing last), name, namespace. */
  ordered(): PolicySpec[] {
    const rank = new Map(this.tiers().map((t, i) => [t.name, i]));
    return [...this.policySpecs.values()]
      .map((p) => p.spec)
      .sort(
        (a, b) =>
          (rank.get(a.tier) ?? 0) - (rank.get(b.tier) ?? 0) ||
          (a.order ?? Infinity) - (b.order ?? Infinity) ||
          byCodeUnit(a.name, b.name) ||
          byCodeUnit(a.namespace ?? '', b.namespace ?? ''),
      );
  }

  tier(name: string): TierSpec | undefined {
    return name === DEFAULT_TIER.name ? DEFAULT_TIER : this.tierSpecs.get(name)?.spec;
  }

  /** Every tier, the built-in default among them, by order (missing last), then name. */
  tiers(): TierSpec[] {
    const all = [DEFAULT_TIER, ...[...this.tierSpecs.values()].map((t) => t.spec)];
    return all.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || byCodeUnit(a.name, b.name));
  }

  /** A namespace's labels: as written, or only the name label for one that was never written. */
  namespaceLabels(name: string): Labels {
    return namespaceLabels(name, this.namespaceSpecs.get(name)?.spec.labels);
  }

  namespace(name: string): Stored<NamespaceSpec> | undefined {
    return this.namespaceSpecs.get(name);
  }

  /** Written namespaces, the built-in ones, and `used` (the namespaces of pods and Services), by name. */
  namespaceNames(used: Iterable<string>): string[] {
    return [...new Set([...BUILTIN_NAMESPACES, ...this.namespaceSpecs.keys(), ...used])].sort(byCodeUnit);
  }
}

function keep<T>(map: Map<string, Stored<T>>, key: string, spec: T, at: number): void {
  map.set(key, { spec, createdAt: map.get(key)?.createdAt ?? at });
}

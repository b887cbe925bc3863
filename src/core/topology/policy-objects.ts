/**
 * The policy objects of a topology or a manifest file: which schema reads a document (the
 * apiVersion tells a Kubernetes NetworkPolicy from a Calico one), and the checks that span
 * documents: one object per name, and every policy's tier defined.
 */
import type { IssueSink } from './issue-sink.js';
import type { Origin } from './model.js';
import { DEFAULT_TIER, type NamespaceSpec, type PolicySpec, policyKey, type TierSpec } from './policy-model.js';
import { resolveCalicoPolicy, resolveNamespace, resolveNetworkPolicy, resolveTier } from './resolve-policy.js';
import * as s from './schema-policy.js';

export type PolicyObject =
  | { readonly kind: 'policy'; readonly policy: PolicySpec }
  | { readonly kind: 'Namespace'; readonly namespace: NamespaceSpec }
  | { readonly kind: 'Tier'; readonly tier: TierSpec };

export const POLICY_KINDS = ['NetworkPolicy', 'GlobalNetworkPolicy', 'Namespace', 'Tier'] as const;

export function isPolicyKind(kind: unknown): kind is (typeof POLICY_KINDS)[number] {
  return POLICY_KINDS.includes(kind as (typeof POLICY_KINDS)[number]);
}

/** One document of a policy kind, resolved; undefined when it has problems (reported to `sink`). */
export function resolvePolicyObject(
  sink: IssueSink,
  record: Record<string, unknown>,
  source: number,
): PolicyObject | undefined {
  const origin: Origin = { source, path: [] };
  switch (record['kind']) {
    case 'NetworkPolicy': {
      if (record['apiVersion'] === 'projectcalico.org/v3')
        return calico(sink, s.calicoNetworkPolicyManifest, record, origin);
      const manifest = sink.parse(s.networkPolicyManifest, record, source, []);
      const policy = manifest === undefined ? undefined : resolveNetworkPolicy(sink, manifest, origin);
      return policy === undefined ? undefined : { kind: 'policy', policy };
    }
    case 'GlobalNetworkPolicy':
      return calico(sink, s.globalNetworkPolicyManifest, record, origin);
    case 'Namespace': {
      const manifest = sink.parse(s.namespaceManifest, record, source, []);
      return manifest === undefined ? undefined : { kind: 'Namespace', namespace: resolveNamespace(manifest, origin) };
    }
    default: {
      const manifest = sink.parse(s.tierManifest, record, source, []);
      if (manifest?.metadata.name === DEFAULT_TIER.name) {
        sink.report(
          { source, path: ['metadata', 'name'] },
          'invalid-value',
          'tier "default" is built in (order 1000000, defaultAction Deny): name your tier otherwise',
        );
        return undefined;
      }
      return manifest === undefined ? undefined : { kind: 'Tier', tier: resolveTier(manifest, origin) };
    }
  }
}

function calico(
  sink: IssueSink,
  schema: typeof s.calicoNetworkPolicyManifest | typeof s.globalNetworkPolicyManifest,
  record: Record<string, unknown>,
  origin: Origin,
): PolicyObject | undefined {
  const manifest = sink.parse(schema, record, origin.source, []);
  const policy = manifest === undefined ? undefined : resolveCalicoPolicy(sink, manifest, origin);
  return policy === undefined ? undefined : { kind: 'policy', policy };
}

export interface PolicySet {
  readonly namespaces: readonly NamespaceSpec[];
  readonly tiers: readonly TierSpec[];
  readonly policies: readonly PolicySpec[];
}

/** A topology's policy objects, each name once, every policy in a tier that exists. */
export function policySet(sink: IssueSink, objects: readonly PolicyObject[]): PolicySet {
  const seen = new Set<string>();
  const once = (key: string, origin: Origin, what: string): boolean => {
    if (seen.has(key)) {
      sink.report({ ...origin, path: ['metadata', 'name'] }, 'duplicate', `${what} is defined twice`);
      return false;
    }
    seen.add(key);
    return true;
  };
  const namespaces: NamespaceSpec[] = [];
  const tiers: TierSpec[] = [];
  const policies: PolicySpec[] = [];
  for (const object of objects) {
    if (object.kind === 'Namespace') {
      if (once(`ns/${object.namespace.name}`, object.namespace.origin, `namespace "${object.namespace.name}"`))
        namespaces.push(object.namespace);
    } else if (object.kind === 'Tier') {
      if (once(`tier/${object.tier.name}`, object.tier.origin, `tier "${object.tier.name}"`)) tiers.push(object.tier);
    } else if (once(policyKey(object.policy), object.policy.origin, `${object.policy.kind} "${object.policy.name}"`))
      policies.push(object.policy);
  }
  const tierNames = new Set([DEFAULT_TIER.name, ...tiers.map((t) => t.name)]);
  for (const policy of policies)
    if (!tierNames.has(policy.tier))
      sink.report({ ...policy.origin, path: ['spec', 'tier'] }, 'unknown-name', tierMissing(policy.tier));
  return { namespaces, tiers, policies };
}

export function tierMissing(tier: string): string {
  return `tier "${tier}" does not exist: define a projectcalico.org/v3 Tier named "${tier}" first`;
}

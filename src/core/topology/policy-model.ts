/**
 * Network policy as podnet holds it once resolved: Namespaces with their labels, Calico Tiers, and
 * one shape for all three policy kinds (Kubernetes NetworkPolicy, Calico NetworkPolicy and
 * GlobalNetworkPolicy), the shape Felix renders: an ordered policy in a tier, a selector for the
 * endpoints it applies to, and ordered rules with an action each.
 *
 * A Kubernetes policy keeps its own rule numbering: one rule per `ingress[i]`/`egress[i]`, whose
 * peers (`from`/`to`) are alternatives, as Kubernetes defines them; Calico's conversion writes
 * the same thing as several rules. Invariants: every selector parsed, every CIDR valid, every
 * port range ordered; `order` undefined means last, as Calico treats a missing order.
 */
import type { Cidr } from '../net/index.js';
import type { Labels, Selector } from '../selector/index.js';
import type { Origin } from './model.js';

export type PolicyKind = 'NetworkPolicy' | 'CalicoNetworkPolicy' | 'GlobalNetworkPolicy';
export type PolicyAction = 'Allow' | 'Deny' | 'Pass' | 'Log';
export type Direction = 'ingress' | 'egress';

/** A port, a range of ports, or a container port's name, resolved against the endpoint it is on. */
export type PortMatch =
  | { readonly kind: 'range'; readonly from: number; readonly to: number; readonly protocol?: string }
  | { readonly kind: 'named'; readonly name: string; readonly protocol?: string };

/** A selector with the text it was written as (or, for a Kubernetes one, kubectl's rendering). */
export interface WrittenSelector {
  readonly selector: Selector;
  readonly text: string;
}

/**
 * One side of a rule (Calico's EntityRule): every present criterion must hold. `selector` and
 * `namespaceSelector` match workload endpoints only; `nets` any address.
 */
export interface EntityMatch {
  readonly nets?: readonly Cidr[];
  readonly notNets?: readonly Cidr[];
  readonly selector?: WrittenSelector;
  readonly notSelector?: WrittenSelector;
  readonly namespaceSelector?: WrittenSelector;
  readonly ports?: readonly PortMatch[];
  readonly notPorts?: readonly PortMatch[];
}

export interface PolicyRule {
  readonly action: PolicyAction;
  /** A protocol name (TCP, UDP, ICMP, SCTP, UDPLite, ICMPv6) or number. */
  readonly protocol?: string;
  readonly notProtocol?: string;
  readonly ipVersion?: 4 | 6;
  /** Alternatives: the rule matches a source that matches any of them; empty matches every source. */
  readonly source: readonly EntityMatch[];
  readonly destination: readonly EntityMatch[];
  /** The rule's place in the manifest: `ingress[0]`. */
  readonly path: string;
}

export interface PolicySpec {
  readonly kind: PolicyKind;
  /** Undefined for a GlobalNetworkPolicy. */
  readonly namespace?: string;
  readonly name: string;
  readonly tier: string;
  readonly order?: number;
  /** The endpoints it applies to (within its namespace, for a namespaced policy). */
  readonly selector: WrittenSelector;
  /** A GlobalNetworkPolicy's namespaces; undefined means all. */
  readonly namespaceSelector?: WrittenSelector;
  readonly types: readonly Direction[];
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
  readonly labels: Labels;
  /** The manifest as written, for describe and export. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly origin: Origin;
}

export interface NamespaceSpec {
  readonly name: string;
  readonly labels: Labels;
  readonly origin: Origin;
}

export interface TierSpec {
  readonly name: string;
  readonly order?: number;
  readonly defaultAction: 'Deny' | 'Pass';
  readonly origin: Origin;
}

/** Calico's built-in tier that holds Kubernetes policies and every policy without a tier. */
export const DEFAULT_TIER: TierSpec = {
  name: 'default',
  order: 1_000_000,
  defaultAction: 'Deny',
  origin: { source: -1, path: [] },
};

/** Calico gives every Kubernetes NetworkPolicy this order (libcalico-go's conversion). */
export const KUBERNETES_POLICY_ORDER = 1000;

/** Calico's name for a policy: `knp.default.<name>` for a Kubernetes one. */
export function calicoPolicyName(policy: Pick<PolicySpec, 'kind' | 'name'>): string {
  return policy.kind === 'NetworkPolicy' ? `knp.default.${policy.name}` : policy.name;
}

/** A policy's key among all others: kind, namespace and name. */
export function policyKey(policy: {
  readonly kind: PolicyKind;
  readonly namespace?: string | undefined;
  readonly name: string;
}): string {
  return `${policy.kind}/${policy.namespace ?? ''}/${policy.name}`;
}

/** The labels the API server sets on every namespace, beside the user's. */
export function namespaceLabels(name: string, labels: Labels = {}): Labels {
  return { ...labels, 'kubernetes.io/metadata.name': name };
}

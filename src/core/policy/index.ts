/**
 * policy: which packets Calico's Felix lets through a workload endpoint, and which rule decided.
 *
 * Models Felix's endpoint chains for the iptables data plane (Calico 3.29): for a direction, the
 * tiers that have a policy for the endpoint run in tier order; inside a tier its policies run by
 * order (missing last), then name; a policy's rules run in order: Allow and Deny decide, Log notes
 * and goes on, Pass leaves the tier for the next one. A tier that applied but decided nothing
 * takes its defaultAction (Deny, or Pass on). After the last tier, or when no policy selects the
 * endpoint, the namespace's profile `kns.<ns>` allows. Kubernetes NetworkPolicies are ordinary
 * policies here (order 1000, default tier), which gives Kubernetes' semantics: isolation when
 * selected, rules unioned. `selector` and `namespaceSelector` in rules match workload endpoints
 * (pods that are not hostNetwork) only; `nets` any address.
 * Invariants: pure and deterministic; what applies to an endpoint is computed once per endpoint
 * and what a selector matches once per (selector, endpoint), so a packet costs the rules of the
 * policies that apply to its two ends, not all policies times all pods. Leaves out: host
 * endpoints, service-account and Service matches, ICMP, IPv6 (an `ipVersion: 6` rule never matches).
 */
import type { Cluster, PodRecord } from '../cluster/index.js';
import { cidrContains, type Ipv4 } from '../net/index.js';
import { type Labels, matches } from '../selector/index.js';
import type {
  Direction,
  EntityMatch,
  PolicyAction,
  PolicyRule,
  PolicySpec,
  PortMatch,
  TierSpec,
  WrittenSelector,
} from '../topology/policy-model.js';

/** The source port podnet's flows use: the first of Linux's ephemeral range. */
export const EPHEMERAL_PORT = 32768;

export interface PolicyPacket {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
}

/** A policy as a verdict names it. */
export interface PolicyRef {
  readonly kind: PolicySpec['kind'];
  readonly namespace?: string;
  readonly name: string;
  readonly tier: string;
  readonly order?: number;
}

export interface RuleRef {
  readonly policy: PolicyRef;
  readonly rule: number;
  readonly path: string;
  readonly action: PolicyAction;
}

/** One policy as the packet went through it: the rule that matched, if any, and Log rules passed. */
export interface PolicyEvaluated {
  readonly policy: PolicyRef;
  readonly matched?: RuleRef;
  /** The Log rules that matched before the decision (`ingress[0]`). */
  readonly logged: readonly string[];
}

export type PolicyDecision =
  /** No policy selects the endpoint for this direction: its namespace's profile allows. */
  | { readonly kind: 'no-policy'; readonly profile: string }
  | { readonly kind: 'rule'; readonly rule: RuleRef }
  /** A tier applied and no rule decided: its defaultAction Deny dropped the packet. */
  | { readonly kind: 'end-of-tier'; readonly tier: string }
  /** Every applying tier passed (Pass rules, or defaultAction Pass): the profile allows. */
  | { readonly kind: 'profile'; readonly profile: string; readonly passedBy?: RuleRef };

export interface PolicyVerdict {
  readonly direction: Direction;
  /** The workload endpoint: namespace/pod. */
  readonly endpoint: string;
  /** The packet as the chain saw it (after DNAT; after kube-proxy's masquerade, for ingress). */
  readonly packet: PolicyPacket;
  readonly evaluated: readonly PolicyEvaluated[];
  readonly decision: PolicyDecision;
  readonly allowed: boolean;
}

interface Applying {
  readonly spec: PolicySpec;
  readonly tier: TierSpec;
}

/** Calico's labels on every workload endpoint beside the pod's own. */
export function endpointLabels(pod: PodRecord): Labels {
  return {
    ...pod.spec.labels,
    'projectcalico.org/namespace': pod.spec.namespace,
    'projectcalico.org/orchestrator': 'k8s',
    'projectcalico.org/serviceaccount': 'default',
  };
}

export function policyRef(spec: PolicySpec): PolicyRef {
  return {
    kind: spec.kind,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    name: spec.name,
    tier: spec.tier,
    ...(spec.order !== undefined ? { order: spec.order } : {}),
  };
}

export class PolicyEngine {
  private readonly applying = new Map<PodRecord, { ingress: Applying[]; egress: Applying[] }>();
  private readonly selected = new Map<WrittenSelector, Map<PodRecord, boolean>>();
  private readonly namespaceMatches = new Map<WrittenSelector, Map<string, boolean>>();
  private readonly labels = new Map<PodRecord, Labels>();
  private readonly byNamespace = new Map<string, PolicySpec[]>();
  private readonly global: PolicySpec[] = [];
  /** Each policy's place in Felix's order, and its tier. */
  private readonly rank = new Map<PolicySpec, number>();
  private readonly tiers = new Map<string, TierSpec>();

  constructor(readonly cluster: Cluster) {
    for (const tier of cluster.policies.tiers()) this.tiers.set(tier.name, tier);
    cluster.policies.ordered().forEach((spec, i) => {
      this.rank.set(spec, i);
      if (spec.namespace === undefined) this.global.push(spec);
      else {
        const list = this.byNamespace.get(spec.namespace);
        if (list === undefined) this.byNamespace.set(spec.namespace, [spec]);
        else list.push(spec);
      }
    });
  }

  /** True when no policy exists at all: every packet is allowed without looking. */
  get empty(): boolean {
    return this.global.length === 0 && this.byNamespace.size === 0;
  }

  /** The workload endpoint at an address: a pod with its own (not hostNetwork) address. */
  endpointAt(ip: Ipv4): PodRecord | undefined {
    const pod = this.cluster.podByIp(ip);
    return pod === undefined || pod.spec.hostNetwork ? undefined : pod;
  }

  /** The policies that apply to an endpoint for a direction, in the order Felix runs them. */
  applyingTo(pod: PodRecord, direction: Direction): readonly Applying[] {
    let both = this.applying.get(pod);
    if (both === undefined) {
      both = { ingress: this.collect(pod, 'ingress'), egress: this.collect(pod, 'egress') };
      this.applying.set(pod, both);
    }
    return both[direction];
  }

  /** How Felix's chain for `pod` in `direction` decides `packet`. */
  verdict(pod: PodRecord, direction: Direction, packet: PolicyPacket): PolicyVerdict {
    const endpoint = `${pod.spec.namespace}/${pod.spec.name}`;
    const profile = `kns.${pod.spec.namespace}`;
    const applying = this.applyingTo(pod, direction);
    const done = (evaluated: PolicyEvaluated[], decision: PolicyDecision): PolicyVerdict => ({
      direction,
      endpoint,
      packet,
      evaluated,
      decision,
      allowed: decision.kind !== 'end-of-tier' && !(decision.kind === 'rule' && decision.rule.action === 'Deny'),
    });
    if (applying.length === 0) return done([], { kind: 'no-policy', profile });
    const evaluated: PolicyEvaluated[] = [];
    let passedBy: RuleRef | undefined;
    for (let i = 0; i < applying.length; ) {
      const tier = (applying[i] as Applying).tier;
      let passed = false;
      for (; i < applying.length && (applying[i] as Applying).tier === tier; i++) {
        if (passed) continue;
        const result = this.throughPolicy((applying[i] as Applying).spec, direction, packet);
        evaluated.push(result);
        const action = result.matched?.action;
        if (action === 'Allow' || action === 'Deny')
          return done(evaluated, { kind: 'rule', rule: result.matched as RuleRef });
        if (action === 'Pass') {
          passed = true;
          passedBy = result.matched;
        }
      }
      if (!passed && tier.defaultAction === 'Deny') return done(evaluated, { kind: 'end-of-tier', tier: tier.name });
    }
    return done(evaluated, { kind: 'profile', profile, ...(passedBy !== undefined ? { passedBy } : {}) });
  }

  private throughPolicy(spec: PolicySpec, direction: Direction, packet: PolicyPacket): PolicyEvaluated {
    const policy = policyRef(spec);
    const logged: string[] = [];
    const rules = spec[direction];
    for (let rule = 0; rule < rules.length; rule++) {
      const written = rules[rule] as PolicyRule;
      if (!this.ruleMatches(spec, written, packet)) continue;
      if (written.action === 'Log') {
        logged.push(written.path);
        continue;
      }
      return { policy, matched: { policy, rule, path: written.path, action: written.action }, logged };
    }
    return { policy, logged };
  }

  /** Whether a rule of `spec` matches the packet, both sides. */
  ruleMatches(spec: PolicySpec, rule: PolicyRule, packet: PolicyPacket): boolean {
    if (rule.ipVersion === 6) return false;
    if (rule.protocol !== undefined && !sameProtocol(rule.protocol, packet.protocol)) return false;
    if (rule.notProtocol !== undefined && sameProtocol(rule.notProtocol, packet.protocol)) return false;
    const side = (entities: readonly EntityMatch[], ip: Ipv4, port: number) =>
      entities.length === 0 || entities.some((e) => this.entityMatches(spec, e, ip, port, packet.protocol));
    return side(rule.source, packet.src, EPHEMERAL_PORT) && side(rule.destination, packet.dst, packet.port);
  }

  /** One side of a rule: every criterion present holds for this address and port. */
  entityMatches(spec: PolicySpec, entity: EntityMatch, ip: Ipv4, port: number, protocol: string): boolean {
    if (entity.nets !== undefined && !entity.nets.some((net) => cidrContains(net, ip))) return false;
    if (entity.notNets?.some((net) => cidrContains(net, ip))) return false;
    const endpoint = this.endpointAt(ip);
    if (entity.selector !== undefined || entity.namespaceSelector !== undefined) {
      if (endpoint === undefined || !this.inScope(spec, entity, endpoint)) return false;
      if (entity.selector !== undefined && !this.selects(entity.selector, endpoint)) return false;
    }
    if (
      entity.notSelector !== undefined &&
      endpoint !== undefined &&
      this.inScope(spec, entity, endpoint) &&
      this.selects(entity.notSelector, endpoint)
    )
      return false;
    const portMatches = (m: PortMatch) => portMatch(m, port, protocol, endpoint);
    if (entity.ports !== undefined && !entity.ports.some(portMatches)) return false;
    if (entity.notPorts?.some(portMatches)) return false;
    return true;
  }

  /** A rule's selectors look in its namespaceSelector's namespaces, else its policy's own (all, for a global one). */
  inScope(spec: PolicySpec, entity: EntityMatch, endpoint: PodRecord): boolean {
    if (entity.namespaceSelector !== undefined)
      return this.namespaceSelected(entity.namespaceSelector, endpoint.spec.namespace);
    return spec.namespace === undefined || spec.namespace === endpoint.spec.namespace;
  }

  private collect(pod: PodRecord, direction: Direction): Applying[] {
    const candidates = [...(this.byNamespace.get(pod.spec.namespace) ?? []), ...this.global];
    const applying = candidates.filter(
      (spec) =>
        spec.types.includes(direction) &&
        (spec.namespaceSelector === undefined || this.namespaceSelected(spec.namespaceSelector, pod.spec.namespace)) &&
        this.selects(spec.selector, pod),
    );
    return applying
      .sort((a, b) => (this.rank.get(a) ?? 0) - (this.rank.get(b) ?? 0))
      .map((spec) => ({ spec, tier: this.tiers.get(spec.tier) as TierSpec }));
  }

  selects(selector: WrittenSelector, pod: PodRecord): boolean {
    return remembered(this.selected, selector, pod, () => matches(selector.selector, this.labelsOf(pod)));
  }

  namespaceSelected(selector: WrittenSelector, namespace: string): boolean {
    return remembered(this.namespaceMatches, selector, namespace, () =>
      matches(selector.selector, {
        ...this.cluster.policies.namespaceLabels(namespace),
        'projectcalico.org/name': namespace,
      }),
    );
  }

  private labelsOf(pod: PodRecord): Labels {
    let labels = this.labels.get(pod);
    if (labels === undefined) {
      labels = endpointLabels(pod);
      this.labels.set(pod, labels);
    }
    return labels;
  }
}

/** A two-level memo: what `compute` gave for (outer, inner), computed once. */
function remembered<O, I, V>(memo: Map<O, Map<I, V>>, outer: O, inner: I, compute: () => V): V {
  let level = memo.get(outer);
  if (level === undefined) {
    level = new Map();
    memo.set(outer, level);
  }
  let value = level.get(inner);
  if (value === undefined) {
    value = compute();
    level.set(inner, value);
  }
  return value;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { TCP: '6', UDP: '17' };

function sameProtocol(written: string, protocol: string): boolean {
  return written === protocol || written === PROTOCOL_NUMBERS[protocol];
}

/** A port criterion: a range, or a named port of the endpoint on that side (Kubernetes resolves it per pod). */
function portMatch(match: PortMatch, port: number, protocol: string, endpoint: PodRecord | undefined): boolean {
  if (match.protocol !== undefined && match.protocol !== protocol) return false;
  if (match.kind === 'range') return port >= match.from && port <= match.to;
  return (
    endpoint?.spec.containers.some((c) =>
      c.ports.some((p) => p.name === match.name && p.port === port && p.protocol === protocol),
    ) ?? false
  );
}

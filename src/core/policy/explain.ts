/**
 * What would change a policy verdict: for a denied packet, the smallest edit that allows it. A
 * Deny rule that decided is named (narrow it, or allow earlier); a packet that fell to the end of
 * its tier gets, for each rule that would match but for the peer's labels, the labels it lacks,
 * and a rule to add to the most specific policy that applies (the amended manifest, ready for
 * `podnet apply -f`). Invariants: suggestions come from the verdict and the cluster alone;
 * nothing is changed. Leaves out: suggestions for Log and Pass rules (they decide nothing).
 */
import type { PodRecord } from '../cluster/index.js';
import { formatIpv4 } from '../net/index.js';
import type { Labels, Selector } from '../selector/index.js';
import type { Direction, EntityMatch, PolicySpec } from '../topology/policy-model.js';
import { EPHEMERAL_PORT, type PolicyEngine, type PolicyVerdict, policyRef, type RuleRef } from './index.js';

export type PolicyFix =
  /** A Deny rule decided: it must be narrowed, or the packet allowed by a policy that runs first. */
  | { readonly kind: 'deny-rule'; readonly rule: RuleRef }
  /** A rule would allow the packet if the peer pod had these labels. */
  | {
      readonly kind: 'missing-labels';
      readonly policy: ReturnType<typeof policyRef>;
      readonly path: string;
      readonly pod: string;
      readonly labels: Labels;
    }
  /** A rule to add to a policy that applies; `manifest` is the whole policy with it. */
  | {
      readonly kind: 'add-rule';
      readonly policy: ReturnType<typeof policyRef>;
      readonly direction: Direction;
      readonly rule: Readonly<Record<string, unknown>>;
      readonly manifest: Readonly<Record<string, unknown>>;
    };

/** Labels a controller stamps on its pods: never the ones to select by. */
const GENERATED_LABELS = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);

export function suggestFixes(engine: PolicyEngine, verdict: PolicyVerdict): PolicyFix[] {
  if (verdict.allowed) return [];
  const { decision } = verdict;
  if (decision.kind === 'rule') return [{ kind: 'deny-rule', rule: decision.rule }];
  if (decision.kind !== 'end-of-tier') return [];
  const pod = engine.cluster.pod(...(verdict.endpoint.split('/') as [string, string]));
  if (pod === undefined) return [];
  const tierPolicies = engine
    .applyingTo(pod, verdict.direction)
    .filter((a) => a.tier.name === decision.tier)
    .map((a) => a.spec);
  const peerIp = verdict.direction === 'ingress' ? verdict.packet.src : verdict.packet.dst;
  const peer = engine.endpointAt(peerIp);
  const missing = peer === undefined ? [] : missingLabels(engine, tierPolicies, verdict, peer);
  const target = [...tierPolicies].sort((a, b) => specificity(b) - specificity(a))[0];
  const added = target === undefined ? [] : [addRule(target, verdict, peer, peerIp)];
  return [...missing, ...added];
}

/** Rules whose only unmet condition is an equality on the peer's labels: the labels it lacks. */
function missingLabels(
  engine: PolicyEngine,
  policies: readonly PolicySpec[],
  verdict: PolicyVerdict,
  peer: PodRecord,
): PolicyFix[] {
  const side = verdict.direction === 'ingress' ? 'source' : 'destination';
  const peerPort = verdict.direction === 'ingress' ? EPHEMERAL_PORT : verdict.packet.port;
  const fixes: PolicyFix[] = [];
  for (const spec of policies)
    for (const rule of spec[verdict.direction]) {
      if (rule.action !== 'Allow') continue;
      const others = { ...rule, [side]: [] };
      if (!engine.ruleMatches(spec, others, verdict.packet)) continue;
      for (const entity of rule[side]) {
        const needed = entity.selector === undefined ? undefined : equalities(entity.selector.selector);
        if (needed === undefined || !engine.inScope(spec, entity, peer)) continue;
        const rest: EntityMatch = { ...entity };
        delete (rest as { selector?: unknown }).selector;
        if (!engine.entityMatches(spec, rest, peer.podIp ?? 0, peerPort, verdict.packet.protocol)) continue;
        const lacking = Object.fromEntries(Object.entries(needed).filter(([k, v]) => peer.spec.labels[k] !== v));
        if (Object.keys(lacking).length > 0)
          fixes.push({
            kind: 'missing-labels',
            policy: policyRef(spec),
            path: rule.path,
            pod: `${peer.spec.namespace}/${peer.spec.name}`,
            labels: lacking,
          });
      }
    }
  return fixes;
}

/** A selector that is only `k == 'v'` terms joined by &&, as those terms; undefined otherwise. */
function equalities(selector: Selector): Record<string, string> | undefined {
  if (selector.op === 'eq') return { [selector.key]: selector.value };
  if (selector.op === 'all') return {};
  if (selector.op !== 'and') return undefined;
  const left = equalities(selector.left);
  const right = equalities(selector.right);
  return left === undefined || right === undefined ? undefined : { ...left, ...right };
}

/** A policy that names its endpoints beats one that selects everything; Kubernetes ones first. */
function specificity(spec: PolicySpec): number {
  const selective = spec.selector.text !== '<none>' && spec.selector.text !== '' && spec.selector.text !== 'all()';
  return (selective ? 2 : 0) + (spec.kind === 'NetworkPolicy' ? 1 : 0);
}

function addRule(spec: PolicySpec, verdict: PolicyVerdict, peer: PodRecord | undefined, peerIp: number): PolicyFix {
  const { direction, packet } = verdict;
  const labels = peer === undefined ? {} : selectingLabels(peer.spec.labels);
  const endpoint = verdict.endpoint.split('/')[0] as string;
  const rule =
    spec.kind === 'NetworkPolicy'
      ? kubernetesRule(direction, packet, peer, labels, endpoint, peerIp)
      : calicoRule(spec, direction, packet, peer, labels, peerIp);
  const manifest = spec.manifest as { spec: Record<string, unknown> };
  const rules = (manifest.spec[direction] as unknown[] | undefined) ?? [];
  return {
    kind: 'add-rule',
    policy: policyRef(spec),
    direction,
    rule,
    manifest: { ...manifest, spec: { ...manifest.spec, [direction]: [...rules, rule] } },
  };
}

/** The labels to select a pod by: `app` when it has one, else all but the generated ones. */
function selectingLabels(labels: Labels): Labels {
  if (labels['app'] !== undefined) return { app: labels['app'] };
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !GENERATED_LABELS.has(k)));
}

function kubernetesRule(
  direction: Direction,
  packet: PolicyVerdict['packet'],
  peer: PodRecord | undefined,
  labels: Labels,
  namespace: string,
  peerIp: number,
): Record<string, unknown> {
  const peerEntry =
    peer === undefined
      ? { ipBlock: { cidr: `${formatIpv4(peerIp)}/32` } }
      : {
          podSelector: { matchLabels: labels },
          ...(peer.spec.namespace !== namespace
            ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.spec.namespace } } }
            : {}),
        };
  return {
    [direction === 'ingress' ? 'from' : 'to']: [peerEntry],
    ports: [{ protocol: packet.protocol, port: packet.port }],
  };
}

function calicoRule(
  spec: PolicySpec,
  direction: Direction,
  packet: PolicyVerdict['packet'],
  peer: PodRecord | undefined,
  labels: Labels,
  peerIp: number,
): Record<string, unknown> {
  const terms = Object.entries(labels).map(([k, v]) => `${k} == '${v}'`);
  const peerEntity =
    peer === undefined
      ? { nets: [`${formatIpv4(peerIp)}/32`] }
      : {
          selector: terms.length === 0 ? 'all()' : terms.join(' && '),
          ...(peer.spec.namespace !== spec.namespace
            ? { namespaceSelector: `projectcalico.org/name == '${peer.spec.namespace}'` }
            : {}),
        };
  const ports = { ports: [packet.port] };
  return direction === 'ingress'
    ? { action: 'Allow', protocol: packet.protocol, source: peerEntity, destination: ports }
    : { action: 'Allow', protocol: packet.protocol, destination: { ...peerEntity, ...ports } };
}

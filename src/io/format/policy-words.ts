/**
 * Policy decisions in English: how a policy is named, what Felix's chain did with a packet, and
 * why a denied packet was dropped. Used by trace words, `policy explain`, the TUI and checks.
 */
import { assertNever } from '../../core/assert.js';
import type { PolicyDecision, PolicyEvaluated, PolicyRef, PolicyVerdict, RuleRef } from '../../core/policy/index.js';
import type { Direction } from '../../core/topology/policy-model.js';

/** A policy as users know it: `NetworkPolicy default/allow-web`, `GlobalNetworkPolicy deny-db`. */
export function policyName(ref: Pick<PolicyRef, 'kind' | 'namespace' | 'name'>): string {
  switch (ref.kind) {
    case 'NetworkPolicy':
      return `NetworkPolicy ${ref.namespace}/${ref.name}`;
    case 'CalicoNetworkPolicy':
      return `Calico NetworkPolicy ${ref.namespace}/${ref.name}`;
    case 'GlobalNetworkPolicy':
      return `GlobalNetworkPolicy ${ref.name}`;
    default:
      return assertNever(ref.kind, 'policy kind');
  }
}

function placeText(ref: PolicyRef): string {
  return `tier ${ref.tier}, order ${ref.order ?? 'none (last)'}`;
}

export function ruleText(rule: RuleRef): string {
  return `${policyName(rule.policy)} rule ${rule.path}: ${rule.action}`;
}

function policyEvaluatedText(e: PolicyEvaluated): string {
  const logged = e.logged.length > 0 ? `, logged by rule ${e.logged.join(', ')}` : '';
  const matched = e.matched === undefined ? 'no rule matched' : `rule ${e.matched.path} matched: ${e.matched.action}`;
  return `${policyName(e.policy)} (${placeText(e.policy)}): ${matched}${logged}`;
}

export function decisionText(decision: PolicyDecision): string {
  switch (decision.kind) {
    case 'no-policy':
      return `no policy selects it: profile ${decision.profile} allows`;
    case 'rule':
      return `${decision.rule.action === 'Allow' ? 'allowed' : 'denied'} by ${ruleText(decision.rule)}`;
    case 'end-of-tier':
      return `no rule matched: end of tier ${decision.tier} (defaultAction Deny) drops it`;
    case 'profile':
      return `${decision.passedBy !== undefined ? `passed by ${ruleText(decision.passedBy)}; ` : 'every tier passed; '}profile ${decision.profile} allows`;
    default:
      return assertNever(decision, 'policy decision');
  }
}

/** Felix's chain name for a workload interface: to the workload (ingress) or from it (egress). */
export function chainName(direction: Direction, iface: string): string {
  return `${direction === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${iface}`;
}

/** The policies a chain ran, in order, with what each did. */
export function evaluatedText(verdict: PolicyVerdict): string {
  return verdict.evaluated.length === 0 ? 'no policy' : verdict.evaluated.map(policyEvaluatedText).join('; ');
}

export function verdictText(verdict: PolicyVerdict): string {
  if (verdict.evaluated.length === 0) return decisionText(verdict.decision);
  return `${evaluatedText(verdict)} => ${decisionText(verdict.decision)}`;
}

export function policyStepText(step: {
  direction: Direction;
  endpoint: string;
  iface: string;
  verdict?: PolicyVerdict;
  established?: true;
}): string {
  const head = `${step.direction} of ${step.endpoint} (${chainName(step.direction, step.iface)})`;
  if (step.established || step.verdict === undefined)
    return `${head}: RELATED,ESTABLISHED: conntrack accepts the connection's reply before any policy`;
  return `${head}: ${verdictText(step.verdict)}`;
}

export function deniedText(verdict: PolicyVerdict): string {
  return `${verdict.direction} of ${verdict.endpoint}: ${decisionText(verdict.decision)}`;
}

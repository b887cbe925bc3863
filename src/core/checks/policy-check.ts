/**
 * The `policy` check: which policy rule decides a connection. A denied connection is decided by
 * the chain that dropped it; an allowed one by the destination's ingress rule, else the source's
 * egress rule (a chain with no policy, or one that passed to the profile, decides nothing).
 */
import type { Simulation } from '../bgp/simulate.js';
import type { PolicyVerdict } from '../policy/index.js';
import type { NamedCheck } from '../topology/model.js';
import type { Trace, Tracer } from '../trace/index.js';
import { type CheckResult, checkFlow } from './index.js';

type PolicyCheckSpec = Extract<NamedCheck, { check: 'policy' }>;

interface Decided {
  readonly text: string;
  /** The policies the decision is owed to: the rule's, or every one a tier ran before its end. */
  readonly policies: readonly string[];
  readonly rule?: string;
  readonly action?: string;
}

function named(policy: { namespace?: string; name: string }): string {
  return policy.namespace === undefined ? policy.name : `${policy.namespace}/${policy.name}`;
}

/** What decided one branch: a policy's rule, the end of a tier after its policies, or no policy. */
function decidedBy(trace: Trace): Decided {
  const verdicts = trace.hops
    .flatMap((h) => h.steps)
    .flatMap((s): PolicyVerdict[] => (s.kind === 'POLICY' && s.verdict !== undefined ? [s.verdict] : []));
  const deciding =
    verdicts.find((v) => !v.allowed) ??
    [...verdicts].reverse().find((v) => v.decision.kind === 'rule') ??
    verdicts.at(-1);
  if (deciding === undefined) return { text: 'no policy applies', policies: [] };
  const { decision } = deciding;
  if (decision.kind === 'rule') {
    const policy = named(decision.rule.policy);
    const { path, action } = decision.rule;
    return { text: `${policy} ${path} ${action}`, policies: [policy], rule: path, action };
  }
  if (decision.kind === 'end-of-tier') {
    const policies = deciding.evaluated.filter((e) => e.policy.tier === decision.tier).map((e) => named(e.policy));
    return {
      text: `${policies.join(', ')} end-of-tier Deny`,
      policies,
      rule: 'end-of-tier',
      action: 'Deny',
    };
  }
  return { text: `profile ${decision.profile} Allow`, policies: [], action: 'Allow' };
}

export function policyCheck(sim: Simulation, check: PolicyCheckSpec, tracer: Tracer): CheckResult {
  const expected = [check.policy, check.rule ?? '', check.action ?? ''].filter((w) => w !== '').join(' ');
  const sent = checkFlow(sim, check);
  const base = { name: check.name, check: check.check, expected };
  if (!sent.ok) return { ...base, passed: false, found: sent.why };
  const decided = tracer.trace(sent.flow).map(decidedBy);
  const matches = (d: Decided) =>
    d.policies.includes(check.policy) &&
    (check.rule === undefined || d.rule === check.rule) &&
    (check.action === undefined || d.action === check.action);
  return { ...base, passed: decided.every(matches), found: [...new Set(decided.map((d) => d.text))].join('; ') };
}

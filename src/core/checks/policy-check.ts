/**
 * The `policy` check: which policy rule decides a connection. A denied connection is decided by
 * the chain that dropped it; an allowed one by the destination's ingress rule, else the source's
 * egress rule (a chain with no policy, or one that passed to the profile, decides nothing).
 */
import type { Simulation } from '../bgp/simulate.js';
import type { PolicyVerdict } from '../policy/index.js';
import type { NamedCheck } from '../topology/model.js';
import type { Trace, Tracer } from '../trace/index.js';
import { type CheckResult, checkTraces } from './index.js';

type PolicyCheckSpec = Extract<NamedCheck, { check: 'policy' }>;

/** What decided one branch: `namespace/name rule action`, or why no rule did. */
function decidedBy(trace: Trace): string {
  const verdicts = trace.hops
    .flatMap((h) => h.steps)
    .flatMap((s): PolicyVerdict[] => (s.kind === 'POLICY' && s.verdict !== undefined ? [s.verdict] : []));
  const deciding =
    verdicts.find((v) => !v.allowed) ??
    [...verdicts].reverse().find((v) => v.decision.kind === 'rule') ??
    verdicts.at(-1);
  if (deciding === undefined) return 'no policy applies';
  const { decision } = deciding;
  if (decision.kind === 'rule') {
    const { policy } = decision.rule;
    const name = policy.namespace === undefined ? policy.name : `${policy.namespace}/${policy.name}`;
    return `${name} ${decision.rule.path} ${decision.rule.action}`;
  }
  if (decision.kind === 'end-of-tier') return `end of tier ${decision.tier} (no rule matched) Deny`;
  return `profile ${decision.profile} Allow`;
}

export function policyCheck(sim: Simulation, check: PolicyCheckSpec, tracer: Tracer): CheckResult {
  const expected = [check.policy, check.rule ?? '', check.action ?? ''].filter((w) => w !== '').join(' ');
  const traced = checkTraces(sim, check, tracer);
  const base = { name: check.name, check: check.check, expected };
  if (!traced.ok) return { ...base, passed: false, found: traced.why };
  const found = [...new Set(traced.traces.map(decidedBy))];
  const matches = (text: string) => {
    const [policy, rule, action] = text.split(' ');
    return (
      policy === check.policy &&
      (check.rule === undefined || rule === check.rule) &&
      (check.action === undefined || action === check.action)
    );
  };
  return { ...base, passed: found.every(matches), found: found.join('; ') };
}

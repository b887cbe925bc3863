/** Traces as a router engineer reads them: numbered hops, one step a line, the disposition last. */
import { formatIpv4 } from '../../core/net/index.js';
import type { Disposition, Step, Trace } from '../../core/trace/index.js';
import { decisionText, policyName } from './policy-words.js';
import { dispositionText, routeText, stepText } from './trace-words.js';

export function formatTraces(traces: readonly Trace[], title: string): string {
  const flow = traces[0]?.flow;
  if (flow === undefined) return '';
  const dst = flow.loopback
    ? 'localhost'
    : flow.lookup !== undefined && flow.lookup.answer === undefined
      ? flow.lookup.name
      : formatIpv4(flow.dst);
  const lines = [`Flow: ${flow.protocol} ${formatIpv4(flow.src)} -> ${dst}:${flow.port} (${title})`];
  traces.forEach((trace, t) => {
    lines.push(`Trace ${t + 1} of ${traces.length}: ${trace.disposition.kind}`);
    trace.hops.forEach((hop, i) => {
      lines.push(`  ${i + 1}. ${hop.node} (ttl ${hop.ttl})`);
      for (const step of hop.steps) {
        const head =
          'iface' in step ? `${step.iface}: ` : step.kind === 'FIB_LOOKUP' ? `${routeText(step.route)}  ` : '';
        lines.push(
          `       ${step.kind.padEnd(13)} ${head}${step.kind === 'FIB_LOOKUP' ? `(${stepText(step)})` : stepText(step)}`,
        );
      }
    });
    lines.push(`  => ${trace.disposition.kind} at ${trace.disposition.at}: ${dispositionText(trace.disposition)}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Traces as JSON (docs/user-guide.md, "Trace JSON"): each step and disposition with its `detail`. */
export function traceObject(traces: readonly Trace[]): object {
  return traces.map((trace) => ({
    flow: { ...trace.flow, src: formatIpv4(trace.flow.src), dst: formatIpv4(trace.flow.dst) },
    disposition: { kind: trace.disposition.kind, at: trace.disposition.at, detail: dispositionText(trace.disposition) },
    hops: trace.hops.map((hop) => ({ node: hop.node, ttl: hop.ttl, steps: hop.steps.map(stepObject) })),
  }));
}

function stepObject(step: Step): object {
  return {
    kind: step.kind,
    ...('iface' in step ? { iface: step.iface } : {}),
    ...(step.kind === 'FIB_LOOKUP' ? { route: routeText(step.route) } : {}),
    ...('encap' in step ? { encap: step.encap } : {}),
    ...(step.kind === 'ENCAPSULATED'
      ? { outerSrc: formatIpv4(step.outerSrc), outerDst: formatIpv4(step.outerDst) }
      : {}),
    ...(step.kind === 'NAT' ? { from: formatIpv4(step.from), to: formatIpv4(step.to) } : {}),
    ...(step.kind === 'POLICY' ? policyObject(step) : {}),
    detail: stepText(step),
  };
}

/** A POLICY step's facts for tools: the chain, the policies it ran with their matches, the decision. */
function policyObject(step: Extract<Step, { kind: 'POLICY' }>): object {
  const { verdict } = step;
  return {
    direction: step.direction,
    endpoint: step.endpoint,
    ...(step.established ? { established: true } : {}),
    ...(verdict === undefined
      ? {}
      : {
          allowed: verdict.allowed,
          policies: verdict.evaluated.map((e) => ({
            name: policyName(e.policy),
            tier: e.policy.tier,
            ...(e.policy.order !== undefined ? { order: e.policy.order } : {}),
            ...(e.matched !== undefined ? { rule: e.matched.path, action: e.matched.action } : {}),
            ...(e.logged.length > 0 ? { logged: e.logged } : {}),
          })),
          decision: decisionText(verdict.decision),
        }),
  };
}

/** The disposition of a set of ECMP branches: one kind, or several joined with `|`. */
export function summarizeDispositions(dispositions: readonly Disposition[]): string {
  return [...new Set(dispositions.map((d) => d.kind))].join('|');
}

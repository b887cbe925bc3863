/**
 * `podnet policy explain SRC DST[:port]`: which policies select each end, how Felix decided each
 * direction, and for a denied connection the smallest change that would allow it.
 */
import { stringify } from 'yaml';
import type { PodRecord } from '../../core/cluster/index.js';
import { KUBE_DNS_IP } from '../../core/cluster/services.js';
import { formatIpv4, type Ipv4 } from '../../core/net/index.js';
import { type PolicyFix, suggestFixes } from '../../core/policy/explain.js';
import type { PolicyEngine, PolicyVerdict } from '../../core/policy/index.js';
import type { Direction } from '../../core/topology/policy-model.js';
import type { Trace, Tracer } from '../../core/trace/index.js';
import { decisionText, evaluatedText, policyName } from '../../io/format/policy-words.js';
import { dispositionText } from '../../io/format/trace-words.js';
import type { GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { printObject } from './pods.js';
import { type TraceFlags, traceBetween } from './trace.js';

interface Side {
  readonly direction: Direction;
  readonly pod: PodRecord;
  readonly selectedBy: readonly string[];
  readonly verdict?: PolicyVerdict;
  /** The chain never saw the packet (dropped before it): this is what it would decide. */
  readonly hypothetical: boolean;
}

interface Branch {
  readonly trace: Trace;
  readonly sides: readonly Side[];
  readonly fixes: readonly PolicyFix[];
}

export function policyExplainCommand(
  io: CliIo,
  options: GlobalOptions,
  src: string,
  dst: string,
  flags: TraceFlags,
): number {
  const { tracer, source, destination, forward } = traceBetween(io, options, src, dst, flags);
  // The tracer's engine: what it worked out for each pod serves the explanation too.
  const engine = tracer.policies();
  const branches = forward.map((trace) => branchOf(engine, tracer, trace, source.pod));
  // A name that got no answer: the connection never started, so explain the lookup's query instead.
  const query = forward.some((t) => t.disposition.kind === 'DNS_UNANSWERED')
    ? tracer
        .trace({
          srcPod: `${source.pod.spec.namespace}/${source.pod.spec.name}`,
          src: source.pod.podIp as Ipv4,
          dst: KUBE_DNS_IP,
          protocol: 'UDP',
          port: 53,
          loopback: false,
        })
        .map((trace) => branchOf(engine, tracer, trace, source.pod))
    : [];
  const title = `${source.pod.spec.namespace}/${source.pod.spec.name} -> ${destination.label}`;
  if (flags.output === 'json') {
    printObject(
      io,
      {
        flow: title,
        branches: branches.map(branchObject),
        ...(query.length > 0 ? { dnsQuery: query.map(branchObject) } : {}),
      },
      'json',
    );
    return 0;
  }
  const lines = [`Policy for ${title}`, ...branches.flatMap((b, i) => branchLines(b, i, branches.length))];
  if (query.length > 0)
    lines.push(
      `The name's DNS query (UDP 53 to kube-dns ${formatIpv4(KUBE_DNS_IP)}), which got no answer:`,
      ...query.flatMap((b, i) => branchLines(b, i, query.length)),
    );
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

function branchOf(engine: PolicyEngine, tracer: Tracer, trace: Trace, sourcePod: PodRecord): Branch {
  const steps = trace.hops.flatMap((h) => h.steps);
  const seen = (direction: Direction) =>
    steps.find((s) => s.kind === 'POLICY' && s.direction === direction && s.verdict !== undefined);
  const sides: Side[] = [];
  const egress = seen('egress');
  if (!sourcePod.spec.hostNetwork)
    sides.push(side(engine, 'egress', sourcePod, egress?.kind === 'POLICY' ? egress.verdict : undefined));
  const ingress = seen('ingress');
  const dnat = steps.find((s) => s.kind === 'SERVICE_DNAT');
  const target = tracer.sim.cluster.podByIp(dnat?.kind === 'SERVICE_DNAT' ? dnat.to : trace.flow.dst);
  if (target !== undefined && !target.spec.hostNetwork) {
    const packet = {
      src: trace.flow.src,
      dst: target.podIp ?? trace.flow.dst,
      protocol: trace.flow.protocol,
      port: dnat?.kind === 'SERVICE_DNAT' ? dnat.port : trace.flow.port,
    };
    const verdict = ingress?.kind === 'POLICY' ? ingress.verdict : engine.verdict(target, 'ingress', packet);
    sides.push({ ...side(engine, 'ingress', target, verdict), hypothetical: ingress === undefined });
  }
  const fixes = sides.flatMap((s) => (s.verdict === undefined ? [] : suggestFixes(engine, s.verdict)));
  return { trace, sides, fixes };
}

function side(engine: PolicyEngine, direction: Direction, pod: PodRecord, verdict?: PolicyVerdict): Side {
  const selectedBy = engine.applyingTo(pod, direction).map((a) => policyName(a.spec));
  return { direction, pod, selectedBy, ...(verdict !== undefined ? { verdict } : {}), hypothetical: false };
}

function branchLines(branch: Branch, index: number, count: number): string[] {
  const d = branch.trace.disposition;
  const lines = count > 1 ? [`Branch ${index + 1} of ${count}:`] : [];
  for (const s of branch.sides) {
    const who = `${s.pod.spec.namespace}/${s.pod.spec.name}`;
    lines.push(`${s.direction === 'ingress' ? 'Ingress to' : 'Egress from'} ${who} (on ${s.pod.nodeName}):`);
    lines.push(`  selected by: ${s.selectedBy.length === 0 ? 'no policy' : s.selectedBy.join(', ')}`);
    if (s.verdict === undefined) lines.push('  not evaluated: the packet never reached this chain');
    else {
      lines.push(`  ran: ${evaluatedText(s.verdict)}`);
      lines.push(
        `  decision: ${s.verdict.allowed ? 'ALLOW' : 'DENY'}${s.hypothetical ? ' (if the packet got this far)' : ''}: ${decisionText(s.verdict.decision)}`,
      );
    }
  }
  lines.push(`Result: ${d.kind}: ${dispositionText(d)}`);
  if (branch.fixes.length > 0) lines.push('To allow it:', ...branch.fixes.flatMap(fixLines));
  return lines;
}

function fixLines(fix: PolicyFix): string[] {
  switch (fix.kind) {
    case 'deny-rule':
      return [
        `  - ${policyName(fix.rule.policy)} rule ${fix.rule.path} denies it: narrow or remove that rule, or allow the packet in a policy that runs before it (a lower order, or an earlier tier)`,
      ];
    case 'missing-labels':
      return [
        `  - ${fix.pod} lacks ${Object.entries(fix.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(
            ', ',
          )}, which rule ${fix.path} of ${policyName(fix.policy)} needs: podnet would allow it with that label`,
      ];
    case 'add-rule':
      return [
        `  - add this rule to ${policyName(fix.policy)} (spec.${fix.direction}); the whole policy, for podnet apply -f:`,
        ...stringify(fix.manifest, { indentSeq: false })
          .trimEnd()
          .split('\n')
          .map((line) => `      ${line}`),
      ];
  }
}

function branchObject(branch: Branch): object {
  return {
    disposition: branch.trace.disposition.kind,
    detail: dispositionText(branch.trace.disposition),
    sides: branch.sides.map((s) => ({
      direction: s.direction,
      endpoint: `${s.pod.spec.namespace}/${s.pod.spec.name}`,
      selectedBy: s.selectedBy,
      ...(s.verdict !== undefined
        ? { allowed: s.verdict.allowed, decision: decisionText(s.verdict.decision), hypothetical: s.hypothetical }
        : {}),
    })),
    fixes: branch.fixes,
  };
}

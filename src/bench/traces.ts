/**
 * The bench's traces: random pod-to-pod flows over converged FIBs, walked twice, by the explaining
 * tracer and by the disposition-only walk, each timed; and flows to ClusterIPs, which fork once per
 * endpoint. The two walks must end every flow the same way: that is a spot check, not a test,
 * because it runs on the bench's generated clusters.
 */
import type { Simulation } from '../core/bgp/simulate.js';
import type { PodRecord } from '../core/cluster/index.js';
import type { Fib } from '../core/fib/index.js';
import { podFlow } from '../core/query/index.js';
import { Rng } from '../core/sim/rng.js';
import { type Flow, Tracer } from '../core/trace/index.js';
import { timed } from './clock.js';
import type { SpotCheck } from './spot-checks.js';

export interface TraceFigures {
  readonly tracesPerSecond: number;
  readonly dispositionsPerSecond: number;
  readonly agreement: SpotCheck;
}

/** `count` flows to port 80 between random pairs of pods with addresses, drawn from a fixed seed. */
function randomFlows(sim: Simulation, count: number): Flow[] {
  const pods = sim.cluster.pods().filter((p) => p.podIp !== undefined);
  const rng = new Rng(7);
  const pick = () => pods[Math.floor(rng.next() * pods.length)] as PodRecord;
  return Array.from({ length: count }, () => {
    const src = pick();
    return podFlow(src, pick(), { port: 80 });
  });
}

/**
 * Flows per second through each walk. Each walk gets its own tracer over forwarding tables built
 * for it (their build time is the FIBs figure), so both pay the same first-touch costs: a FIB's BGP
 * entries are made on first lookup, a pod's status on first delivery.
 */
export function measureTraces(
  sim: Simulation,
  buildFibs: () => ReadonlyMap<string, Fib | undefined>,
  count: number,
): TraceFigures {
  const flows = randomFlows(sim, count);
  const timedWalk = <T>(walk: (tracer: Tracer, flow: Flow) => T): [T[], number] => {
    const tracer = new Tracer(sim, sim.until, buildFibs());
    const [walked, took] = timed(() => flows.map((flow) => walk(tracer, flow)));
    return [walked, count / took];
  };
  // Only the dispositions are kept, not 20,000 explained traces until the comparison below.
  const [explained, tracesPerSecond] = timedWalk((tracer, flow) => tracer.trace(flow).map((t) => t.disposition));
  const [quick, dispositionsPerSecond] = timedWalk((tracer, flow) => tracer.dispositions(flow));
  const problems: string[] = [];
  flows.forEach((flow, i) => {
    const slow = JSON.stringify(explained[i]);
    const fast = JSON.stringify(quick[i]);
    if (slow !== fast) problems.push(`${flow.srcPod} -> ${flow.dst}: explained ${slow}, disposition-only ${fast}`);
  });
  const agreement: SpotCheck = {
    check: 'the disposition-only walk ends every flow as the explaining tracer does',
    checked: count,
    problems: problems.slice(0, 5),
    problemCount: problems.length,
  };
  return { tracesPerSecond, dispositionsPerSecond, agreement };
}

/** Traces to ClusterIPs per second (each forks into a branch per endpoint), from random pods. */
export function measureServiceTraces(
  sim: Simulation,
  fibs: ReadonlyMap<string, Fib | undefined>,
  count: number,
): number {
  const pods = sim.cluster.pods().filter((p) => p.podIp !== undefined);
  const services = sim.cluster.services.list().filter((s) => s.spec.name.startsWith('svc-'));
  const tracer = new Tracer(sim, sim.until, fibs);
  const rng = new Rng(11);
  const flows = Array.from({ length: count }, () => {
    const src = pods[Math.floor(rng.next() * pods.length)] as PodRecord;
    const service = services[Math.floor(rng.next() * services.length)] as (typeof services)[number];
    const flow: Flow = {
      srcPod: `${src.spec.namespace}/${src.spec.name}`,
      src: src.podIp as number,
      dst: service.clusterIP as number,
      protocol: 'TCP',
      port: 80,
      loopback: false,
    };
    return flow;
  });
  const [accepted, took] = timed(() =>
    flows.reduce((sum, flow) => sum + tracer.trace(flow).filter((t) => t.disposition.kind === 'ACCEPTED').length, 0),
  );
  if (accepted === 0) throw new Error('services bench: no trace to a Service was accepted');
  return count / took;
}

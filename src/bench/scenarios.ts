/**
 * The benchmark's scenarios: generated designs at Kubernetes' scale, each measured in its own
 * process. The figures: wall time to build the model, converge BGP and build every FIB; peak RSS;
 * sessions; UPDATE and WITHDRAW messages; routes in all Loc-RIBs; simulated convergence time;
 * traces per second, explained and disposition-only (traces.ts).
 */
import { parseAllDocuments } from 'yaml';
import { advance, type Simulation, simulate, type WorldOp } from '../core/bgp/simulate.js';
import { buildFib } from '../core/fib/index.js';
import type { Topology } from '../core/topology/model.js';
import { resolveTopology } from '../core/topology/resolve.js';
import { type GenerateOptions, generateTopology } from '../io/generate.js';
import { timed } from './clock.js';
import { measureReach, type PolicyDesign, policyDocuments, type ReachFigures } from './policy.js';
import { blocksViaOwners, clientsOf, pickClient, routesAvoid, type SpotCheck } from './spot-checks.js';
import { measureServiceTraces, measureTraces } from './traces.js';

export interface Scenario {
  readonly name: string;
  readonly nodes: number;
  readonly what: string;
  readonly design: Omit<GenerateOptions, 'seed' | 'spine' | 'racks' | 'encap'> & Partial<GenerateOptions>;
  /** rr-5000-fail: stop one reflector, reconverge (its sessions time out), restore it. */
  readonly failReflector?: boolean;
  /** trace: random pod-to-pod traces over the converged FIBs. */
  readonly traces?: number;
  /** services: this many Deployments, each behind a ClusterIP Service; traces go to the Services. */
  readonly services?: { readonly count: number; readonly endpoints: number };
  /** policy: pods in namespaces under NetworkPolicies; the full pod-to-pod reach matrix is traced. */
  readonly policy?: PolicyDesign;
}

const rr = (nodes: number, podsPerNode = 30) => ({ nodes, podsPerNode, design: 'rr' as const, reflectors: 3 });

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'seed-lab',
    nodes: 3,
    what: "the seed lab's shape, generated: 3 nodes in a mesh (the shipped file is timed as the CLI round trip)",
    design: { nodes: 3, podsPerNode: 1, design: 'mesh', reflectors: 0 },
  },
  {
    name: 'mesh-100',
    nodes: 100,
    what: "Calico's mesh limit: 100 nodes, 110 pods each",
    design: { nodes: 100, podsPerNode: 110, design: 'mesh', reflectors: 0 },
  },
  {
    name: 'mesh-1000',
    nodes: 1000,
    what: '1,000 nodes in a full mesh (499,500 sessions)',
    design: { nodes: 1000, podsPerNode: 30, design: 'mesh', reflectors: 0 },
  },
  { name: 'rr-5000', nodes: 5000, what: '5,000 nodes, 150,000 pods, 3 reflectors, clients on 2', design: rr(5000) },
  {
    name: 'rr-5000-fail',
    nodes: 5000,
    what: 'rr-5000, one reflector stopped and restored',
    design: rr(5000),
    failReflector: true,
  },
  {
    name: 'trace',
    nodes: 5000,
    what: "random pod-to-pod traces over rr-5000's FIBs",
    design: rr(5000),
    traces: 20_000,
  },
  {
    name: 'services-1000',
    nodes: 1000,
    what: 'rr 1,000 with 1,000 ClusterIP Services of 20 endpoints each: traces to Services (each forks 20 ways)',
    design: rr(1000, 1),
    services: { count: 1000, endpoints: 20 },
    traces: 2_000,
  },
  {
    name: 'policy-1000',
    nodes: 50,
    what: '1,000 pods in 50 namespaces under 200 NetworkPolicies: the full reach matrix (999,000 pairs)',
    design: { nodes: 50, podsPerNode: 0, design: 'rr', reflectors: 2 },
    policy: { namespaces: 50, podsPerNamespace: 20 },
  },
  {
    name: 'trace-1000',
    nodes: 1000,
    what: 'the same traces over rr 1,000: a quicker look at trace speed',
    design: rr(1000),
    traces: 20_000,
  },
  { name: 'scaling-500', nodes: 500, what: 'rr design, 500 nodes', design: rr(500) },
  { name: 'scaling-1000', nodes: 1000, what: 'rr design, 1,000 nodes', design: rr(1000) },
  { name: 'scaling-2000', nodes: 2000, what: 'rr design, 2,000 nodes', design: rr(2000) },
  { name: 'scaling-5000', nodes: 5000, what: 'rr design, 5,000 nodes', design: rr(5000) },
  {
    name: 'smoke-200',
    nodes: 200,
    what: 'rr design, 200 nodes, with traces: what CI runs',
    design: rr(200, 10),
    traces: 2_000,
  },
  {
    name: 'smoke-200-fail',
    nodes: 200,
    what: 'the same, one reflector stopped and restored: what CI runs',
    design: rr(200, 10),
    failReflector: true,
  },
];

export interface Figures {
  readonly scenario: string;
  readonly buildSeconds: number;
  readonly convergeSeconds: number;
  readonly fibSeconds: number;
  readonly peakRssMiB: number;
  readonly sessions: number;
  readonly established: number;
  readonly updates: number;
  readonly withdraws: number;
  readonly locRibRoutes: number;
  readonly simulatedConvergence: number;
  /** rr-5000-fail: wall time from the stop until the routes settle, and after the restore. */
  readonly reconvergeSeconds?: number;
  readonly restoreSeconds?: number;
  /** Explained traces per second (to Services in services-1000). */
  readonly tracesPerSecond?: number;
  /** The same flows through the disposition-only walk. */
  readonly dispositionsPerSecond?: number;
  /** policy-1000: the reach matrix's pairs, its wall time, and how its pairs ended. */
  readonly reach?: ReachFigures;
  /** Reflector designs: is the routing state right, not just fast (spot-checks.ts). */
  readonly spotChecks?: readonly SpotCheck[];
}

function load(text: string): Topology {
  const docs = parseAllDocuments(text).map((doc, source) => ({ source, value: doc.toJS(), expect: 'any' as const }));
  const result = resolveTopology(docs);
  if (!result.ok) throw new Error(`generated topology invalid: ${result.issues[0]?.message}`);
  return result.topology;
}

function locRibRoutes(sim: Simulation): number {
  return sim.peering.speakers.reduce((sum, s) => sum + sim.network.locRib(s.index).size, 0);
}

const REFLECTOR = 'node-00000';
const STOP_AT = 400;
const RESTORE_AT = 1000;

/** Deployments svc-0..n-1, each behind its own ClusterIP Service, as extra documents. */
function serviceDocuments(services: { count: number; endpoints: number }): string {
  const docs: string[] = [];
  for (let i = 0; i < services.count; i++) {
    const name = `svc-${i}`;
    docs.push(
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  replicas: ${services.endpoints}\n` +
        `  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n` +
        '    spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] }\n',
      `---\napiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  selector: { app: ${name} }\n  ports: [{ port: 80 }]\n`,
    );
  }
  return docs.join('');
}

export function runScenario(scenario: Scenario): Figures {
  const [topology, buildSeconds] = timed(() =>
    load(
      generateTopology({ seed: 1, spine: false, racks: 1, encap: 'ipip', ...scenario.design }) +
        (scenario.services === undefined ? '' : serviceDocuments(scenario.services)) +
        (scenario.policy === undefined ? '' : policyDocuments(scenario.policy)),
    ),
  );
  let [sim, convergeSeconds] = timed(() =>
    simulate(topology, [], { until: scenario.failReflector ? STOP_AT - 1 : 300 }),
  );
  const reflectors = scenario.design.design === 'rr';
  const spotChecks: SpotCheck[] = reflectors ? [blocksViaOwners(sim, pickClient(sim, 1))] : [];
  let reconvergeSeconds: number | undefined;
  let restoreSeconds: number | undefined;
  if (scenario.failReflector) {
    const machine = (at: number, up: boolean): WorldOp => ({ kind: 'machine', at, name: REFLECTOR, up });
    const watched = pickClient(sim, 2, clientsOf(sim, REFLECTOR));
    [sim, reconvergeSeconds] = timed(() => advance(sim, [machine(STOP_AT, false)], { until: RESTORE_AT - 1 }));
    spotChecks.push(routesAvoid(sim, watched, REFLECTOR), blocksViaOwners(sim, watched));
    [sim, restoreSeconds] = timed(() => advance(sim, [machine(RESTORE_AT, true)], { until: RESTORE_AT + 300 }));
    spotChecks.push(blocksViaOwners(sim, watched));
  }
  const buildFibs = () => new Map(topology.nodes.map((node) => [node.name, buildFib(sim, node.name)]));
  const [fibs, fibSeconds] = timed(buildFibs);
  const reach = scenario.policy === undefined ? undefined : measureReach(sim, fibs);
  const traced =
    scenario.traces === undefined || scenario.services !== undefined
      ? undefined
      : measureTraces(sim, buildFibs, scenario.traces);
  if (traced !== undefined) spotChecks.push(traced.agreement);
  const tracesPerSecond =
    scenario.traces !== undefined && scenario.services !== undefined
      ? measureServiceTraces(sim, fibs, scenario.traces)
      : traced?.tracesPerSecond;
  const dispositionsPerSecond = traced?.dispositionsPerSecond;
  return {
    scenario: scenario.name,
    buildSeconds,
    convergeSeconds,
    fibSeconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    sessions: sim.peering.sessions.length,
    established: sim.network.sessions.filter((s) => s.state === 'Established').length,
    updates: sim.network.counters.updates,
    withdraws: sim.network.counters.withdraws,
    locRibRoutes: locRibRoutes(sim),
    simulatedConvergence: sim.network.counters.lastRouteChange,
    ...(reconvergeSeconds !== undefined ? { reconvergeSeconds } : {}),
    ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
    ...(tracesPerSecond !== undefined ? { tracesPerSecond } : {}),
    ...(dispositionsPerSecond !== undefined ? { dispositionsPerSecond } : {}),
    ...(reach !== undefined ? { reach } : {}),
    ...(spotChecks.length > 0 ? { spotChecks } : {}),
  };
}

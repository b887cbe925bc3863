/**
 * `npm run conformance`: every topology under test/conformance/ built twice, in podnet and in
 * real BIRD 2 speakers in network namespaces (nodes run Calico's own template, rendered by
 * calico-template.ts; routers their exported configuration), compared per phase (before the
 * first event, then after each) and per machine. Prints an agreement table, every difference,
 * and where podnet's export departs from Calico's template; exits 1 on any difference.
 * When this machine cannot create namespaces or has no BIRD it says so and exits 0.
 *
 * Compared exactly as podnet simplifies, and nothing more leniently: sessions as Established or
 * not (podnet's timers are Calico's, the namespaces' hold timer is 9 s so that a silent stop is
 * seen in seconds, so transient states differ by design); kernel routes by destination and next
 * hop addresses (BIRD 2 cannot point IPIP routes at tunl0, so the device differs by design); and
 * after each event but a silent stop, when each best route that changed took its final value
 * (timing.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { neighborTowards } from '../core/bgp/peering.js';
import { type Simulation, simulate } from '../core/bgp/simulate.js';
import { cidrContains, formatIpv4 } from '../core/net/index.js';
import type { ScenarioEvent, Topology } from '../core/topology/model.js';
import { birdConfig } from '../io/bird.js';
import { nodeFileSystem } from '../io/fs.js';
import { loadTopology } from '../io/topology-file.js';
import { SETTLE_SECONDS } from '../io/workspace.js';
import { calicoTemplate, templateDifferences } from './calico-template.js';
import { NamespaceLab } from './netns.js';
import {
  type BestRoutes,
  bestRoutesOf,
  compareTiming,
  predictedChanges,
  RETRY_TOLERANCE,
  TIMING_TOLERANCE,
  type TimingResult,
  Watch,
} from './timing.js';
import { ASPECTS, type Aspect, compareViews, type MachineView, observedView, predictedView } from './views.js';

const HOLD_SECONDS = 9;
const POLL_MS = 1000;
const STABLE_POLLS = 4;
const MAX_WAIT_MS = 90_000;

interface PhaseResult {
  readonly topology: string;
  readonly phase: string;
  readonly agree: Record<Aspect, number>;
  readonly total: Record<Aspect, number>;
  readonly differences: string[];
  readonly seconds: number;
  /** When the routes that changed took their final value; undefined where timers differ by design. */
  readonly timing?: TimingResult;
}

/** A compared phase, with the best routes it ended on (podnet's and BIRD's), for the next one's timing. */
interface Compared {
  readonly result: PhaseResult;
  readonly observed: BestRoutes;
  readonly predicted: BestRoutes;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Why conformance cannot run here, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root to create network namespaces';
  if (spawnSync('bird', ['--version']).status !== 0) return 'BIRD 2 is not installed (apt-get install bird2)';
  const probe = `pnc-probe-${process.pid}`;
  const created = spawnSync('ip', ['netns', 'add', probe]);
  spawnSync('ip', ['netns', 'del', probe]);
  return created.status === 0 ? undefined : `ip netns add failed: ${String(created.stderr).trim()}`;
}

/**
 * What a machine runs: for a node, Calico's template rendered for it (calico-template.ts), not
 * podnet's export; for a router, its configuration as `podnet export bird` writes it (a router's
 * configuration is its owner's). The hold timer is shortened so that silent stops show in seconds.
 */
function conformanceConfig(sim: Simulation, machine: string): string {
  const timers = [`  hold time ${HOLD_SECONDS};`, '  keepalive time 3;'];
  const template = calicoTemplate(sim, machine, timers);
  if (template !== undefined) return template;
  return (birdConfig(sim, machine) as string).replace(
    '  connect delay time 2;',
    ['  connect delay time 2;', ...timers].join('\n'),
  );
}

/** Where podnet's export departs from Calico's template, per node: shown beside the results. */
function exportDepartures(sim: Simulation): string[] {
  return sim.topology.nodes.flatMap((node) =>
    templateDifferences(birdConfig(sim, node.name) as string, calicoTemplate(sim, node.name) as string).map(
      (d) => `${sim.topology.name} / ${node.name}: ${d}`,
    ),
  );
}

function describeEvent(event: ScenarioEvent): string {
  switch (event.action) {
    case 'link-down':
    case 'link-up':
      return `${event.action} ${event.link.join('-')}`;
    case 'node-down':
    case 'node-up':
      return `${event.action} ${event.node}`;
    case 'node-restart':
      return `node-restart ${event.node} (down ${event.downFor}s)`;
    case 'session-down':
    case 'session-up':
      return `${event.action} ${event.session.join('-')}`;
    case 'pod-create':
      return `pod-create ${event.pod.name}`;
    case 'pod-delete':
      return `pod-delete ${event.name}`;
    case 'scale':
      return `scale ${event.controller} to ${event.replicas}`;
    case 'block-port':
    case 'unblock-port':
      return `${event.action} ${event.node}:${event.port}`;
  }
}

function applyEvent(lab: NamespaceLab, event: ScenarioEvent, sim: Simulation, running: Set<string>): void {
  if (event.action === 'node-down') {
    lab.stopMachine(event.node);
    running.delete(event.node);
  } else if (event.action === 'node-up') {
    lab.startMachine(event.node);
  } else if (event.action === 'node-restart') {
    lab.startBirdRecovering(event.node);
    running.add(event.node);
  } else if (event.action === 'link-down' || event.action === 'link-up') {
    lab.setLinkUp(event.link[0], event.link[1], event.action === 'link-up');
  } else if (event.action === 'session-down' || event.action === 'session-up') {
    const neighbor = neighborTowards(sim.peering, event.session[0], event.session[1]);
    if (neighbor === undefined) throw new Error(`no session ${event.session.join(' -> ')} to ${event.action}`);
    lab.birdc(event.session[0], event.action === 'session-down' ? 'disable' : 'enable', neighbor.name);
  } else if (event.action === 'block-port' || event.action === 'unblock-port') {
    throw new Error(`conformance does not apply ${event.action} yet`);
  }
  syncSpeakers(lab, sim, running);
}

/** Starts or reconfigures BIRD on every running machine from the phase's configs, and the borrowed /32s. */
function syncSpeakers(lab: NamespaceLab, sim: Simulation, running: Set<string>): void {
  for (const speaker of sim.peering.speakers) {
    if (!sim.underlay.isUp(speaker.name)) continue;
    lab.configureBird(speaker.name, conformanceConfig(sim, speaker.name), running.has(speaker.name));
    running.add(speaker.name);
    const own = sim.cluster.ipam.blocksOf(speaker.name);
    const borrowed = sim.cluster
      .pods()
      .filter(
        (p) =>
          p.nodeName === speaker.name &&
          p.allocation !== undefined &&
          !own.some((b) => p.allocation !== undefined && cidrContains(b.cidr, p.allocation.ip)),
      )
      .map((p) => formatIpv4(p.allocation?.ip as number));
    lab.setBorrowedRoutes(speaker.name, borrowed);
  }
}

function observe(lab: NamespaceLab, sim: Simulation, running: ReadonlySet<string>): Map<string, MachineView> {
  const views = new Map<string, MachineView>();
  for (const machine of running) {
    views.set(
      machine,
      observedView(
        sim,
        lab.birdc(machine, 'show', 'protocols'),
        lab.birdc(machine, 'show', 'route', 'all'),
        lab.inside(machine, 'ip', ['-4', 'route', 'show']),
      ),
    );
  }
  return views;
}

function fingerprint(views: Map<string, MachineView>): string {
  return JSON.stringify([...views].map(([m, v]) => [m, ASPECTS.map((a) => [...v[a]].sort())]));
}

/**
 * Polls the namespaces once a second from the moment an event was applied, each poll recorded for
 * the timing comparison, until at least `minimumMs` have passed and the last few polls agree.
 */
function settle(
  lab: NamespaceLab,
  sim: Simulation,
  running: ReadonlySet<string>,
  minimumMs: number,
  watch: Watch,
): Map<string, MachineView> {
  const started = Date.now();
  let last = '';
  let stable = 0;
  for (;;) {
    const views = observe(lab, sim, running);
    watch.record(views);
    const print = fingerprint(views);
    stable = print === last ? stable + 1 : 0;
    last = print;
    const elapsed = Date.now() - started;
    if ((elapsed >= minimumMs && stable >= STABLE_POLLS) || elapsed >= MAX_WAIT_MS) return views;
    sleep(POLL_MS);
  }
}

function compare(
  topology: string,
  phase: string,
  sim: Simulation,
  observed: Map<string, MachineView>,
  seconds: number,
  birdDown: ReadonlySet<string> = new Set(),
): Compared {
  const agree = { sessions: 0, best: 0, alternatives: 0, kernel: 0 };
  const total = { sessions: 0, best: 0, alternatives: 0, kernel: 0 };
  const differences: string[] = [];
  const views = new Map<string, MachineView>();
  for (const speaker of sim.peering.speakers) {
    if (!sim.underlay.isUp(speaker.name)) continue;
    const predicted = predictedView(sim, speaker.name);
    // A machine whose BIRD is down has only its kernel to compare: what `persist` left there.
    if (birdDown.has(speaker.name))
      for (const aspect of ['sessions', 'best', 'alternatives'] as const) predicted[aspect].clear();
    views.set(speaker.name, predicted);
    for (const { aspect, key, predicted: p, real } of compareViews(predicted, observed.get(speaker.name))) {
      total[aspect]++;
      if (p === real) agree[aspect]++;
      else
        differences.push(
          `${topology} / ${phase} / ${speaker.name} ${aspect} ${key}: podnet ${p ?? '(none)'}; BIRD ${real ?? '(none)'}`,
        );
    }
  }
  const result = { topology, phase, agree, total, differences, seconds };
  return { result, observed: bestRoutesOf(observed), predicted: bestRoutesOf(views) };
}

/** The phase's timing compared with the one before it, as a result that also counts its differences. */
function timed(
  compared: Compared,
  before: Compared,
  sim: Simulation,
  from: number,
  watch: Watch,
  repair = false,
): Compared {
  const timing = compareTiming(
    predictedChanges(sim, from, before.predicted, compared.predicted),
    watch.changes(before.observed),
    TIMING_TOLERANCE + (repair ? RETRY_TOLERANCE : 0),
  );
  const { result } = compared;
  const differences = [
    ...result.differences,
    ...timing.differences.map((d) => `${result.topology} / ${result.phase} / timing: ${d}`),
  ];
  return { ...compared, result: { ...result, timing, differences } };
}

/**
 * The phase while a machine's BIRD is down for a graceful restart, compared one second before it
 * starts again. Polled once a second for the timing, but not settled by polling: BIRD's restart
 * timers run in real time, so the namespaces are read when podnet's moment comes, and the restart
 * times in these topologies leave seconds of margin either side.
 */
function duringRestart(
  lab: NamespaceLab,
  topology: Topology,
  event: Extract<ScenarioEvent, { action: 'node-restart' }>,
  running: Set<string>,
  before: Compared,
): Compared {
  const sim = simulate(topology, [], { until: event.at + event.downFor - 1, timeline: true });
  const watch = new Watch();
  const started = Date.now();
  const deadline = started + (event.downFor - 1) * 1000;
  lab.stopBirdGracefully(event.node);
  running.delete(event.node);
  const read = (): Map<string, MachineView> => {
    const views = observe(lab, sim, running);
    views.set(event.node, observedView(sim, '', '', lab.inside(event.node, 'ip', ['-4', 'route', 'show'])));
    watch.record(views);
    return views;
  };
  let views = read();
  while (Date.now() + POLL_MS < deadline) {
    sleep(POLL_MS);
    views = read();
  }
  sleep(Math.max(0, deadline - Date.now()));
  views = read();
  const seconds = (Date.now() - started) / 1000;
  const phase = `during ${describeEvent(event)}`;
  const compared = compare(topology.name, phase, sim, views, seconds, new Set([event.node]));
  return timed(compared, before, sim, event.at, watch);
}

function runTopology(file: string, prefix: string): { results: PhaseResult[]; departures: string[] } {
  const loaded = loadTopology(file, nodeFileSystem);
  if (!loaded.ok)
    throw new Error(loaded.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  const topology: Topology = loaded.topology;
  const name = topology.name;
  const events = [...topology.events].sort((a, b) => a.at - b.at);
  const phaseEnds = [...events.map((e) => e.at - 1), (events[events.length - 1]?.at ?? 0) + SETTLE_SECONDS];
  const lab = new NamespaceLab(prefix, join(tmpdir(), `${prefix}-bird`));
  const results: PhaseResult[] = [];
  const running = new Set<string>();
  let departures: string[] = [];
  try {
    let sim = simulate(topology, [], { until: phaseEnds[0] as number });
    departures = exportDepartures(sim);
    lab.build(sim);
    syncSpeakers(lab, sim, running);
    const started = Date.now();
    const converged = settle(lab, sim, running, 4000, new Watch());
    let last = compare(name, 'converged', sim, converged, (Date.now() - started) / 1000);
    results.push(last.result);
    events.forEach((event, i) => {
      if (event.action === 'node-restart') {
        last = duringRestart(lab, topology, event, running, last);
        results.push(last.result);
      }
      sim = simulate(topology, [], { until: phaseEnds[i + 1] as number, timeline: true });
      const watch = new Watch();
      const applied = Date.now();
      applyEvent(lab, event, sim, running);
      // The namespaces' hold timer is shortened (HOLD_SECONDS): a silent stop's timing differs by design.
      const silent = event.action === 'node-down';
      const views = settle(lab, sim, running, silent ? (HOLD_SECONDS + 3) * 1000 : 4000, watch);
      const compared = compare(name, `after ${describeEvent(event)}`, sim, views, (Date.now() - applied) / 1000);
      const from = event.action === 'node-restart' ? event.at + event.downFor : event.at;
      // A repair: the session comes back at its next connect retry, whose phase podnet does not share.
      const repair = ['link-up', 'node-up', 'node-restart', 'session-up', 'unblock-port'].includes(event.action);
      last = silent ? compared : timed(compared, last, sim, from, watch, repair);
      results.push(last.result);
    });
  } finally {
    lab.destroy();
  }
  return { results, departures };
}

function table(results: readonly PhaseResult[]): string {
  const header = [
    'TOPOLOGY',
    'PHASE',
    'SESSIONS',
    'BEST ROUTES',
    'ALTERNATIVES',
    'KERNEL ROUTES',
    'TIMING',
    'SETTLED IN',
    'RESULT',
  ];
  const rows = results.map((r) => [
    r.topology,
    r.phase,
    ...ASPECTS.map((a) => `${r.agree[a]}/${r.total[a]}`),
    r.timing === undefined ? '-' : `${r.timing.agree}/${r.timing.total}`,
    `${r.seconds.toFixed(1)}s`,
    r.differences.length === 0 ? 'agree' : `${r.differences.length} differ`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function main(): number {
  const reason = unavailable();
  if (reason !== undefined) {
    process.stdout.write(
      `conformance skipped: ${reason}. podnet's own tests still ran; this suite compares against real BIRD 2.\n`,
    );
    return 0;
  }
  const dir = resolve(process.argv[2] ?? 'test/conformance');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const prefix = `pnc${process.pid % 100000}`;
  const cleanup = (): void => {
    for (const ns of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n')) {
      const nsName = ns.split(' ')[0] ?? '';
      if (nsName.startsWith(prefix)) spawnSync('ip', ['netns', 'del', nsName]);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  const bird = spawnSync('bird', ['--version'], { encoding: 'utf8' });
  process.stdout.write(
    `Conformance: podnet against ${`${bird.stderr}${bird.stdout}`.trim()} in network namespaces, ${files.length} topologies\n`,
  );
  const results: PhaseResult[] = [];
  const departures: string[] = [];
  for (const [i, file] of files.entries()) {
    const run = runTopology(join(dir, file), `${prefix}t${i}`);
    results.push(...run.results);
    departures.push(...run.departures);
    process.stdout.write(`  ${file}: done\n`);
  }
  process.stdout.write(`\n${table(results)}\n`);
  process.stdout.write(
    departures.length === 0
      ? "\nNodes ran Calico's template; podnet's export writes the same BGP protocols and options for every node.\n"
      : `\nNodes ran Calico's template; podnet's export departs from it:\n${departures.map((d) => `  ${d}`).join('\n')}\n`,
  );
  const differences = results.flatMap((r) => r.differences);
  if (differences.length > 0)
    process.stdout.write(`\n${differences.length} differences:\n${differences.map((d) => `  ${d}`).join('\n')}\n`);
  else process.stdout.write('\nFull agreement on every topology and phase.\n');
  cleanup();
  return differences.length === 0 ? 0 : 1;
}

process.exitCode = main();

/**
 * One walker, two sinks: the disposition-only walk (`reach`, `diff`, checks, the bench) must end
 * every flow as the explaining tracer does. Every shipped lab and topology, at each of its events
 * and after them, is walked both ways for every pair of pods, every pod to every Service port, to
 * every machine's address and to its own localhost, and every machine to every pod.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Simulation } from '../../src/core/bgp/simulate.js';
import type { PodRecord } from '../../src/core/cluster/index.js';
import { defaultPort } from '../../src/core/topology/model.js';
import { LOCALHOST } from '../../src/core/trace/endpoints.js';
import { type Disposition, type Flow, Tracer } from '../../src/core/trace/index.js';
import { repoPath } from '../helpers/cli.js';
import { lab, run } from '../helpers/sim.js';

const LABS = readdirSync(repoPath('topologies/labs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) =>
    readdirSync(repoPath('topologies/labs', entry.name))
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => `labs/${entry.name}/${file}`),
  );
const TOPOLOGIES = readdirSync(repoPath('topologies'))
  .filter((file) => file.endsWith('.yaml'))
  .concat(LABS)
  .sort();

/** The moments to look at: 30 s after each event (a failure in progress), and well after the last. */
function moments(file: string): number[] {
  const events = lab(file).events.map((event) => event.at);
  const last = Math.max(0, ...events);
  return [...new Set([...events.slice(0, 3).map((at) => at + 30), last + 300])];
}

function fromPod(pod: PodRecord, dst: number, port: number, extra: Partial<Flow> = {}): Flow {
  return {
    srcPod: `${pod.spec.namespace}/${pod.spec.name}`,
    src: pod.podIp as number,
    dst,
    protocol: 'TCP',
    port,
    loopback: false,
    ...extra,
  };
}

/** Every flow the labs' questions ask about, and some they do not. */
function flowsOf(sim: Simulation): Flow[] {
  const pods = sim.cluster.pods().filter((p) => p.podIp !== undefined);
  const machines = sim.peering.speakers;
  const services = sim.cluster.services.list().filter((s) => s.clusterIP !== undefined);
  // The last address of every block (unused, or a pod's): a blackhole on its owner when unused.
  const blockEnds = sim.topology.pools.flatMap((pool) =>
    sim.cluster.ipam.poolBlocks(pool).map((block) => block.cidr.base + 2 ** (32 - block.cidr.len) - 1),
  );
  // An address outside every network here (TEST-NET-3): out through a default route, or nowhere;
  // and one behind each router's static routes (where a lab builds a loop).
  const outside = [0xcb007107, ...sim.topology.routers.flatMap((r) => r.routes.map((route) => route.dst.base + 1))];
  const flows: Flow[] = [];
  for (const src of pods) {
    for (const dst of pods)
      if (dst !== src)
        flows.push(fromPod(src, dst.podIp as number, defaultPort(dst.spec)), fromPod(src, dst.podIp as number, 9));
    for (const service of services)
      for (const port of service.spec.ports)
        flows.push(
          fromPod(src, service.clusterIP as number, port.port, { protocol: port.protocol === 'UDP' ? 'UDP' : 'TCP' }),
        );
    for (const machine of machines)
      flows.push(fromPod(src, machine.routerId, 22), fromPod(src, machine.routerId, 30080));
    for (const dst of [...blockEnds, ...outside]) flows.push(fromPod(src, dst, 80));
    flows.push(fromPod(src, LOCALHOST, defaultPort(src.spec), { src: LOCALHOST, loopback: true }));
  }
  for (const machine of machines)
    for (const dst of pods)
      flows.push({
        srcPod: '',
        srcMachine: machine.name,
        src: machine.routerId,
        dst: dst.podIp as number,
        protocol: 'TCP',
        port: defaultPort(dst.spec),
        loopback: false,
      });
  return flows;
}

describe('the disposition-only walk ends every flow as the explaining tracer does', () => {
  const seen = new Map<Disposition['kind'], number>();
  for (const file of TOPOLOGIES) {
    it(file, () => {
      for (const until of moments(file)) {
        const sim = run(lab(file), until);
        // Separate tracers: neither walk reads what the other remembered.
        const explaining = new Tracer(sim, until);
        const quiet = new Tracer(sim, until);
        for (const flow of flowsOf(sim)) {
          const explained = explaining.trace(flow).map((branch) => branch.disposition);
          expect(quiet.dispositions(flow), `${file} at ${until}s: ${JSON.stringify(flow)}`).toEqual(explained);
          for (const { kind } of explained) seen.set(kind, (seen.get(kind) ?? 0) + 1);
        }
      }
    });
  }

  it('compared flows that end in every way a lab shows', () => {
    for (const kind of [
      'ACCEPTED',
      'CONNECTION_REFUSED',
      'DENIED_IN',
      'DENIED_OUT',
      'NO_ROUTE',
      'NULL_ROUTED',
      'NEIGHBOR_UNREACHABLE',
      'REJECTED',
      'LOOP',
      'EXITS_NETWORK',
    ] as const)
      expect([...seen.keys()], kind).toContain(kind);
    expect([...seen.values()].reduce((a, b) => a + b)).toBeGreaterThan(3_000);
  });
});

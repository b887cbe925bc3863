/**
 * What the benchmark relies on, at a size a test can afford: running a simulation on with
 * `advance` reaches the same state as simulating in one go, and the spot checks tell right
 * routing state from wrong.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { blocksViaOwners, clientsOf, pickClient, routesAvoid } from '../../src/bench/spot-checks.js';
import { advance, type Simulation, simulate, type WorldOp } from '../../src/core/bgp/simulate.js';
import type { Topology } from '../../src/core/topology/model.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { generateTopology } from '../../src/io/generate.js';

const REFLECTOR = 'node-00000';

function reflectorDesign(): Topology {
  const text = generateTopology({
    nodes: 30,
    podsPerNode: 4,
    design: 'rr',
    reflectors: 3,
    racks: 1,
    spine: false,
    encap: 'ipip',
    seed: 5,
  });
  const result = resolveTopology(
    parseAllDocuments(text).map((doc, source) => ({ source, value: doc.toJS(), expect: 'any' as const })),
  );
  if (!result.ok) throw new Error(result.issues[0]?.message);
  return result.topology;
}

const stop: WorldOp = { kind: 'machine', at: 400, name: REFLECTOR, up: false };
const restore: WorldOp = { kind: 'machine', at: 1000, name: REFLECTOR, up: true };

/** Every speaker's Loc-RIB and every session, as text. */
function state(sim: Simulation): string {
  const routes = sim.peering.speakers.flatMap((s) =>
    [...sim.network.locRib(s.index).entries()].map(
      ([prefix, e]) =>
        `${s.name} ${sim.network.prefixes.text(prefix)} ${e.attrs} ${e.source} ${e.via.join(',')} ${e.decidedBy}`,
    ),
  );
  const sessions = sim.network.sessions.map((s) => `${s.state} ${s.since.toFixed(6)} ${s.error}`);
  return [...routes.sort(), ...sessions, JSON.stringify(sim.network.counters)].join('\n');
}

describe('advance and spot checks', () => {
  it('advancing through a stop and a restore gives the state of one simulation with both', () => {
    const topology = reflectorDesign();
    const whole = simulate(topology, [stop, restore], { until: 1100 });
    let stepped = simulate(topology, [], { until: 399 });
    stepped = advance(stepped, [stop], { until: 999 });
    expect(stepped.network.isUp(0)).toBe(false);
    stepped = advance(stepped, [restore], { until: 1100 });
    expect(state(stepped)).toBe(state(whole));
    expect(whole.network.counters.withdraws).toBeGreaterThan(0);
  });

  it('refuses an operation in the simulated past', () => {
    const sim = simulate(reflectorDesign(), [], { until: 300 });
    expect(() => advance(sim, [{ ...stop, at: 1 }], { until: 500 })).toThrow(/simulated past/);
  });

  it('a converged client reaches every block via its owner; one cut off mid-convergence does not', () => {
    const topology = reflectorDesign();
    const converged = simulate(topology, [], { until: 300 });
    const client = pickClient(converged, 1);
    const good = blocksViaOwners(converged, client);
    expect(good.checked).toBe(29);
    expect(good.problemCount).toBe(0);
    const early = blocksViaOwners(simulate(topology, [], { until: 2.02 }), client);
    expect(early.problemCount).toBeGreaterThan(0);
    expect(early.problems[0]).toMatch(/: no route$/);
  });

  it("a stopped reflector's client holds routes through it until the hold timer expires, then through the other", () => {
    const topology = reflectorDesign();
    const sim = simulate(topology, [], { until: 399 });
    const client = pickClient(sim, 2, clientsOf(sim, REFLECTOR));
    const justStopped = advance(sim, [stop], { until: 401 });
    expect(routesAvoid(justStopped, client, REFLECTOR).problemCount).toBeGreaterThan(0);
    const expired = advance(justStopped, [], { until: 999 });
    const avoided = routesAvoid(expired, client, REFLECTOR);
    expect(avoided.checked).toBeGreaterThan(20);
    expect(avoided.problemCount).toBe(0);
    expect(blocksViaOwners(expired, client).problemCount).toBe(0);
  });
});

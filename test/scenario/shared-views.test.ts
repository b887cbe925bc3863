/**
 * Shared reflector views against per-session delivery: generated reflector designs simulated both
 * ways must hold the same routes (every Loc-RIB entry with its next hops and deciding rule) and
 * the same FIBs once settled, through a reflector's failure and return, borrowing, and pods that
 * come and go, and the same sessions, up or down since the same moments. Only the moments routes
 * change inside a group may differ (members receive an UPDATE at one instant), and so the counters.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type WorldOp } from '../../src/core/bgp/simulate.js';
import type { Topology } from '../../src/core/topology/model.js';
import { stateLines } from '../../src/io/state-hash.js';
import { cidr, generated as generatedDesign } from '../helpers/topology.js';

/** Routes, FIBs, machines and sessions (with their times): what must not depend on how UPDATEs were delivered. */
function routing(topology: Topology, journal: readonly WorldOp[], until: number, sharedViews: boolean): string[] {
  const sim = simulate(topology, journal, { until, sharedViews });
  expect(sim.network.sharesViews).toBe(sharedViews);
  return stateLines(sim).filter((line) => !line.startsWith('counters '));
}

/** The golden designs' generator with another seed, so these designs are not the golden ones. */
const generated: typeof generatedDesign = (options) => generatedDesign({ seed: 11, ...options });

const DESIGNS: readonly {
  name: string;
  topology: () => Topology;
  journal: readonly WorldOp[];
  moments: readonly number[];
}[] = [
  {
    name: 'rr 120, a reflector stopped at 400 s and restored at 1000 s',
    topology: () => generated({ nodes: 120, design: 'rr' }),
    journal: [
      { kind: 'machine', at: 400, name: 'node-00000', up: false },
      { kind: 'machine', at: 1000, name: 'node-00000', up: true },
    ],
    moments: [30, 420, 700, 1400],
  },
  {
    name: 'rr 60 with a pool too small (borrowed /32s)',
    topology: () => generated({ nodes: 60, design: 'rr', pool: cidr('10.0.0.0/22') }),
    journal: [],
    moments: [30, 700],
  },
  {
    name: 'rr 80, two reflectors, a client stopped and back, a session disabled',
    topology: () => generated({ nodes: 80, design: 'rr', reflectors: 2 }),
    journal: [
      { kind: 'machine', at: 200, name: 'node-00040', up: false },
      { kind: 'machine', at: 500, name: 'node-00040', up: true },
      { kind: 'session', at: 300, a: 'node-00010', b: 'node-00000', up: false },
    ],
    moments: [250, 350, 900],
  },
  {
    name: 'rr 60, pods scaled down and up again (blocks and borrowed /32s come and go)',
    topology: () => generated({ nodes: 60, design: 'rr', pool: cidr('10.0.0.0/22') }),
    journal: [
      { kind: 'scale', at: 100, workload: 'Deployment', namespace: 'default', name: 'web', replicas: 40 },
      { kind: 'scale', at: 400, workload: 'Deployment', namespace: 'default', name: 'web', replicas: 500 },
    ],
    moments: [60, 300, 900],
  },
  {
    name: 'racks 60 with a reflecting spine, CrossSubnet',
    topology: () => generated({ nodes: 60, design: 'racks', spine: true, encap: 'crosssubnet' }),
    journal: [],
    moments: [30, 700],
  },
];

describe('shared reflector views route as per-session delivery does', () => {
  for (const design of DESIGNS) {
    it(design.name, () => {
      const topology = design.topology();
      const seen = new Set<string>();
      for (const at of design.moments) {
        const perSession = routing(topology, design.journal, at, false);
        const shared = routing(topology, design.journal, at, true);
        expect(perSession.filter((line) => line.startsWith('route ')).length).toBeGreaterThan(1000);
        expect(shared).toEqual(perSession);
        seen.add(perSession.join('\n'));
      }
      // The journal's events moved routes: the moments compared are not one state.
      if (design.journal.length > 0) expect(seen.size).toBeGreaterThan(1);
    });
  }
});

/**
 * Golden state digests: generated designs simulated to several moments, each digest covering
 * every Loc-RIB entry with its deciding rule, every session, the message counters and every FIB.
 * A change meant to move no route (a speed-up, a refactor) must leave every digest as it is; a
 * change that means to move routes updates them here, in the same commit, and says why.
 */

import { describe, expect, it } from 'vitest';
import { simulate, type WorldOp } from '../../src/core/bgp/simulate.js';
import type { Topology } from '../../src/core/topology/model.js';
import { stateHash } from '../../src/io/state-hash.js';
import { cidr, generated } from '../helpers/topology.js';

interface Design {
  readonly name: string;
  readonly topology: () => Topology;
  readonly journal: readonly WorldOp[];
  /** Per-session delivery: every message to every client on its own. */
  readonly golden: Readonly<Record<number, string>>;
  /**
   * With shared views, where they differ: the same routes and FIBs once settled and sessions
   * (test/scenario/shared-views.test.ts), but a reflector's clients receive each UPDATE at one
   * instant, so the counters, and the routes at the moments in between, differ. A mesh's views
   * change only with each node's own routes, and its digests are the per-session ones.
   */
  readonly shared?: Readonly<Record<number, string>>;
}

const DESIGNS: readonly Design[] = [
  {
    name: 'rr 120, a reflector stopped at 400 s and restored at 1000 s',
    topology: () => generated({ nodes: 120, design: 'rr' }),
    journal: [
      { kind: 'machine', at: 400, name: 'node-00000', up: false },
      { kind: 'machine', at: 1000, name: 'node-00000', up: true },
    ],
    golden: { 2: '2be0303ae9433597', 30: '9a55bb2524acc7e6', 700: 'cf9453205364bd99', 1400: 'd6602ea6636bd602' },
    shared: { 2: '2be0303ae9433597', 30: '95f7e72d39e53549', 700: 'e3818d5883ae9d26', 1400: 'c478a6ae6a86cb03' },
  },
  {
    name: 'mesh 40',
    topology: () => generated({ nodes: 40, design: 'mesh' }),
    journal: [],
    golden: { 2: 'a2c44e7af7c6ec4c', 30: '3c76293e269fcc23', 700: '3c76293e269fcc23', 1400: '3c76293e269fcc23' },
  },
  {
    name: 'racks 60 with a spine, CrossSubnet',
    topology: () => generated({ nodes: 60, design: 'racks', spine: true, encap: 'crosssubnet' }),
    journal: [],
    golden: { 2: '1d659b1fce1d84eb', 30: '36b45e21b254423e', 700: '36b45e21b254423e', 1400: '36b45e21b254423e' },
    shared: { 2: '1d659b1fce1d84eb', 30: '392067a30aa7fee1', 700: '392067a30aa7fee1', 1400: '392067a30aa7fee1' },
  },
  {
    name: 'rr 60 with a pool too small (borrowing)',
    topology: () => generated({ nodes: 60, design: 'rr', pool: cidr('10.0.0.0/22') }),
    journal: [],
    golden: { 2: 'db06795a4ba7c940', 30: 'e3e55bdd0d599e2b', 700: 'e3e55bdd0d599e2b', 1400: 'e3e55bdd0d599e2b' },
    shared: { 2: 'db06795a4ba7c940', 30: 'd504f084c247dba0', 700: 'd504f084c247dba0', 1400: 'd504f084c247dba0' },
  },
  {
    name: 'mesh 20, VXLAN, a link cut',
    topology: () => generated({ nodes: 20, design: 'mesh', encap: 'vxlan' }),
    journal: [{ kind: 'link', at: 100, a: 'node-00001', b: 'node-00002', up: false }],
    golden: { 2: '88b5de73b0ea762d', 30: '05bf401034414a7f', 700: 'efbfe4d858a7e420', 1400: 'efbfe4d858a7e420' },
  },
];

const MOMENTS = [2, 30, 700, 1400];

describe('golden state digests', () => {
  for (const design of DESIGNS) {
    it(design.name, () => {
      const topology = design.topology();
      const digests = (sharedViews: boolean) =>
        Object.fromEntries(
          MOMENTS.map((until) => [until, stateHash(simulate(topology, design.journal, { until, sharedViews }))]),
        );
      expect(digests(false)).toEqual(design.golden);
      expect(digests(true)).toEqual(design.shared ?? design.golden);
    });
  }
});

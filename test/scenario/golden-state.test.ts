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
   * With shared reflector views, where groups form: the same routes and FIBs once settled
   * and sessions (test/scenario/shared-views.test.ts), but members receive each UPDATE at one
   * instant, so the counters, and the routes at the moments in between, differ.
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
    golden: { 2: '2be0303ae9433597', 30: '96269105e97c7fc3', 700: '8557a0055d9dd4d2', 1400: '7c79f7776d60033b' },
    shared: { 2: '2be0303ae9433597', 30: '024bdca3c552265e', 700: '51ebd6a928d14b15', 1400: '3f62666b51948d9a' },
  },
  {
    name: 'mesh 40',
    topology: () => generated({ nodes: 40, design: 'mesh' }),
    journal: [],
    golden: { 2: 'a2c44e7af7c6ec4c', 30: 'dbe3be2254378f9e', 700: 'dbe3be2254378f9e', 1400: 'dbe3be2254378f9e' },
  },
  {
    name: 'racks 60 with a spine, CrossSubnet',
    topology: () => generated({ nodes: 60, design: 'racks', spine: true, encap: 'crosssubnet' }),
    journal: [],
    golden: { 2: '1d659b1fce1d84eb', 30: 'ab840880bf9f510d', 700: 'ab840880bf9f510d', 1400: 'ab840880bf9f510d' },
    shared: { 2: '1d659b1fce1d84eb', 30: '518747e9f8b47593', 700: '518747e9f8b47593', 1400: '518747e9f8b47593' },
  },
  {
    name: 'rr 60 with a pool too small (borrowing)',
    topology: () => generated({ nodes: 60, design: 'rr', pool: cidr('10.0.0.0/22') }),
    journal: [],
    golden: { 2: 'db06795a4ba7c940', 30: '6c97749db6891541', 700: '6c97749db6891541', 1400: '6c97749db6891541' },
    shared: { 2: 'db06795a4ba7c940', 30: 'bdc2442fcfea4cdb', 700: 'bdc2442fcfea4cdb', 1400: 'bdc2442fcfea4cdb' },
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

/** Generated designs: valid, the sessions each design implies, every block everywhere, stable as they grow. */
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { simulate } from '../../src/core/bgp/simulate.js';
import { formatIpv4 } from '../../src/core/net/index.js';
import type { Topology } from '../../src/core/topology/model.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { type GenerateOptions, generateTopology } from '../../src/io/generate.js';
import { CliSandbox } from '../helpers/cli.js';
import { bestRoutes, blocksOf } from '../helpers/sim.js';

const BASE: GenerateOptions = {
  nodes: 12,
  podsPerNode: 3,
  design: 'mesh',
  reflectors: 3,
  racks: 3,
  spine: true,
  encap: 'ipip',
  seed: 1,
};

function load(options: Partial<GenerateOptions>): Topology {
  const text = generateTopology({ ...BASE, ...options });
  const docs = parseAllDocuments(text).map((doc, source) => ({ source, value: doc.toJS(), expect: 'any' as const }));
  const result = resolveTopology(docs);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.at.path.join('.')}: ${i.message}`).join('\n'));
  return result.topology;
}

function everyBlockEverywhere(topology: Topology): void {
  const sim = simulate(topology, [], { until: 120 });
  expect(sim.network.sessions.every((s) => s.state === 'Established')).toBe(true);
  const allBlocks = topology.nodes.flatMap((n) => blocksOf(sim, n.name)).sort();
  for (const node of topology.nodes) expect([...bestRoutes(sim, node.name).keys()].sort()).toEqual(allBlocks);
}

describe('podnet generate', () => {
  it('a mesh has n(n-1)/2 sessions and every node learns every block from its owner', () => {
    const topology = load({ design: 'mesh' });
    const sim = simulate(topology, [], { until: 120 });
    expect(sim.peering.sessions).toHaveLength((12 * 11) / 2);
    everyBlockEverywhere(topology);
    const [owner] = blocksOf(sim, 'node-00007');
    expect(bestRoutes(sim, 'node-00002').get(owner!)?.nextHop).toBe(formatIpv4(topology.nodes[7]!.ip));
  });

  it('reflectors: each client peers with 2 reflectors, and still learns every block', () => {
    const topology = load({ design: 'rr', nodes: 20, reflectors: 4 });
    const sim = simulate(topology, [], { until: 120 });
    const clientSessions = sim.peering.neighbors.filter((n) => sim.peering.speakers[n.speaker]?.name === 'node-00010');
    expect(clientSessions).toHaveLength(2);
    everyBlockEverywhere(topology);
  });

  it('racks: AS per rack, ToRs reflecting, a spine; the AS path crosses the fabric', () => {
    const topology = load({ design: 'racks', nodes: 9, racks: 3 });
    everyBlockEverywhere(topology);
    const sim = simulate(topology, [], { until: 120 });
    const [far] = blocksOf(sim, 'node-00008');
    expect(bestRoutes(sim, 'node-00000').get(far!)?.asPath).toBe('65000 65003');
  });

  it('answers the same for the same nodes when the cluster grows', () => {
    for (const design of ['mesh', 'rr'] as const) {
      const small = simulate(load({ design, nodes: 10 }), [], { until: 120 });
      const large = simulate(load({ design, nodes: 20 }), [], { until: 120 });
      const firstTen = new Set(small.topology.nodes.flatMap((n) => blocksOf(small, n.name)));
      // Routes arrive in a different order in a larger cluster; what they are must not change.
      const pick = (sim: typeof small) =>
        [...bestRoutes(sim, 'node-00004').entries()]
          .filter(([prefix]) => firstTen.has(prefix))
          .sort(([a], [b]) => a.localeCompare(b));
      expect(pick(large)).toEqual(pick(small));
    }
  });

  it('is deterministic: the same options and seed give the same bytes; another seed pairs clients differently', () => {
    const options = { ...BASE, design: 'rr' as const, nodes: 40 };
    expect(generateTopology(options)).toBe(generateTopology(options));
    expect(generateTopology({ ...options, seed: 2 })).not.toBe(generateTopology(options));
  });

  it('sizes the pool so nobody borrows, unless a pool is given', () => {
    const sim = simulate(load({ nodes: 12, podsPerNode: 100 }), [], { until: 60 });
    expect(sim.cluster.ipam.borrowed()).toHaveLength(0);
    const tiny = simulate(load({ nodes: 12, podsPerNode: 100, pool: { base: 0x0af40000, len: 22 } }), [], {
      until: 60,
    });
    expect(tiny.cluster.pods().filter((p) => p.sandboxError !== undefined).length).toBeGreaterThan(0);
  });
});

describe('podnet generate on the command line', () => {
  const cli = new CliSandbox();
  afterAll(() => cli.dispose());

  it('writes a file that podnet reads, and refuses bad numbers as a usage error (exit 1)', async () => {
    expect(
      await cli.run('generate', '--nodes', '6', '--design', 'racks', '--racks', '2', '--spine', '-o', 'racks.yaml'),
    ).toMatchObject({ code: 0, stdout: '' });
    expect((await cli.run('validate', 'racks.yaml')).stdout).toBe(
      'racks.yaml: valid (cluster racks-6: 6 nodes, 3 routers, 1 pools, 60 pods, 0 events)\n',
    );
    expect(await cli.run('generate', '--nodes', 'many')).toMatchObject({
      code: 1,
      stderr:
        'error: --nodes "many" must be a whole number from 1 to 5000 (Kubernetes\' ceiling; --beyond-limits goes past it)\n',
    });
  });
});

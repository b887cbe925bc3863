/**
 * Graceful restart as Calico configures BIRD: a calico-node restart closes sessions without a
 * NOTIFICATION, so peers keep its routes (stale) for the restart time it advertised and traffic
 * keeps flowing; a silent death still waits for the hold timer, and a disable withdraws at once.
 */
import { describe, expect, it } from 'vitest';
import type { Simulation } from '../../src/core/bgp/simulate.js';
import { birdConfig } from '../../src/io/bird.js';
import { bestRoutes, blocksOf, ipRouteOf, lab, run, sessionState } from '../helpers/sim.js';
import { topology, workers } from '../helpers/topology.js';

const seed = lab('seed-lab.yaml');
const node1Block = (): string => blocksOf(run(seed, 10), 'node-1')[0] as string;
const node2Block = (): string => blocksOf(run(seed, 10), 'node-2')[0] as string;
const restart = (at: number, name: string, downFor: number) => ({ kind: 'restart', at, name, downFor }) as const;

function routeEvents(sim: Simulation, speaker: string, prefix: string): string[] {
  return sim.network.timeline
    .filter((e) => e.speaker === speaker && e.kind === 'route' && e.prefix === prefix)
    .map((e) => `${e.at.toFixed(3)} ${e.text}`);
}

describe('a calico-node restart (graceful restart)', () => {
  const journal = [restart(100, 'node-2', 10)];

  it("keeps the node's routes at its peers while BIRD is down, and its own kernel routes", () => {
    const during = run(seed, 105, journal);
    // node-1 is the passive side: it waits for node-2 to dial again.
    expect(sessionState(during, 'node-1', '10.0.1.12')).toEqual({
      state: 'Active',
      error: 'Socket: Connection closed',
    });
    expect(bestRoutes(during, 'node-1').get(node2Block())).toMatchObject({ nextHop: '10.0.1.12' });
    expect(ipRouteOf(during, 'node-1')).toContain(`${node2Block()} via 10.0.1.12 dev tunl0 proto bird onlink`);
    // persist: node-2's kernel still routes to node-1's block though its BIRD is down.
    expect(ipRouteOf(during, 'node-2')).toContain(`${node1Block()} via 10.0.1.11 dev tunl0 proto bird onlink`);
    expect(during.network.birdRunning(during.peering.byName.get('node-2') as number)).toBe(false);
  });

  it('comes back without a route flap: End-of-RIB finds nothing stale left to flush', () => {
    const after = run(seed, 120, journal);
    expect(sessionState(after, 'node-1', '10.0.1.12').state).toBe('Established');
    expect(routeEvents(after, 'node-1', node2Block())).toHaveLength(1);
    const texts = after.network.timeline.filter((e) => e.speaker === 'node-1' && e.at >= 100).map((e) => e.text);
    expect(texts).toContain('Mesh_10_0_1_12: neighbor graceful restart, 1 route kept stale for 120s');
    expect(texts).toContain('Mesh_10_0_1_12: End-of-RIB, graceful restart done, 0 stale routes flushed');
  });

  it('differs from a silent stop (hold timer) and from birdc disable (withdrawn at once)', () => {
    const stopped = run(seed, 130, [{ kind: 'machine', at: 100, name: 'node-2', up: false }]);
    expect(sessionState(stopped, 'node-1', '10.0.1.12').state).toBe('Established');
    const disabled = run(seed, 101, [{ kind: 'session', at: 100, a: 'node-1', b: 'node-2', up: false }]);
    expect(bestRoutes(disabled, 'node-1').has(node2Block())).toBe(false);
  });
});

describe('the restart time', () => {
  const mesh = (bgp: Record<string, unknown>, peers: unknown[] = []) =>
    topology({
      cluster: { bgp: { asNumber: 64512, ...bgp } },
      pools: [{ name: 'pool', cidr: '192.168.0.0/16', ipipMode: 'Always' }],
      nodes: workers(3),
      peers,
    });

  it('nodeMeshMaxRestartTime bounds how long peers keep a node that stays down longer', () => {
    const t = mesh({ nodeMeshMaxRestartTime: '20s' });
    const journal = [restart(100, 'node-2', 60)];
    const block = blocksOf(run(t, 10), 'node-2')[0] as string;
    expect(bestRoutes(run(t, 119, journal), 'node-1').has(block)).toBe(true);
    const expired = run(t, 121, journal);
    expect(bestRoutes(expired, 'node-1').has(block)).toBe(false);
    expect(routeEvents(expired, 'node-1', block).at(-1)).toBe('120.000 withdrawn');
    expect(bestRoutes(run(t, 170, journal), 'node-1').has(block)).toBe(true);
    expect(birdConfig(run(t, 1), 'node-1')).toContain('  graceful restart time 20;\n');
  });

  it("a BGPPeer's maxRestartTime is the time on its peerings, both ways", () => {
    const t = mesh({ nodeToNodeMeshEnabled: false }, [
      { name: 'all', nodeSelector: 'all()', peerSelector: 'all()', maxRestartTime: '30s' },
    ]);
    const journal = [restart(100, 'node-3', 90)];
    const block = blocksOf(run(t, 10), 'node-3')[0] as string;
    expect(bestRoutes(run(t, 129, journal), 'node-1').has(block)).toBe(true);
    expect(bestRoutes(run(t, 131, journal), 'node-1').has(block)).toBe(false);
    expect(birdConfig(run(t, 1), 'node-3')).toMatch(/protocol bgp Node_10_0_1_11 [^}]*graceful restart time 30;/);
  });

  it('a restart event in a topology file takes downFor, 10 s unless given', () => {
    const t = topology({
      nodes: workers(2),
      events: [
        { at: '60s', action: 'node-restart', node: 'node-1' },
        { at: '120s', action: 'node-restart', node: 'node-2', downFor: '1m' },
      ],
    });
    expect(t.events.map((e) => (e.action === 'node-restart' ? e.downFor : undefined))).toEqual([10, 60]);
    const texts = run(t, 200)
      .network.timeline.filter((e) => e.kind === 'event')
      .map((e) => `${e.at} ${e.text}`);
    expect(texts).toContain('60 BIRD stopped for a graceful restart, back in 10s');
    expect(texts).toContain('70 BIRD started (graceful restart recovery)');
    expect(texts).toContain('180 BIRD started (graceful restart recovery)');
  });
});

/** The shipped labs converge to the routes Calico would give them. */
import { describe, expect, it } from 'vitest';
import { bestRoutes, blocksOf, ipRouteOf, lab, run } from '../helpers/sim.js';

describe('seed lab (mesh, IPIP Always)', () => {
  const sim = run(lab('seed-lab.yaml'), 300);

  it('establishes n(n-1)/2 = 3 mesh sessions within the connect delay', () => {
    expect(sim.network.sessions.map((s) => s.state)).toEqual(['Established', 'Established', 'Established']);
    expect(sim.network.counters.lastRouteChange).toBeGreaterThan(2);
    expect(sim.network.counters.lastRouteChange).toBeLessThan(2.2);
  });

  it("gives every node a blackhole for its own block and the others' blocks via tunl0 onlink", () => {
    for (const node of ['k8s-master', 'node-1', 'node-2']) {
      const routes = ipRouteOf(sim, node);
      const [own] = blocksOf(sim, node);
      expect(routes).toContain(`blackhole ${own} proto bird\n`);
      for (const other of ['k8s-master', 'node-1', 'node-2'].filter((n) => n !== node)) {
        const [block] = blocksOf(sim, other);
        const address = sim.topology.nodes.find((n) => n.name === other)?.ip;
        expect(routes).toMatch(
          new RegExp(
            `^${block!.replaceAll('.', '\\.')} via ${[address! >>> 24, (address! >>> 16) & 255, (address! >>> 8) & 255, address! & 255].join('\\.')} dev tunl0 proto bird onlink$`,
            'm',
          ),
        );
      }
    }
  });

  it("installs date-pod's /32 on its cali veth on node-1 only", () => {
    expect(ipRouteOf(sim, 'node-1')).toMatch(/^192\.168\.61\.1 dev cali[0-9a-f]{11} scope link$/m);
    expect(ipRouteOf(sim, 'node-2')).not.toMatch(/^192\.168\.61\.1 /m);
  });
});

describe('route-reflector lab', () => {
  const sim = run(lab('rr-lab.yaml'), 300);

  it('clients have 2 sessions each (to both reflectors), not n-1', () => {
    const node1 = sim.peering.neighbors.filter((n) => sim.peering.speakers[n.speaker]?.name === 'node-1');
    expect(node1.map((n) => n.name).sort()).toEqual(['Node_10_0_0_2', 'Node_10_0_0_3']);
    expect(sim.network.sessions.every((s) => s.state === 'Established')).toBe(true);
  });

  it("clients learn each other's blocks from the reflectors with ORIGINATOR_ID, CLUSTER_LIST and the original next hop", () => {
    const [node4Block] = blocksOf(sim, 'node-4');
    const route = bestRoutes(sim, 'node-1').get(node4Block!);
    expect(route).toEqual({
      source: 'bgp',
      nextHop: '10.0.0.14',
      asPath: '',
      originator: '10.0.0.14',
      clusterList: '244.0.0.1',
    });
    expect(ipRouteOf(sim, 'node-1')).toContain(`${node4Block} via 10.0.0.14 dev tunl0 proto bird onlink\n`);
  });
});

describe('two racks, AS per rack, ToRs reflecting, eBGP to a spine', () => {
  const sim = run(lab('two-rack.yaml'), 300);

  it('carries the AS path through the ToRs and the spine', () => {
    const [serverBlock] = blocksOf(sim, 'node-2b');
    expect(bestRoutes(sim, 'node-1a').get(serverBlock!)).toMatchObject({ asPath: '65000 65002', nextHop: '10.0.1.1' });
    expect(bestRoutes(sim, 'spine').get(serverBlock!)).toMatchObject({ asPath: '65002', nextHop: '10.255.0.2' });
  });

  it('routes pod traffic without encapsulation via the ToR, and the routers hold the pod routes', () => {
    const [serverBlock] = blocksOf(sim, 'node-2b');
    expect(ipRouteOf(sim, 'node-1a')).toContain(`${serverBlock} via 10.0.1.1 dev eth0 proto bird\n`);
    expect(ipRouteOf(sim, 'tor-1')).toContain(`${serverBlock} via 10.255.0.1 dev eth1 proto bird\n`);
  });
});

describe('CrossSubnet', () => {
  const sim = run(lab('cross-subnet.yaml'), 300);

  it('encapsulates only towards nodes of the other subnet', () => {
    const routes = ipRouteOf(sim, 'east-1');
    expect(routes).toContain(`${blocksOf(sim, 'east-2')[0]} via 10.10.1.12 dev eth0 proto bird\n`);
    expect(routes).toContain(`${blocksOf(sim, 'west-1')[0]} via 10.10.2.11 dev tunl0 proto bird onlink\n`);
  });
});

describe('a borrowed address (tiny pool)', () => {
  const sim = run(lab('tiny-pool.yaml'), 300);

  it("is reachable through its /32, which beats the owner's block and blackhole", () => {
    const owner = ipRouteOf(sim, 'worker-2');
    expect(owner).toContain('blackhole 10.244.0.0/28 proto bird\n');
    expect(owner).toContain('10.244.0.1 via 172.16.0.13 dev eth0 proto bird\n');
    expect(bestRoutes(sim, 'worker-1').get('10.244.0.1/32')).toMatchObject({ nextHop: '172.16.0.13' });
  });
});

describe('the shared-cluster-ID trap (calico#2735)', () => {
  const sim = run(lab('rr-split-clients.yaml'), 300);

  it("leaves clients of one reflector without the other reflector's clients' routes", () => {
    const node3Block = blocksOf(sim, 'node-3')[0] as string;
    const node1Block = blocksOf(sim, 'node-1')[0] as string;
    expect(bestRoutes(sim, 'node-1').has(node3Block)).toBe(false);
    expect(bestRoutes(sim, 'node-3').has(node1Block)).toBe(false);
    expect(bestRoutes(sim, 'node-1').has(blocksOf(sim, 'node-2')[0] as string)).toBe(true);
    // rr-2 holds node-1's route, carrying its own cluster ID, and keeps it from its clients.
    expect(bestRoutes(sim, 'rr-2').get(node1Block)).toMatchObject({
      clusterList: '244.0.0.1',
      originator: '10.0.0.11',
    });
  });
});

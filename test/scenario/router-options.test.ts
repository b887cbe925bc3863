/**
 * Routers' own session options (a ToR's configuration is the user's, not Calico's): multihop or
 * direct, and next hop self, keep or BIRD's default, each changing the next hop a peer learns as
 * BIRD changes it. test/conformance/router-options.yaml checks the same design against BIRD 2.
 */
import { describe, expect, it } from 'vitest';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { birdConfig } from '../../src/io/bird.js';
import { bestRoutes, blocksOf, ipRouteOf, run } from '../helpers/sim.js';
import { topology } from '../helpers/topology.js';

const pod = (name: string, node: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx' }] },
});

/** Two racks: rack 1's nodes peer with tor-1 over eBGP, rack 2's node is tor-2's iBGP client. */
function racks(tor1Nodes: object, tor1ToTor2: object, tor2Nodes: object) {
  return {
    cluster: { bgp: { asNumber: 64512, nodeToNodeMeshEnabled: false } },
    pools: [{ name: 'fabric', cidr: '10.244.0.0/16', ipipMode: 'Never' }],
    segments: [
      { name: 'rack-1', cidr: '10.0.1.0/24' },
      { name: 'rack-2', cidr: '10.0.2.0/24' },
      { name: 'tors', cidr: '10.255.0.0/31' },
    ],
    nodes: [
      { name: 'node-1a', address: '10.0.1.11/24', gateway: '10.0.1.1', asNumber: 65101, labels: { rack: 'r1' } },
      { name: 'node-1b', address: '10.0.1.12/24', gateway: '10.0.1.1', asNumber: 65102, labels: { rack: 'r1' } },
      { name: 'node-2a', address: '10.0.2.11/24', gateway: '10.0.2.1', asNumber: 65002, labels: { rack: 'r2' } },
    ],
    routers: [
      {
        name: 'tor-1',
        asNumber: 65001,
        interfaces: [{ address: '10.0.1.1/24' }, { address: '10.255.0.0/31' }],
        peers: [
          { nodeSelector: "rack == 'r1'", ...tor1Nodes },
          { router: 'tor-2', ...tor1ToTor2 },
        ],
      },
      {
        name: 'tor-2',
        asNumber: 65002,
        routeReflectorClusterID: '10.0.2.1',
        interfaces: [{ address: '10.0.2.1/24' }, { address: '10.255.0.1/31' }],
        peers: [{ nodeSelector: "rack == 'r2'", routeReflectorClient: true, ...tor2Nodes }, { router: 'tor-1' }],
      },
    ],
    peers: [
      { name: 'rack-1-tor', nodeSelector: "rack == 'r1'", peerIP: '10.0.1.1', asNumber: 65001 },
      { name: 'rack-2-tor', nodeSelector: "rack == 'r2'", peerIP: '10.0.2.1', asNumber: 65002 },
    ],
    pods: [pod('a1', 'node-1a'), pod('b1', 'node-1b'), pod('a2', 'node-2a')],
  };
}

const usual = topology(racks({}, {}, {}));
const tuned = topology(racks({ multihop: true }, { nextHopMode: 'Keep' }, { nextHopMode: 'Auto' }));
const node1aBlock = blocksOf(run(usual, 10), 'node-1a')[0] as string;

describe("a ToR's session options", () => {
  it('direct (the default on a shared subnet) passes a rack neighbour on as a third-party next hop', () => {
    expect(bestRoutes(run(usual, 30), 'node-1b').get(node1aBlock)?.nextHop).toBe('10.0.1.11');
    expect(ipRouteOf(run(usual, 30), 'node-1b')).toContain(`${node1aBlock} via 10.0.1.11 dev eth0 proto bird`);
  });

  it('multihop makes the ToR put itself as next hop, so the rack reaches its neighbour through it', () => {
    const sim = run(tuned, 30);
    expect(bestRoutes(sim, 'node-1b').get(node1aBlock)?.nextHop).toBe('10.0.1.1');
    expect(ipRouteOf(sim, 'node-1b')).toContain(`${node1aBlock} via 10.0.1.1 dev eth0 proto bird`);
  });

  it('next hop keep towards another AS passes the node address, resolved through the underlay', () => {
    expect(bestRoutes(run(usual, 30), 'tor-2').get(node1aBlock)?.nextHop).toBe('10.255.0.0');
    const sim = run(tuned, 30);
    expect(bestRoutes(sim, 'tor-2').get(node1aBlock)?.nextHop).toBe('10.0.1.11');
    expect(ipRouteOf(sim, 'tor-2')).toContain(`${node1aBlock} via 10.255.0.0 dev eth1 proto bird`);
  });

  it("BIRD's default towards iBGP clients keeps the eBGP next hop; the usual ToR sets itself", () => {
    expect(bestRoutes(run(usual, 30), 'node-2a').get(node1aBlock)?.nextHop).toBe('10.0.2.1');
    const sim = run(tuned, 30);
    expect(bestRoutes(sim, 'node-2a').get(node1aBlock)?.nextHop).toBe('10.0.1.11');
    expect(ipRouteOf(sim, 'node-2a')).toContain(`${node1aBlock} via 10.0.2.1 dev eth0 proto bird`);
  });

  it('export bird writes each option as BIRD takes it', () => {
    const tor1 = birdConfig(run(tuned, 1), 'tor-1') as string;
    expect(tor1).toMatch(/protocol bgp Node_1a from bgp_template \{\n(?: .*\n)*? {2}multihop;\n/);
    expect(tor1).toMatch(/protocol bgp Tor_2 from bgp_template \{\n(?: .*\n)*? {2}ipv4 \{ [^}]*next hop keep; \};/);
    const tor2 = birdConfig(run(usual, 1), 'tor-2') as string;
    expect(tor2).toMatch(
      /protocol bgp Node_2a from bgp_template \{\n(?: .*\n)*? {2}ipv4 \{ [^}]*next hop self ebgp; \};/,
    );
    expect(birdConfig(run(tuned, 1), 'tor-2')).not.toContain('next hop self ebgp');
  });

  it('refuses a direct session to a peer off the router subnets, where it stands', () => {
    const written = racks({}, { multihop: false }, {});
    written.routers[1]!.interfaces[1] = { address: '10.255.0.3/31' };
    const result = resolveTopology([
      { source: 0, value: { ...written, cluster: { ...written.cluster, name: 't' } }, expect: 'any' },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.at.path.join('.')}: ${i.message}`)).toContain(
      "routers.0.peers.1.multihop: a direct session (multihop: false) needs the peer on one of tor-1's subnets; tor-2 is not",
    );
  });
});

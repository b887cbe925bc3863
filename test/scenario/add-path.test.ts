/**
 * ADD-PATH (Calico's `add paths on`): a reflector behind two routers sends its clients both
 * paths, so a client holds two paths from one peer, installs ECMP over both routers, and keeps
 * the second when the first router goes. test/conformance/add-path.yaml is the same design,
 * checked against BIRD 2 (both phases agree).
 */
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/core/net/index.js';
import { birdConfig } from '../../src/io/bird.js';
import { explainRoute, showRoute } from '../../src/io/format/bgp.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from '../helpers/cli.js';
import { ipRouteOf, run } from '../helpers/sim.js';
import { topology } from '../helpers/topology.js';

const loaded = loadTopology(repoPath('test/conformance/add-path.yaml'), nodeFileSystem);
if (!loaded.ok) throw new Error('add-path.yaml does not load');
const design = loaded.topology;
const FAR_BLOCK = '192.168.64.0/26';
const parsed = parseCidr(FAR_BLOCK);
if (!parsed.ok) throw new Error(parsed.reason);
const prefix = parsed.value;

describe('ADD-PATH: two paths from one reflector', () => {
  const converged = run(design, 59);

  it('a client holds both paths from rr, as birdc shows them', () => {
    const text = showRoute(converged, 'node-1', 0, { prefix, all: true });
    const paths = text.split('\n').filter((line) => line.includes('[Node_10_0_0_2 '));
    expect(paths).toHaveLength(2);
    expect(paths[0]).toMatch(/^192\.168\.64\.0\/26 +via 10\.0\.0\.101 on eth0 .*\* \(100\/0\) \[AS65020i\]$/);
    expect(paths[1]).toMatch(/^ +via 10\.0\.0\.102 on eth0 /);
    expect(text).toContain('BGP.originator_id: 10.0.0.102');
  });

  it('installs ECMP over both routers, and says why the best is r1', () => {
    expect(ipRouteOf(converged, 'node-1')).toContain(
      `${FAR_BLOCK} proto bird \n\tnexthop via 10.0.0.101 dev eth0 weight 1 \n\tnexthop via 10.0.0.102 dev eth0 weight 1`,
    );
    const explained = explainRoute(converged, 'node-1', prefix);
    expect(explained).toContain(`${FAR_BLOCK} on node-1: 2 candidates`);
    expect(explained).toMatch(/ecmp {3}via 10\.0\.0\.102 from rr \(Node_10_0_0_2, iBGP\)/);
    expect(explained).toContain('Decided by: router-id');
  });

  it("keeps r2's path, already held, when r1 stops: the route changes and is never withdrawn", () => {
    const after = run(design, 400);
    expect(ipRouteOf(after, 'node-1')).toContain(`${FAR_BLOCK} via 10.0.0.102 dev eth0 proto bird`);
    const changes = after.network.timeline.filter((e) => e.speaker === 'node-1' && e.prefix === FAR_BLOCK);
    expect(changes.map((e) => e.text)).toEqual(['added', 'changed']);
  });
});

/** add-path.yaml's design, with the routers' own ADD-PATH option towards rr as given. */
function behindTwoRouters(addPaths: boolean) {
  const router = (name: string, last: number) => ({
    name,
    asNumber: 64512,
    interfaces: [{ address: `10.0.0.${last}/24` }, { address: `10.0.1.${last}/24` }],
    peers: [{ node: 'far' }, { node: 'rr', addPaths }],
  });
  return topology({
    cluster: { bgp: { asNumber: 64512, nodeToNodeMeshEnabled: false } },
    pools: [{ name: 'default-ipv4-ippool', cidr: '192.168.0.0/16', ipipMode: 'Never' }],
    nodes: [
      {
        name: 'rr',
        address: '10.0.0.2/24',
        routeReflectorClusterID: '244.0.0.1',
        labels: { 'route-reflector': 'true' },
      },
      { name: 'node-1', address: '10.0.0.11/24' },
      { name: 'far', address: '10.0.1.20/24', asNumber: 65020, labels: { far: 'true' } },
    ],
    routers: [router('r1', 101), router('r2', 102)],
    peers: [
      { name: 'clients', nodeSelector: '!has(route-reflector) && !has(far)', peerSelector: 'has(route-reflector)' },
      { name: 'far-r1', node: 'far', peerIP: '10.0.1.101', asNumber: 64512 },
      { name: 'far-r2', node: 'far', peerIP: '10.0.1.102', asNumber: 64512 },
      { name: 'rr-r1', node: 'rr', peerIP: '10.0.0.101', asNumber: 64512 },
      { name: 'rr-r2', node: 'rr', peerIP: '10.0.0.102', asNumber: 64512 },
    ],
    pods: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'f' },
        spec: { nodeName: 'far', containers: [{ name: 'web', image: 'nginx' }] },
      },
    ],
  });
}

describe("a router's own ADD-PATH option (addPaths, off by default as in BIRD)", () => {
  const pathsAtR1 = (addPaths: boolean) =>
    showRoute(run(behindTwoRouters(addPaths), 59), 'r1', 0, { prefix, all: true })
      .split('\n')
      .filter((line) => / \[\S+ \d\d:\d\d:\d\d/.test(line))
      .map((line) => line.replace(/^\S*\s+/, '').replace(/ \d\d:\d\d:\d\d.*/, ''));

  it("negotiated with rr: r1 also holds r2's path, which rr sends besides r1's own", () => {
    expect(pathsAtR1(true)).toEqual(['via 10.0.1.20 on eth1 [Far', 'via 10.0.0.102 on eth0 [Rr']);
    expect(birdConfig(run(behindTwoRouters(true), 1), 'r1')).toContain(
      'ipv4 { import all; export where source = RTS_BGP; next hop self ebgp; add paths on; };',
    );
  });

  it('off: rr sends r1 its best alone, which came from r1, so nothing; clients still get both paths', () => {
    expect(pathsAtR1(false)).toEqual(['via 10.0.1.20 on eth1 [Far']);
    expect(birdConfig(run(behindTwoRouters(false), 1), 'r1')).not.toContain('add paths');
    const sim = run(behindTwoRouters(false), 59);
    expect(ipRouteOf(sim, 'node-1')).toContain('nexthop via 10.0.0.101 dev eth0 weight 1 \n\tnexthop via 10.0.0.102');
  });
});

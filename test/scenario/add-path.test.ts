/**
 * ADD-PATH (Calico's `add paths on`): a reflector behind two routers sends its clients both
 * paths, so a client holds two paths from one peer, installs ECMP over both routers, and keeps
 * the second when the first router goes. test/conformance/add-path.yaml is the same design,
 * checked against BIRD 2 (both phases agree).
 */
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/core/net/index.js';
import { explainRoute, showRoute } from '../../src/io/format/bgp.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from '../helpers/cli.js';
import { ipRouteOf, run } from '../helpers/sim.js';

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

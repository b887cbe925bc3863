/**
 * The conformance suite reads BIRD's own output; these are its readers on text captured from
 * BIRD 2.0.12 in the suite's namespaces (rr-two-clusters), with a second route added for a prefix
 * as BIRD prints alternatives.
 */
import { describe, expect, it } from 'vitest';
import { compareViews, observedView, parseProtocols, parseRoutes, predictedView } from '../../src/conformance/views.js';
import { simulate } from '../../src/core/bgp/simulate.js';
import { buildFib } from '../../src/core/fib/index.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from '../helpers/cli.js';

const PROTOCOLS = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     20:39:59.471  
static1    Static     master4    up     20:39:59.471  
kernel1    Kernel     master4    up     20:39:59.471  
Node_10_0_0_2 BGP        ---        up     20:40:01.065  Established   
Node_10_0_0_3 BGP        ---        start  20:40:01.065  Active        Socket: Connection refused
`;

const ROUTES = `BIRD 2.0.12 ready.
Table master4:
192.168.33.192/26    unicast [Node_10_0_0_3 20:40:01.248 from 10.0.0.3] * (100) [i]
\tvia 10.0.0.14 on eth0
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 
\tBGP.next_hop: 10.0.0.14
\tBGP.local_pref: 100
\tBGP.originator_id: 10.0.0.14
\tBGP.cluster_list: 244.0.0.2
                     unicast [Node_10_0_0_2 20:40:02.001] (100) [AS65001i]
\tvia 10.0.0.2 on eth0
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 65001
\tBGP.next_hop: 10.0.0.2
\tBGP.local_pref: 100
192.168.111.64/26    blackhole [static1 20:39:59.501] * (200)
\tType: static univ
`;

/** A conformance topology simulated until a moment. */
function simulated(file: string, until: number) {
  const loaded = loadTopology(repoPath('test/conformance', file), nodeFileSystem);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return simulate(loaded.topology, [], { until });
}

describe('conformance readers of BIRD output', () => {
  it('reads which BGP protocols are Established', () => {
    expect(parseProtocols(PROTOCOLS)).toEqual(
      new Map([
        ['Node_10_0_0_2', true],
        ['Node_10_0_0_3', false],
      ]),
    );
  });

  it('reads every route of a prefix with its attributes, the primary marked', () => {
    expect(parseRoutes(ROUTES)).toEqual([
      {
        prefix: '192.168.33.192/26',
        protocol: 'Node_10_0_0_3',
        primary: true,
        kind: 'unicast',
        nextHop: '10.0.0.14',
        asPath: [],
        originator: '10.0.0.14',
        clusterList: ['244.0.0.2'],
      },
      {
        prefix: '192.168.33.192/26',
        protocol: 'Node_10_0_0_2',
        primary: false,
        kind: 'unicast',
        nextHop: '10.0.0.2',
        asPath: ['65001'],
        originator: '',
        clusterList: [],
      },
      {
        prefix: '192.168.111.64/26',
        protocol: 'static1',
        primary: true,
        kind: 'blackhole',
        nextHop: '',
        asPath: [],
        originator: '',
        clusterList: [],
      },
    ]);
  });
});

describe('the comparison can fail', () => {
  const sim = simulated('unresolvable.yaml', 300);
  // `ip route` in node-1's namespace, as BIRD 2.0.12 left it in the suite.
  const IP_ROUTE = [
    '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.11',
    'blackhole 192.168.61.0/26 proto bird metric 32',
    'unreachable 192.168.247.0/26 proto bird metric 32',
    '',
  ].join('\n');

  it('keeps the unreachable kernel route BIRD installs for a next hop it cannot resolve, as podnet predicts it', () => {
    const observed = observedView(sim, '', '', IP_ROUTE);
    expect(observed.kernel).toEqual(
      new Map([
        ['192.168.61.0/26', 'blackhole'],
        ['192.168.247.0/26', 'unreachable'],
      ]),
    );
    const predicted = predictedView(sim, 'node-1');
    const kernel = compareViews(predicted, observed).filter((d) => d.aspect === 'kernel');
    expect(kernel.every((d) => d.predicted === d.real)).toBe(true);
  });

  it('reports a difference when the prediction leaves the unreachable route out', () => {
    const wrong = predictedView(sim, 'node-1');
    wrong.kernel.delete('192.168.247.0/26');
    const differences = compareViews(wrong, observedView(sim, '', '', IP_ROUTE)).filter(
      (d) => d.aspect === 'kernel' && d.predicted !== d.real,
    );
    expect(differences).toEqual([{ aspect: 'kernel', key: '192.168.247.0/26', real: 'unreachable' }]);
  });
});

describe('the comparison can fail on ADD-PATH alternatives', () => {
  const sim = simulated('add-path.yaml', 59);
  // node-1's namespace in the suite, BIRD 2.0.12 on Calico's template: two paths from rr.
  const BIRDC_ROUTES = [
    'BIRD 2.0.12 ready.',
    'Table master4:',
    '192.168.64.0/26      unicast [Node_10_0_0_2 02:13:01.636 from 10.0.0.2] * (100) [AS65020i]',
    '\tvia 10.0.0.101 on eth0',
    '\tType: BGP univ',
    '\tBGP.origin: IGP',
    '\tBGP.as_path: 65020',
    '\tBGP.next_hop: 10.0.0.101',
    '\tBGP.local_pref: 100',
    '\tBGP.originator_id: 10.0.0.101',
    '\tBGP.cluster_list: 244.0.0.1',
    '                     unicast [Node_10_0_0_2 02:13:01.594 from 10.0.0.2] (100) [AS65020i]',
    '\tvia 10.0.0.102 on eth0',
    '\tType: BGP univ',
    '\tBGP.origin: IGP',
    '\tBGP.as_path: 65020',
    '\tBGP.next_hop: 10.0.0.102',
    '\tBGP.local_pref: 100',
    '\tBGP.originator_id: 10.0.0.102',
    '\tBGP.cluster_list: 244.0.0.1',
    '',
  ].join('\n');
  const IP_ROUTE = [
    '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.11 ',
    '192.168.64.0/26 proto bird metric 32 ',
    '\tnexthop via 10.0.0.101 dev eth0 weight 1 ',
    '\tnexthop via 10.0.0.102 dev eth0 weight 1 ',
    '',
  ].join('\n');
  const observed = observedView(sim, '', BIRDC_ROUTES, IP_ROUTE);
  const differing = (predicted: ReturnType<typeof predictedView>) =>
    compareViews(predicted, observed).filter((d) => d.aspect !== 'sessions' && d.predicted !== d.real);

  it('agrees with BIRD: both paths from the reflector, ECMP over both routers', () => {
    expect(observed.alternatives.get('192.168.64.0/26')).toBe(
      'Node_10_0_0_2 via 10.0.0.101; Node_10_0_0_2 via 10.0.0.102',
    );
    expect(observed.kernel.get('192.168.64.0/26')).toBe('via 10.0.0.101,10.0.0.102');
    expect(differing(predictedView(sim, 'node-1'))).toEqual([]);
  });

  it("reports a difference when the prediction holds the reflector's best path alone", () => {
    const wrong = predictedView(sim, 'node-1');
    wrong.alternatives.set('192.168.64.0/26', 'Node_10_0_0_2 via 10.0.0.101');
    wrong.kernel.set('192.168.64.0/26', 'via 10.0.0.101');
    expect(differing(wrong)).toEqual([
      {
        aspect: 'alternatives',
        key: '192.168.64.0/26',
        predicted: 'Node_10_0_0_2 via 10.0.0.101',
        real: 'Node_10_0_0_2 via 10.0.0.101; Node_10_0_0_2 via 10.0.0.102',
      },
      { aspect: 'kernel', key: '192.168.64.0/26', predicted: 'via 10.0.0.101', real: 'via 10.0.0.101,10.0.0.102' },
    ]);
  });
});

describe('what the comparison maps', () => {
  it('expects an IPIP route off the subnet via the gateway (BIRD 2 has no krt_tunnel), and maps nothing else', () => {
    const sim = simulated('cross-subnet.yaml', 59);
    const kernel = predictedView(sim, 'east-1').kernel;
    // podnet's own FIB: west-1's block via west-1 on tunl0, east-2's directly on eth0.
    const fib = buildFib(sim, 'east-1')?.entries ?? [];
    expect(
      fib
        .filter((e) => e.proto === 'bird' && e.kind === 'bgp')
        .map((e) => e.nextHops[0]?.dev)
        .sort(),
    ).toEqual(['eth0', 'tunl0', 'tunl0']);
    expect([...kernel.values()].sort()).toEqual(['blackhole', 'via 10.10.1.1', 'via 10.10.1.1', 'via 10.10.1.12']);
  });
});

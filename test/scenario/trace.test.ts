/** Packets through the labs: each disposition the tracer can give, where it belongs. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Simulation, WorldOp } from '../../src/core/bgp/simulate.js';
import { formatIpv4, parseIpv4 } from '../../src/core/net/index.js';
import type { Topology } from '../../src/core/topology/model.js';
import { resolvePodManifest } from '../../src/core/topology/resolve.js';
import { type Disposition, type Flow, type Trace, Tracer } from '../../src/core/trace/index.js';
import { dispositionText } from '../../src/io/format/trace-words.js';
import { repoPath } from '../helpers/cli.js';
import { lab, run } from '../helpers/sim.js';
import { pod, topology } from '../helpers/topology.js';

/** A disposition with the words a user reads for it. */
function said(disposition: Disposition | undefined): object | undefined {
  return disposition === undefined ? undefined : { ...disposition, detail: dispositionText(disposition) };
}

function podFile(topology: Topology, file: string): WorldOp {
  const resolved = resolvePodManifest(parse(readFileSync(repoPath('topologies/pods', file), 'utf8')), 0, topology);
  if (!resolved.ok) throw new Error(`bad manifest ${file}`);
  return { kind: 'create', at: 10, pod: resolved.pod };
}

function traceBetween(
  sim: Simulation,
  src: string,
  dst: string | number,
  port: number,
  extra: Partial<Flow> = {},
): Trace[] {
  const source = sim.cluster.pod('default', src);
  const target = typeof dst === 'number' ? dst : sim.cluster.pod('default', dst)?.allocation?.ip;
  if (source?.allocation === undefined || target === undefined) throw new Error('trace endpoints missing');
  return new Tracer(sim, sim.until).trace({
    srcPod: `default/${src}`,
    src: source.allocation.ip,
    dst: target,
    protocol: 'TCP',
    port,
    loopback: false,
    ...extra,
  });
}

const stepKinds = (trace: Trace | undefined): string[] =>
  (trace?.hops ?? []).flatMap((h) => h.steps.map((s) => `${h.node}:${s.kind}`));

describe('the seed lab with a second pod on another node', () => {
  const seed = lab('seed-lab.yaml');
  const sim = run(seed, 300, [podFile(seed, 'hello-pod.yml')]);

  it('goes through IPIP with the node addresses outside and ends ACCEPTED on 8080', () => {
    const [trace, ...others] = traceBetween(sim, 'date-pod', 'hello-pod', 8080);
    expect(others).toHaveLength(0);
    expect(said(trace?.disposition)).toMatchObject({ kind: 'ACCEPTED', at: 'default/hello-pod' });
    expect(trace?.hops.map((h) => h.node)).toEqual(['default/date-pod', 'node-1', 'node-2', 'default/hello-pod']);
    const encap = trace?.hops[1]?.steps.find((s) => s.kind === 'ENCAPSULATED');
    expect(
      encap && 'outerSrc' in encap ? [formatIpv4(encap.outerSrc), formatIpv4(encap.outerDst), encap.encap] : [],
    ).toEqual(['10.0.1.11', '10.0.1.12', 'IPIP']);
    expect(trace?.hops[2]?.steps.map((s) => s.kind)).toEqual(['RECEIVED', 'DECAPSULATED', 'FIB_LOOKUP', 'TRANSMITTED']);
    expect(trace?.hops.map((h) => h.ttl)).toEqual([64, 63, 62, 62]);
  });

  it('is CONNECTION_REFUSED on a port nobody listens on', () => {
    expect(said(traceBetween(sim, 'date-pod', 'hello-pod', 9999)[0]?.disposition)).toMatchObject({
      kind: 'CONNECTION_REFUSED',
      detail: 'nothing listens on 9999/TCP in default/hello-pod (listening: hello-ctr 8080/TCP)',
    });
  });

  it('a stopped node: NEIGHBOR_UNREACHABLE while peers still route to it, ACCEPTED again after a restore before eviction', () => {
    const stopped = run(seed, 320, [
      podFile(seed, 'hello-pod.yml'),
      { kind: 'machine', at: 300, name: 'node-2', up: false },
    ]);
    expect(traceBetween(stopped, 'date-pod', 'hello-pod', 8080)[0]?.disposition).toMatchObject({
      kind: 'NEIGHBOR_UNREACHABLE',
      at: 'node-1',
    });
    const restored = run(seed, 700, [
      podFile(seed, 'hello-pod.yml'),
      { kind: 'machine', at: 300, name: 'node-2', up: false },
      { kind: 'machine', at: 630, name: 'node-2', up: true },
    ]);
    expect(traceBetween(restored, 'date-pod', 'hello-pod', 8080)[0]?.disposition.kind).toBe('ACCEPTED');
  });

  it('a bare pod evicted from a stopped node (300 + 40 s later) is gone once the node is back', () => {
    const back = run(seed, 700, [
      podFile(seed, 'hello-pod.yml'),
      { kind: 'machine', at: 300, name: 'node-2', up: false },
      { kind: 'machine', at: 650, name: 'node-2', up: true },
    ]);
    expect(back.cluster.pod('default', 'hello-pod')).toBeUndefined();
    expect(back.cluster.pods().map((p) => p.spec.name)).toEqual(['date-pod']);
  });

  it('leaves the cluster masqueraded to the node address (natOutgoing)', () => {
    const [trace] = traceBetween(sim, 'date-pod', parseIpv4('93.184.216.34') as number, 443);
    expect(said(trace?.disposition)).toMatchObject({
      kind: 'EXITS_NETWORK',
      detail: 'left through 10.0.1.1 with source 10.0.1.11',
    });
    expect(stepKinds(trace)).toContain('node-1:NAT');
  });
});

describe('inside one pod', () => {
  const seed = lab('seed-lab.yaml');
  const sim = run(seed, 300, [podFile(seed, 'sidecar-pod.yml'), podFile(seed, 'port-clash.yml')]);

  it('localhost:80 from the sidecar reaches the web container without any FIB step', () => {
    const [trace] = traceBetween(sim, 'web-with-sidecar', 'web-with-sidecar', 80, {
      loopback: true,
      srcContainer: 'sidecar',
    });
    expect(said(trace?.disposition)).toMatchObject({ kind: 'ACCEPTED', detail: 'web accepted 80/TCP' });
    expect(stepKinds(trace)).toEqual([
      'default/web-with-sidecar:ORIGINATED',
      'default/web-with-sidecar:LOOPBACK',
      'default/web-with-sidecar:DELIVERED',
    ]);
  });

  it('a port two containers declare shows the container that lost the bind', () => {
    const [trace] = traceBetween(sim, 'port-clash', 'port-clash', 80, { loopback: true });
    expect(trace && dispositionText(trace.disposition)).toBe(
      'first accepted 80/TCP; second declared 80 too and lost the bind (address already in use)',
    );
    expect(traceBetween(sim, 'port-clash', 'port-clash', 81, { loopback: true })[0]?.disposition.kind).toBe(
      'CONNECTION_REFUSED',
    );
  });
});

describe('labs', () => {
  it('CrossSubnet encapsulates only between subnets', () => {
    const sim = run(lab('cross-subnet.yaml'), 300);
    expect(stepKinds(traceBetween(sim, 'east-web', 'east-db', 6379)[0])).not.toContain('east-1:ENCAPSULATED');
    const across = traceBetween(sim, 'east-web', 'west-web', 80)[0];
    expect(stepKinds(across)).toContain('east-1:ENCAPSULATED');
    expect(across?.hops.map((h) => h.node)).toEqual([
      'default/east-web',
      'east-1',
      'core',
      'west-1',
      'default/west-web',
    ]);
    expect(across?.disposition.kind).toBe('ACCEPTED');
  });

  it('two racks: delivered via the ToRs when they learned pod routes, NO_ROUTE at the ToR when not', () => {
    const learned = traceBetween(run(lab('two-rack.yaml'), 300), 'client', 'server', 80)[0];
    expect(learned?.hops.map((h) => h.node)).toEqual([
      'default/client',
      'node-1a',
      'tor-1',
      'spine',
      'tor-2',
      'node-2b',
      'default/server',
    ]);
    expect(learned?.disposition.kind).toBe('ACCEPTED');
    const blind = traceBetween(run(lab('two-rack-no-tor-routes.yaml'), 300), 'client', 'server', 80)[0];
    expect(blind?.disposition).toMatchObject({ kind: 'NO_ROUTE', at: 'tor-1' });
  });

  it("a borrowed address whose /32 is missing is NULL_ROUTED by the owner's blackhole, with the reason", () => {
    const tiny = lab('tiny-pool.yaml');
    // Blocking BGP on worker-3 from the start: nobody learns its borrowed /32s.
    const sim = run(tiny, 300, [{ kind: 'port', at: 0, name: 'worker-3', port: 179, blocked: true }]);
    const [trace] = traceBetween(sim, 'app-2', 'app-3', 5678);
    expect(said(trace?.disposition)).toMatchObject({
      kind: 'NULL_ROUTED',
      at: 'worker-2',
      detail:
        "blackhole 10.244.0.0/28 (worker-2's block) matched: 10.244.0.1 is borrowed by worker-3 for default/app-3, but worker-2 has no /32 route for it",
    });
    expect(traceBetween(run(tiny, 300), 'app-2', 'app-3', 5678)[0]?.disposition.kind).toBe('ACCEPTED');
  });

  it('a routing loop built on purpose ends in LOOP', () => {
    const [trace] = traceBetween(run(lab('routing-loop.yaml'), 300), 'probe', parseIpv4('10.99.0.1') as number, 80);
    expect(said(trace?.disposition)).toMatchObject({ kind: 'LOOP', at: 'r1' });
  });

  it('ECMP: two equal eBGP paths fork the trace into two branches, in next-hop order', () => {
    const edge = (name: string, as: number, a: string, b: string) => ({
      name,
      asNumber: as,
      interfaces: [
        { name: 'eth0', address: a },
        { name: 'eth1', address: b },
      ],
      peers: [{ node: 'node-a' }, { node: 'node-b' }],
    });
    const t = topology({
      cluster: { bgp: { nodeToNodeMeshEnabled: false } },
      pools: [{ name: 'p', cidr: '192.168.0.0/16', ipipMode: 'Never' }],
      nodes: [
        { name: 'node-a', address: '10.1.0.11/24', gateway: '10.1.0.1', asNumber: 65101 },
        { name: 'node-b', address: '10.2.0.11/24', gateway: '10.2.0.1', asNumber: 65102 },
      ],
      routers: [
        edge('edge-1', 65001, '10.1.0.1/24', '10.2.0.1/24'),
        edge('edge-2', 65002, '10.1.0.2/24', '10.2.0.2/24'),
      ],
      peers: [
        { name: 'a1', node: 'node-a', peerIP: '10.1.0.1', asNumber: 65001 },
        { name: 'a2', node: 'node-a', peerIP: '10.1.0.2', asNumber: 65002 },
        { name: 'b1', node: 'node-b', peerIP: '10.2.0.1', asNumber: 65001 },
        { name: 'b2', node: 'node-b', peerIP: '10.2.0.2', asNumber: 65002 },
      ],
      pods: [pod('client', { nodeName: 'node-a' }), pod('server', { nodeName: 'node-b' })],
    });
    const traces = traceBetween(run(t, 300), 'client', 'server', 80);
    expect(traces.map((tr) => tr.hops.map((h) => h.node).join(' > '))).toEqual([
      'default/client > node-a > edge-1 > node-b > default/server',
      'default/client > node-a > edge-2 > node-b > default/server',
    ]);
    expect(traces.every((tr) => tr.disposition.kind === 'ACCEPTED')).toBe(true);
  });
});

describe('determinism', () => {
  it('the same inputs trace to the same bytes', () => {
    const a = JSON.stringify(traceBetween(run(lab('two-rack.yaml'), 300), 'client', 'server', 80));
    const b = JSON.stringify(traceBetween(run(lab('two-rack.yaml'), 300), 'client', 'server', 80));
    expect(a).toBe(b);
  });
});

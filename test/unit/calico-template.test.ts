/**
 * The conformance suite runs Calico's own template on the nodes, rendered apart from podnet's
 * peering model. Here, without namespaces: podnet's export writes the same BGP protocols and
 * options as that template for every node of every conformance topology, shipped topology and lab
 * (with its solution), and the
 * comparison reports a departure when there is one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calicoTemplate, templateDifferences } from '../../src/conformance/calico-template.js';
import { simulate } from '../../src/core/bgp/simulate.js';
import { birdConfig } from '../../src/io/bird.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from '../helpers/cli.js';
import { topology, workers } from '../helpers/topology.js';

function simulated(file: string) {
  const loaded = loadTopology(file, nodeFileSystem);
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return simulate(loaded.topology, [], { until: 60 });
}

/** Every topology file below a folder, labs and their solutions included; topologies/broken is wrong on purpose. */
function topologyFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'broken' ? [] : topologyFiles(path);
    return entry.name.endsWith('.yaml') && loadTopology(path, nodeFileSystem).ok ? [path] : [];
  });
}

const files = [...topologyFiles(repoPath('test/conformance')), ...topologyFiles(repoPath('topologies'))];

describe("podnet's export against Calico's template", () => {
  it('writes the same BGP protocols and options for every node of every topology', () => {
    const departures = files.flatMap((file) => {
      const sim = simulated(file);
      return sim.topology.nodes.flatMap((node) =>
        templateDifferences(birdConfig(sim, node.name) as string, calicoTemplate(sim, node.name) as string).map(
          (d) => `${sim.topology.name}/${node.name}: ${d}`,
        ),
      );
    });
    expect(files.length).toBeGreaterThan(40);
    expect(departures).toEqual([]);
  });

  it('renders what confd writes: mesh peers by address, the higher address passive, reflector clients', () => {
    const mesh = calicoTemplate(simulated(repoPath('test/conformance/mesh-4.yaml')), 'node-1') as string;
    expect(mesh).toMatch(
      /protocol bgp Mesh_10_0_0_12 from bgp_template \{\n {2}neighbor 10\.0\.0\.12 as 64512;\n {2}source address 10\.0\.0\.11;\n {2}passive on;\n {2}graceful restart time 120;/,
    );
    const rr = calicoTemplate(simulated(repoPath('test/conformance/rr-one-cluster.yaml')), 'rr-1') as string;
    expect(rr).toMatch(
      /protocol bgp Node_10_0_0_11 from bgp_template \{\n(?: .*\n)*? {2}rr client;\n {2}rr cluster id 244\.0\.0\.1;/,
    );
    expect(rr).not.toContain('protocol bgp Mesh_');
  });

  it('agrees on a listen port other than 179, and on a BGPPeer port', () => {
    const t = topology({
      cluster: { bgp: { listenPort: 1790 } },
      nodes: workers(2),
      peers: [{ name: 'tor', peerIP: '10.0.1.1:1179', asNumber: 65000 }],
    });
    const sim = simulate(t, [], { until: 10 });
    const exported = birdConfig(sim, 'node-1') as string;
    expect(templateDifferences(exported, calicoTemplate(sim, 'node-1') as string)).toEqual([]);
    expect(exported).toContain('  local port 1790 as 64512;\n');
    expect(exported).toContain('  neighbor 10.0.1.12 port 1790 as 64512;\n');
    expect(exported).toContain(
      'protocol bgp Global_10_0_1_1_port_1179 from bgp_template {\n  neighbor 10.0.1.1 port 1179 as 65000;',
    );
  });

  it('follows confd on peerings to a node: the reverse peering of a peerIP, a peerIP made a client, ports in names', () => {
    const t = topology({
      cluster: { bgp: { nodeToNodeMeshEnabled: false, listenPort: 1790 } },
      nodes: [
        { name: 'rr-1', address: '10.0.1.2/24', routeReflectorClusterID: '244.0.0.1', labels: { rr: 'yes' } },
        { name: 'rr-2', address: '10.0.1.3/24', routeReflectorClusterID: '244.0.0.1', labels: { rr: 'yes' } },
        ...workers(2),
      ],
      peers: [
        { name: 'to-rr', nodeSelector: '!has(rr)', peerSelector: 'has(rr)' },
        { name: 'rr-pair', node: 'rr-1', peerIP: '10.0.1.3', asNumber: 64512 },
      ],
    });
    const sim = simulate(t, [], { until: 30 });
    for (const node of t.nodes)
      expect(
        templateDifferences(birdConfig(sim, node.name) as string, calicoTemplate(sim, node.name) as string),
      ).toEqual([]);
    const rr2 = birdConfig(sim, 'rr-2') as string;
    // rr-1's peerIP peering reaches rr-2, a node: confd adds the way back, and rr-1 makes rr-2 a client.
    expect(rr2).toContain('protocol bgp Node_10_0_1_2_port_1790 from bgp_template {');
    expect(birdConfig(sim, 'rr-1')).toMatch(/protocol bgp Node_10_0_1_3_port_1790 [^}]*rr client;/);
    expect(birdConfig(sim, 'node-1')).toContain('protocol bgp Node_10_0_1_2_port_1790 from bgp_template {');
    const rr1 = sim.peering.byName.get('rr-1') as number;
    const toRr2 = sim.network
      .neighborsOfSpeaker(rr1)
      .map((i) => sim.network.neighbor(i))
      .find((n) => n.name === 'Node_10_0_1_3_port_1790');
    expect(sim.network.sessions[toRr2?.session ?? -1]?.state).toBe('Established');
  });

  it('reports a departure: an option or a protocol only one side has', () => {
    const sim = simulated(repoPath('test/conformance/mesh-4.yaml'));
    const template = calicoTemplate(sim, 'node-1') as string;
    const exported = birdConfig(sim, 'node-1') as string;
    expect(templateDifferences(exported.replace('  passive on;\n', ''), template)).toEqual([
      "Mesh_10_0_0_12: export bird [], Calico's template [passive on;]",
    ]);
    expect(templateDifferences(exported.replace(/protocol bgp Mesh_10_0_0_14 [\s\S]*?\n\}\n/, ''), template)).toEqual([
      "Mesh_10_0_0_14: only in Calico's template",
    ]);
  });
});

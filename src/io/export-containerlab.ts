/**
 * The topology as a containerlab lab: one Linux container running BIRD 2 per node and router,
 * configured with the file `export bird` writes for it, and one Linux bridge per segment. Each
 * machine's interfaces become eth1, eth2, … in topology order (containerlab keeps eth0 for its
 * management network); addresses and routes to the other segments are set by `exec` after deploy.
 * Pods are not containers: each pod's address sits on a dummy interface of its node, so that
 * ping and traceroute between pod addresses follow the routes BIRD installed.
 * Left out: IPIP and VXLAN (BIRD 2 cannot point routes at tunl0, see bird.ts), so pod traffic
 * crosses the lab unencapsulated.
 */

import { stringify } from 'yaml';
import type { Simulation } from '../core/bgp/simulate.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { machineInterfaces, type RouterInterface } from '../core/topology/model.js';
import { birdConfig } from './bird.js';

export const BIRD_IMAGE = 'podnet-bird:2';

/** Linux bridge names are at most 15 characters: pn<segment index>-<cluster name, cut to 9>. */
function bridgeName(sim: Simulation, segmentIndex: number): string {
  return `pn${segmentIndex}-${sim.topology.name.replace(/[^a-z0-9]/g, '').slice(0, 9)}`;
}

function execCommands(sim: Simulation, machine: string, interfaces: readonly RouterInterface[]): string[] {
  const commands = interfaces.flatMap((iface, i) => [
    `ip addr add ${formatIpv4(iface.ip)}/${iface.subnet.len} dev eth${i + 1}`,
    `ip link set eth${i + 1} up`,
  ]);
  const node = sim.topology.nodes.find((n) => n.name === machine);
  if (node?.gateway !== undefined) {
    // The node reaches other segments through its gateway, as its default route would on a real host.
    for (const segment of sim.topology.segments.filter((s) => s.name !== node.segment))
      commands.push(`ip route add ${formatCidr(segment.cidr)} via ${formatIpv4(node.gateway)}`);
  }
  const pods = sim.cluster.pods().filter((p) => p.nodeName === machine && p.allocation !== undefined);
  if (pods.length > 0) {
    commands.push(
      'ip link add pods type dummy',
      ...pods.map((p) => `ip addr add ${formatIpv4(p.allocation?.ip as number)}/32 dev pods`),
      'ip link set pods up',
    );
  }
  if (sim.topology.routers.some((r) => r.name === machine)) commands.push('sysctl -w net.ipv4.ip_forward=1');
  return commands;
}

/** File name -> text: the .clab.yml, a BIRD config per machine, the image's Dockerfile and a README. */
export function containerlabFiles(sim: Simulation): Map<string, string> {
  const files = new Map<string, string>();
  const nodes: Record<string, object> = {};
  const links: { endpoints: [string, string] }[] = [];
  const segmentIndex = new Map(sim.topology.segments.map((s, i) => [s.name, i]));
  for (const [i] of sim.topology.segments.entries()) nodes[bridgeName(sim, i)] = { kind: 'bridge' };
  for (const speaker of sim.peering.speakers) {
    const interfaces = machineInterfaces(sim.topology, speaker.name);
    files.set(`bird/${speaker.name}.conf`, birdConfig(sim, speaker.name) as string);
    nodes[speaker.name] = {
      kind: 'linux',
      image: BIRD_IMAGE,
      group: speaker.kind,
      binds: [`bird/${speaker.name}.conf:/etc/bird/bird.conf:ro`],
      exec: execCommands(sim, speaker.name, interfaces),
      labels: { 'podnet.kind': speaker.kind, 'podnet.as': String(speaker.asNumber) },
    };
    interfaces.forEach((iface, i) => {
      links.push({
        endpoints: [
          `${speaker.name}:eth${i + 1}`,
          `${bridgeName(sim, segmentIndex.get(iface.segment) as number)}:pn${speaker.index}x${i + 1}`,
        ],
      });
    });
  }
  const name = sim.topology.name;
  files.set(
    `${name}.clab.yml`,
    `# containerlab topology for cluster ${name}, written by podnet export containerlab.\n${stringify({ name, topology: { nodes, links } })}`,
  );
  files.set(
    'Dockerfile',
    [
      '# The image every machine of the lab runs: BIRD 2 and iproute2 from Debian.',
      'FROM debian:bookworm-slim',
      'RUN apt-get update && apt-get install -y --no-install-recommends bird2 iproute2 procps && rm -rf /var/lib/apt/lists/*',
      'RUN mkdir -p /run/bird',
      'CMD ["bird", "-f", "-c", "/etc/bird/bird.conf", "-s", "/run/bird/bird.ctl"]',
      '',
    ].join('\n'),
  );
  const bridges = sim.topology.segments.map(
    (s, i) =>
      `sudo ip link add ${bridgeName(sim, i)} type bridge && sudo ip link set ${bridgeName(sim, i)} up   # ${s.name} ${formatCidr(s.cidr)}`,
  );
  files.set(
    'README.md',
    [
      `# ${name} on containerlab`,
      '',
      'Written by `podnet export containerlab`: the same nodes, routers, segments and BGP sessions as the simulation, with real BIRD 2.',
      '',
      '```sh',
      `docker build -t ${BIRD_IMAGE} .`,
      ...bridges,
      `sudo containerlab deploy -t ${name}.clab.yml`,
      `docker exec clab-${name}-${sim.peering.speakers[0]?.name ?? 'node'} birdc -s /run/bird/bird.ctl show protocols`,
      `sudo containerlab destroy -t ${name}.clab.yml`,
      '```',
      '',
      'Compare `birdc show route` and `ip route` in each container with `podnet bgp routes NODE` and `podnet routes NODE`.',
      'Pod traffic is not encapsulated here (BIRD 2 cannot program tunl0), so IPIP and VXLAN labs route pod addresses directly.',
      ...(sim.topology.policies.length > 0
        ? [
            `Network policy is not reproduced here: the topology's ${sim.topology.policies.length} ${sim.topology.policies.length === 1 ? 'policy needs' : 'policies need'} Felix, and these containers run only BIRD. Ask \`podnet trace\` and \`podnet policy explain\` instead.`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  return files;
}

/**
 * The topology as the manifests a real Kubernetes cluster running Calico takes: IPPools, the
 * default BGPConfiguration and IPAMConfiguration, BGPPeers and Calico Nodes (projectcalico.org/v3,
 * for `calicoctl apply -f` or the Calico API server), and the Pods (v1, for `kubectl apply -f`).
 * Routers are not Kubernetes objects: they appear only as the peers the BGPPeers name.
 * Deployments are written as the Pods they expanded to, with the names the simulation used.
 */

import { stringify } from 'yaml';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import type { PodSpec, Topology } from '../core/topology/model.js';
import { effectiveAs } from '../core/topology/model.js';

type Manifest = Record<string, unknown>;

const CALICO_API = 'projectcalico.org/v3';

function ipPools(topology: Topology): Manifest[] {
  return topology.pools.map((pool) => ({
    apiVersion: CALICO_API,
    kind: 'IPPool',
    metadata: { name: pool.name },
    spec: {
      cidr: formatCidr(pool.cidr),
      blockSize: pool.blockSize,
      ipipMode: pool.ipipMode,
      vxlanMode: pool.vxlanMode,
      natOutgoing: pool.natOutgoing,
      nodeSelector: pool.nodeSelectorText,
      disabled: pool.disabled,
      disableBGPExport: pool.disableBGPExport,
    },
  }));
}

function clusterSettings(topology: Topology): Manifest[] {
  return [
    {
      apiVersion: CALICO_API,
      kind: 'BGPConfiguration',
      metadata: { name: 'default' },
      spec: {
        logSeverityScreen: 'Info',
        nodeToNodeMeshEnabled: topology.bgp.nodeToNodeMeshEnabled,
        asNumber: topology.bgp.asNumber,
        listenPort: topology.bgp.listenPort,
      },
    },
    {
      apiVersion: CALICO_API,
      kind: 'IPAMConfiguration',
      metadata: { name: 'default' },
      spec: {
        strictAffinity: topology.ipam.strictAffinity,
        maxBlocksPerHost: topology.ipam.maxBlocksPerHost,
        autoAllocateBlocks: topology.ipam.autoAllocateBlocks,
      },
    },
  ];
}

function bgpPeers(topology: Topology): Manifest[] {
  return topology.peers.map((peer) => ({
    apiVersion: CALICO_API,
    kind: 'BGPPeer',
    metadata: { name: peer.name },
    spec: {
      ...(peer.node !== undefined ? { node: peer.node } : {}),
      ...(peer.nodeSelectorText !== undefined ? { nodeSelector: peer.nodeSelectorText } : {}),
      ...(peer.peerIP !== undefined
        ? { peerIP: `${formatIpv4(peer.peerIP)}${peer.peerPort !== undefined ? `:${peer.peerPort}` : ''}` }
        : {}),
      ...(peer.peerSelectorText !== undefined ? { peerSelector: peer.peerSelectorText } : {}),
      ...(peer.asNumber !== undefined ? { asNumber: peer.asNumber } : {}),
      ...(peer.nextHopMode !== 'Auto' ? { nextHopMode: peer.nextHopMode } : {}),
    },
  }));
}

function calicoNodes(topology: Topology): Manifest[] {
  return topology.nodes.map((node) => ({
    apiVersion: CALICO_API,
    kind: 'Node',
    metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, ...node.labels } },
    spec: {
      bgp: {
        ipv4Address: `${formatIpv4(node.ip)}/${node.subnet.len}`,
        ...(node.asNumber !== undefined ? { asNumber: effectiveAs(topology, node) } : {}),
        ...(node.routeReflectorClusterID !== undefined
          ? { routeReflectorClusterID: formatIpv4(node.routeReflectorClusterID) }
          : {}),
      },
    },
  }));
}

function pod(spec: PodSpec): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
    },
    spec: {
      ...(spec.nodeName !== undefined ? { nodeName: spec.nodeName } : {}),
      ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.tolerations.length > 0 ? { tolerations: spec.tolerations } : {}),
      restartPolicy: spec.restartPolicy,
      containers: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.command !== undefined ? { command: c.command } : {}),
        ...(c.args !== undefined ? { args: c.args } : {}),
        ...(c.ports.length > 0
          ? {
              ports: c.ports.map((p) => ({
                containerPort: p.port,
                protocol: p.protocol,
                ...(p.name !== undefined ? { name: p.name } : {}),
              })),
            }
          : {}),
      })),
    },
  };
}

function documents(manifests: readonly Manifest[]): string {
  return manifests.map((m) => stringify(m)).join('---\n');
}

/** File name -> YAML text, in the order to apply them. */
export function calicoManifests(topology: Topology): Map<string, string> {
  const files = new Map<string, string>([
    ['01-bgpconfiguration.yaml', documents(clusterSettings(topology))],
    ['02-ippools.yaml', documents(ipPools(topology))],
    ['03-nodes.yaml', documents(calicoNodes(topology))],
  ]);
  if (topology.peers.length > 0) files.set('04-bgppeers.yaml', documents(bgpPeers(topology)));
  if (topology.pods.length > 0) files.set('05-pods.yaml', documents(topology.pods.map(pod)));
  return files;
}

/**
 * The topology as the manifests a real Kubernetes cluster running Calico takes: IPPools, the
 * default BGPConfiguration and IPAMConfiguration, BGPPeers and Calico Nodes (projectcalico.org/v3,
 * for `calicoctl apply -f` or the Calico API server), and the Pods and controllers (for `kubectl apply -f`).
 * Routers are not Kubernetes objects: they appear only as the peers the BGPPeers name.
 * Controllers (ReplicationController, ReplicaSet, Deployment) are written as controllers, and the
 * pods they own are left to them; bare Pods are written as Pods. Namespaces come first
 * (00-namespaces.yaml); Tiers and policies of both APIs last, as written (07-policies.yaml).
 */

import { stringify } from 'yaml';
import { BUILTIN_NAMESPACES } from '../core/cluster/policies.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { byCodeUnit } from '../core/order.js';
import type { Labels } from '../core/selector/index.js';
import type { ContainerSpec, IntOrPercent, PodSpec, Topology, WorkloadSpec } from '../core/topology/model.js';
import { effectiveAs } from '../core/topology/model.js';
import type { TierSpec } from '../core/topology/policy-model.js';
import { labelSelectorObject } from './format/workloads.js';

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

function container(c: ContainerSpec): Manifest {
  const probe = c.readinessProbe;
  return {
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
            ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
          })),
        }
      : {}),
    ...(probe === undefined
      ? {}
      : {
          readinessProbe: {
            ...(probe.kind === 'httpGet'
              ? {
                  httpGet: {
                    port: probe.port,
                    ...(probe.path !== undefined ? { path: probe.path } : {}),
                    ...(probe.scheme !== undefined ? { scheme: probe.scheme } : {}),
                  },
                }
              : { tcpSocket: { port: probe.port } }),
            initialDelaySeconds: probe.initialDelaySeconds,
            periodSeconds: probe.periodSeconds,
            successThreshold: probe.successThreshold,
          },
        }),
  };
}

function podSpec(spec: PodSpec): Manifest {
  return {
    ...(spec.nodeName !== undefined ? { nodeName: spec.nodeName } : {}),
    ...(spec.hostNetwork ? { hostNetwork: true } : {}),
    ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.tolerations.length > 0 ? { tolerations: spec.tolerations } : {}),
    restartPolicy: spec.restartPolicy,
    ...(spec.initContainers !== undefined ? { initContainers: spec.initContainers.map(container) } : {}),
    containers: spec.containers.map(container),
  };
}

function objectMeta(spec: { name: string; namespace: string; labels: Labels; annotations: Labels }): Manifest {
  return {
    name: spec.name,
    namespace: spec.namespace,
    ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
    ...(Object.keys(spec.annotations).length > 0 ? { annotations: spec.annotations } : {}),
  };
}

function pod(spec: PodSpec): Manifest {
  return { apiVersion: 'v1', kind: 'Pod', metadata: objectMeta(spec), spec: podSpec(spec) };
}

/** A ReplicationController, ReplicaSet or Deployment as written: the cluster's controllers make the pods. */
function workload(spec: WorkloadSpec): Manifest {
  const selector = labelSelectorObject(spec.selector);
  const strategy =
    spec.strategy.type === 'Recreate'
      ? { type: 'Recreate' }
      : {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: amount(spec.strategy.maxSurge),
            maxUnavailable: amount(spec.strategy.maxUnavailable),
          },
        };
  return {
    apiVersion: spec.kind === 'ReplicationController' ? 'v1' : 'apps/v1',
    kind: spec.kind,
    metadata: objectMeta(spec),
    spec: {
      replicas: spec.replicas,
      selector: spec.kind === 'ReplicationController' ? selector.matchLabels : selector,
      ...(spec.minReadySeconds > 0 ? { minReadySeconds: spec.minReadySeconds } : {}),
      ...(spec.kind === 'Deployment' ? { strategy, revisionHistoryLimit: spec.revisionHistoryLimit } : {}),
      template: {
        metadata: {
          labels: spec.template.labels,
          ...(Object.keys(spec.template.annotations).length > 0 ? { annotations: spec.template.annotations } : {}),
        },
        spec: podSpec(spec.template),
      },
    },
  };
}

function amount(value: IntOrPercent): number | string {
  return 'count' in value ? value.count : `${value.percent}%`;
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
  const bare = topology.pods.filter((spec) => spec.owner === undefined);
  if (bare.length > 0) files.set('05-pods.yaml', documents(bare.map(pod)));
  if (topology.workloads.length > 0) files.set('06-workloads.yaml', documents(topology.workloads.map(workload)));
  const namespaces = namespaceManifests(topology);
  if (namespaces.length > 0) files.set('00-namespaces.yaml', documents(namespaces));
  const policies = [...topology.tiers.map(tier), ...topology.policies.map((p) => p.manifest)];
  if (policies.length > 0) files.set('07-policies.yaml', documents(policies));
  return new Map([...files].sort(([a], [b]) => byCodeUnit(a, b)));
}

/** The namespaces pods, controllers and policies live in, beyond kubeadm's own, with their labels. */
function namespaceManifests(topology: Topology): Manifest[] {
  const written = new Map(topology.namespaces.map((n) => [n.name, n.labels]));
  const used = [
    ...topology.pods.map((p) => p.namespace),
    ...topology.workloads.map((w) => w.namespace),
    ...topology.policies.flatMap((p) => (p.namespace === undefined ? [] : [p.namespace])),
    ...written.keys(),
  ];
  return [...new Set(used)]
    .filter((name) => !BUILTIN_NAMESPACES.includes(name))
    .sort(byCodeUnit)
    .map((name) => {
      const labels = written.get(name) ?? {};
      return {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
      };
    });
}

function tier(spec: TierSpec): Manifest {
  return {
    apiVersion: CALICO_API,
    kind: 'Tier',
    metadata: { name: spec.name },
    spec: { ...(spec.order !== undefined ? { order: spec.order } : {}), defaultAction: spec.defaultAction },
  };
}

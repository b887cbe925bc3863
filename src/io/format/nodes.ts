/**
 * `kubectl describe node`: who the node is, its taints and conditions as the node controller last
 * set them, its addresses, the pods on it (Terminating ones are not "non-terminated"), and the
 * NodeNotReady / NodeReady events of its outages. Built from the Node object `get -o json` prints,
 * so the two always agree.
 */
import type { Cluster, NodeRecord } from '../../core/cluster/index.js';
import type { PodEvent } from '../../core/cluster/lifecycle.js';
import { byCodeUnit } from '../../core/order.js';
import { describeEvents, type Moment, nodeObject } from './kubectl.js';
import { KUBECTL_DESCRIBE, tabwrite } from './tabwriter.js';
import { humanDuration, rfc1123z } from './time.js';

interface NodeShape {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: { podCIDR?: string; taints?: { key: string; effect: string; value?: string }[]; unschedulable?: boolean };
  status: {
    addresses: { address: string; type: string }[];
    conditions: { type: string; status: string; reason: string; message: string }[];
    nodeInfo: Record<string, string>;
  };
}

function listed(key: string, values: readonly string[]): string[] {
  if (values.length === 0) return [`${key}\t<none>`];
  return values.map((value, i) => (i === 0 ? `${key}\t${value}` : `\t${value}`));
}

function nodeEvents(cluster: Cluster, name: string, now: number): PodEvent[] {
  const event = (reason: string, from: string, at: number): PodEvent => ({
    type: 'Normal',
    reason,
    from,
    message: `Node ${name} status is now: ${reason}`,
    first: at,
    last: at,
    count: 1,
  });
  return cluster
    .nodeTransitions(name, now)
    .flatMap(({ notReady, ready }) => [
      event('NodeNotReady', 'node-controller', notReady),
      ...(ready === undefined ? [] : [event('NodeReady', 'kubelet', ready)]),
    ]);
}

export function describeNode(cluster: Cluster, record: NodeRecord, moment: Moment): string {
  const object = nodeObject(cluster, record, moment) as unknown as NodeShape;
  const { node } = record;
  const labels = Object.entries(object.metadata.labels)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([k, v]) => `${k}=${v}`);
  const annotations = Object.entries(object.metadata.annotations).map(([k, v]) => `${k}: ${v}`);
  const taints = (object.spec.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  const pods = cluster
    .podsOn(node.name)
    .filter((pod) => cluster.statusAt(pod, moment.now).deletionTimestamp === undefined)
    .sort((a, b) => byCodeUnit(a.spec.namespace, b.spec.namespace) || byCodeUnit(a.spec.name, b.spec.name));
  const info = object.status.nodeInfo;
  const lines = [
    `Name:\t${node.name}`,
    `Roles:\t${node.role === 'control-plane' ? 'control-plane' : '<none>'}`,
    ...listed('Labels:', labels),
    ...listed('Annotations:', annotations),
    `CreationTimestamp:\t${rfc1123z(moment.epochMs)}`,
    ...listed('Taints:', taints),
    `Unschedulable:\t${object.spec.unschedulable === true}`,
    'Conditions:',
    '  Type\tStatus\tReason\tMessage',
    '  ----\t------\t------\t-------',
    ...object.status.conditions.map((c) => `  ${c.type}\t${c.status}\t${c.reason}\t${c.message}`),
    'Addresses:',
    ...object.status.addresses.map((a) => `  ${a.type}:\t${a.address}`),
    'System Info:',
    `  Kernel Version:\t${info['kernelVersion']}`,
    `  OS Image:\t${info['osImage']}`,
    `  Container Runtime Version:\t${info['containerRuntimeVersion']}`,
    `  Kubelet Version:\t${info['kubeletVersion']}`,
    ...(object.spec.podCIDR === undefined ? [] : [`PodCIDR:\t${object.spec.podCIDR}`]),
    `Non-terminated Pods:\t(${pods.length} in total)`,
    '  Namespace\tName\tAge',
    '  ---------\t----\t---',
    ...pods.map((pod) => `  ${pod.spec.namespace}\t${pod.spec.name}\t${humanDuration(moment.now - pod.createdAt)}`),
  ];
  return `${tabwrite(lines.join('\n'), KUBECTL_DESCRIBE)}\n${describeEvents(nodeEvents(cluster, node.name, moment.now), moment.now)}`;
}

/**
 * kubectl's layouts: `get pods` (plain, wide, all namespaces), `get nodes`, `describe pod`, and
 * the JSON/YAML objects of `-o json|yaml`, rendered from the cluster at a simulated moment.
 */

import { createHash } from 'node:crypto';
import type { Cluster, NodeRecord, PodRecord } from '../../core/cluster/index.js';
import type { ContainerState, PodEvent, PodStatus } from '../../core/cluster/lifecycle.js';
import { UNSCHEDULABLE_TAINT } from '../../core/cluster/scheduler.js';
import { formatIpv4 } from '../../core/net/index.js';
import { byCodeUnit } from '../../core/order.js';
import { normalizeImage } from '../../core/topology/images.js';
import type { ContainerSpec } from '../../core/topology/model.js';
import { KUBECTL_DESCRIBE, kubectlTable, tabwrite } from './tabwriter.js';
import { humanDuration, rfc1123z, rfc3339 } from './time.js';

/** A moment to render at: simulated seconds, and the wall-clock epoch simulated time 0 maps to. */
export interface Moment {
  readonly now: number;
  readonly epochMs: number;
}

export const KUBERNETES_VERSION = 'v1.31.2';

function restartsText(status: PodStatus, now: number): string {
  if (status.restarts === 0 || status.lastRestartAt === undefined) return String(status.restarts);
  return `${status.restarts} (${humanDuration(now - status.lastRestartAt)} ago)`;
}

/** A LABELS cell as `--show-labels` prints it: key=value pairs sorted by key, or <none>. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => byCodeUnit(a, b));
  return pairs.length === 0 ? '<none>' : pairs.map(([key, value]) => `${key}=${value}`).join(',');
}

/** The labels the kubelet and kubeadm put on a node, then the topology's own. */
export function nodeLabels(node: NodeRecord['node']): Record<string, string> {
  return {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    ...(node.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    ...node.labels,
  };
}

export function podIp(record: PodRecord): string | undefined {
  return record.podIp === undefined ? undefined : formatIpv4(record.podIp);
}

export function getPods(
  cluster: Cluster,
  records: readonly PodRecord[],
  moment: Moment,
  options: { wide: boolean; allNamespaces: boolean; showLabels: boolean; prefix?: string },
): string {
  const header = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'AGE',
    ...(options.wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : []),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
  const rows = records.map((record) => {
    const status = cluster.statusAt(record, moment.now);
    return [
      ...(options.allNamespaces ? [record.spec.namespace] : []),
      `${options.prefix ?? ''}${record.spec.name}`,
      `${status.readyContainers}/${record.spec.containers.length}`,
      status.display,
      restartsText(status, moment.now),
      humanDuration(moment.now - record.createdAt),
      ...(options.wide ? [podIp(record) ?? '<none>', record.nodeName ?? '<none>', '<none>', '<none>'] : []),
      ...(options.showLabels ? [formatLabels(record.spec.labels)] : []),
    ];
  });
  return kubectlTable(header, rows);
}

export function getNodes(
  cluster: Cluster,
  shown: readonly NodeRecord[],
  moment: Moment,
  options: { wide: boolean; showLabels: boolean },
): string {
  const { wide } = options;
  const header = [
    'NAME',
    'STATUS',
    'ROLES',
    'AGE',
    'VERSION',
    ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : []),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
  const rows = shown.map(({ node }) => [
    node.name,
    nodeStatusText(cluster, node.name, moment.now),
    node.role === 'control-plane' ? 'control-plane' : '<none>',
    humanDuration(moment.now),
    KUBERNETES_VERSION,
    ...(wide ? [formatIpv4(node.ip), '<none>', 'Ubuntu 24.04.1 LTS', '6.8.0-49-generic', 'containerd://1.7.22'] : []),
    ...(options.showLabels ? [formatLabels(nodeLabels(node))] : []),
  ]);
  return kubectlTable(header, rows);
}

/** The taint the node lifecycle controller puts on a node whose kubelet stopped posting status. */
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** kubectl's STATUS of a node: from its Ready condition, then SchedulingDisabled when cordoned. */
function nodeStatusText(cluster: Cluster, name: string, now: number): string {
  const ready = cluster.nodeReadyAt(name, now).ready ? 'Ready' : 'NotReady';
  return cluster.cordonedAt(name) === undefined ? ready : `${ready},SchedulingDisabled`;
}

/** A Node as `kubectl get node -o json` prints it: its labels, address, taints, Ready, node info. */
export function nodeObject(cluster: Cluster, record: NodeRecord, moment: Moment): object {
  const { node } = record;
  const timestamp = (at: number) => rfc3339(moment.epochMs + at * 1000);
  const created = timestamp(0);
  const cordonedAt = cluster.cordonedAt(node.name);
  const readiness = cluster.nodeReadyAt(node.name, moment.now);
  const taint = (key: string, effect: string, at: number) => ({ effect, key, timeAdded: timestamp(at) });
  const taints = [
    ...node.taints.map((t) => ({ effect: t.effect, key: t.key, ...(t.value !== undefined ? { value: t.value } : {}) })),
    ...(cordonedAt === undefined ? [] : [taint(UNSCHEDULABLE_TAINT.key, UNSCHEDULABLE_TAINT.effect, cordonedAt)]),
    ...(readiness.ready
      ? []
      : [taint(UNREACHABLE, 'NoSchedule', readiness.since), taint(UNREACHABLE, 'NoExecute', readiness.since)]),
  ];
  const cidr = `${formatIpv4(node.ip)}/${node.subnet.len}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: { 'projectcalico.org/IPv4Address': cidr },
      creationTimestamp: created,
      labels: nodeLabels(node),
      name: node.name,
    },
    spec: {
      ...(node.podCIDR !== undefined ? { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] } : {}),
      ...(taints.length > 0 ? { taints } : {}),
      ...(cordonedAt !== undefined ? { unschedulable: true } : {}),
    },
    status: {
      addresses: [
        { address: formatIpv4(node.ip), type: 'InternalIP' },
        { address: node.name, type: 'Hostname' },
      ],
      conditions: [
        readiness.ready
          ? {
              lastHeartbeatTime: timestamp(readiness.lastHeartbeat ?? moment.now),
              lastTransitionTime: created,
              message: 'kubelet is posting ready status',
              reason: 'KubeletReady',
              status: 'True',
              type: 'Ready',
            }
          : {
              lastHeartbeatTime: timestamp(readiness.lastHeartbeat),
              lastTransitionTime: timestamp(readiness.since),
              message: 'Kubelet stopped posting node status.',
              reason: 'NodeStatusUnknown',
              status: 'Unknown',
              type: 'Ready',
            },
      ],
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: 'containerd://1.7.22',
        kernelVersion: '6.8.0-49-generic',
        kubeProxyVersion: KUBERNETES_VERSION,
        kubeletVersion: KUBERNETES_VERSION,
        operatingSystem: 'linux',
        osImage: 'Ubuntu 24.04.1 LTS',
      },
    },
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function stateLines(state: ContainerState, moment: Moment, indent: string): string[] {
  const at = (t: number): string => rfc1123z(moment.epochMs + t * 1000);
  switch (state.state) {
    case 'running':
      return [`${indent}State:\tRunning`, `${indent}  Started:\t${at(state.startedAt)}`];
    case 'waiting':
      return [
        `${indent}State:\tWaiting`,
        `${indent}  Reason:\t${state.reason}`,
        ...(state.message ? [`${indent}  Message:\t${state.message}`] : []),
      ];
    case 'terminated':
      return [
        `${indent}State:\tTerminated`,
        `${indent}  Reason:\t${state.reason}`,
        ...(state.message ? [`${indent}  Message:\t${state.message}`] : []),
        `${indent}  Exit Code:\t${state.exitCode}`,
        `${indent}  Started:\t${at(state.startedAt)}`,
        `${indent}  Finished:\t${at(state.finishedAt)}`,
      ];
  }
}

function eventAge(event: PodEvent, now: number): string {
  const last = humanDuration(now - event.last);
  return event.count > 1 ? `${last} (x${event.count} over ${humanDuration(now - event.first)})` : last;
}

export function describePod(cluster: Cluster, record: PodRecord, moment: Moment): string {
  const status = cluster.statusAt(record, moment.now);
  const node: NodeRecord | undefined = record.nodeName === undefined ? undefined : cluster.nodeRecord(record.nodeName);
  const lines = [
    ...describeHeader(record, status, node, moment),
    ...(status.initContainers === undefined
      ? []
      : [
          'Init Containers:',
          ...status.initContainers.flatMap((container, i) =>
            describeContainer(record, container, record.spec.initContainers?.[i], moment),
          ),
        ]),
    'Containers:',
    ...status.containers.flatMap((container, i) =>
      describeContainer(record, container, record.spec.containers[i], moment),
    ),
    'Conditions:',
    '  Type\tStatus',
    ...status.conditions.map((c) => `  ${c.type}\t${c.status}`),
    ...describeFooter(record),
  ];
  const body = tabwrite(lines.join('\n'), KUBECTL_DESCRIBE);
  return `${body}\n${describeEvents(status.events, moment.now)}`;
}

/** A key with one value per line, or <none>, as kubectl aligns them. */
function multiline(key: string, entries: readonly string[]): string[] {
  return entries.length === 0
    ? [`${key}\t<none>`]
    : entries.map((entry, i) => (i === 0 ? `${key}\t${entry}` : `\t${entry}`));
}

/** Name through IPs: who the pod is, where it runs, its labels and Calico's annotations. */
function describeHeader(record: PodRecord, status: PodStatus, node: NodeRecord | undefined, moment: Moment): string[] {
  const { spec } = record;
  const ip = podIp(record);
  const labels = Object.entries(spec.labels)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([k, v]) => `${k}=${v}`);
  const annotations = Object.entries({
    ...spec.annotations,
    ...(ip !== undefined && record.allocation
      ? {
          'cni.projectcalico.org/containerID': record.sandboxId,
          'cni.projectcalico.org/podIP': `${ip}/32`,
          'cni.projectcalico.org/podIPs': `${ip}/32`,
        }
      : {}),
  })
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([k, v]) => `${k}: ${v}`);
  return [
    `Name:\t${spec.name}`,
    `Namespace:\t${spec.namespace}`,
    'Priority:\t0',
    'Service Account:\tdefault',
    `Node:\t${node ? `${node.node.name}/${formatIpv4(node.node.ip)}` : '<none>'}`,
    ...(status.startTime !== undefined ? [`Start Time:\t${rfc1123z(moment.epochMs + status.startTime * 1000)}`] : []),
    ...multiline('Labels:', labels),
    ...multiline('Annotations:', annotations),
    status.deletionTimestamp === undefined
      ? `Status:\t${status.phase}`
      : `Status:\tTerminating (lasts ${humanDuration(moment.now - status.deletionTimestamp)})`,
    ...(status.deletionTimestamp === undefined ? [] : ['Termination Grace Period:\t30s']),
    `IP:\t${ip ?? ''}`,
    ...(ip !== undefined ? ['IPs:', `  IP:\t${ip}`] : ['IPs:\t<none>']),
    ...(spec.owner === undefined ? [] : [`Controlled By:\t${spec.owner.kind}/${spec.owner.name}`]),
  ];
}

/** One container's section: IDs, image, ports, command, state, readiness, mounts. */
function describeContainer(
  record: PodRecord,
  container: PodStatus['containers'][number],
  containerSpec: ContainerSpec | undefined,
  moment: Moment,
): string[] {
  const ports = containerSpec?.ports ?? [];
  const containerId = container.started
    ? `containerd://${digest(`${record.sandboxId}/${container.name}/${container.restartCount}`)}`
    : undefined;
  return [
    `  ${container.name}:`,
    ...(containerId ? [`    Container ID:\t${containerId}`] : []),
    `    Image:\t${container.image}`,
    `    Image ID:\t${container.started ? `${normalizeImage(container.image).replace(/:[^:/]+$/, '')}@sha256:${digest(normalizeImage(container.image))}` : ''}`,
    ports.length > 1
      ? `    Ports:\t${ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}`
      : `    Port:\t${ports[0] ? `${ports[0].port}/${ports[0].protocol}` : '<none>'}`,
    ports.length > 1
      ? `    Host Ports:\t${ports.map((p) => `${p.hostPort ?? 0}/${p.protocol}`).join(', ')}`
      : `    Host Port:\t${ports[0] ? `${ports[0].hostPort ?? 0}/${ports[0].protocol}` : '<none>'}`,
    ...(containerSpec?.command ? ['    Command:', ...containerSpec.command.map((c) => `      ${c}`)] : []),
    ...(containerSpec?.args ? ['    Args:', ...containerSpec.args.map((c) => `      ${c}`)] : []),
    ...stateLines(container.state, moment, '    '),
    ...(container.lastState
      ? stateLines(container.lastState, moment, '    ').map((l) => l.replace('State:', 'Last State:'))
      : []),
    `    Ready:\t${container.ready ? 'True' : 'False'}`,
    `    Restart Count:\t${container.restartCount}`,
    '    Environment:\t<none>',
    '    Mounts:',
    `      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-${record.uid.slice(0, 5)} (ro)`,
  ];
}

/** Volumes, QoS, node selectors and tolerations (with the two every pod gets). */
function describeFooter(record: PodRecord): string[] {
  const { spec } = record;
  return [
    'Volumes:',
    `  kube-api-access-${record.uid.slice(0, 5)}:`,
    '    Type:\tProjected (a volume that contains injected data from multiple sources)',
    '    TokenExpirationSeconds:\t3607',
    '    ConfigMapName:\tkube-root-ca.crt',
    '    ConfigMapOptional:\t<nil>',
    '    DownwardAPI:\ttrue',
    'QoS Class:\tBestEffort',
    ...multiline(
      'Node-Selectors:',
      Object.entries(spec.nodeSelector).map(([k, v]) => `${k}=${v}`),
    ),
    ...multiline('Tolerations:', [
      ...spec.tolerations.map(
        (t) =>
          `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}${t.operator === 'Exists' ? ' op=Exists' : ''}`,
      ),
      'node.kubernetes.io/not-ready:NoExecute op=Exists for 300s',
      'node.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
    ]),
  ];
}

export function describeEvents(events: readonly PodEvent[], now: number): string {
  const visible = events.filter((event) => event.first <= now);
  if (visible.length === 0) return 'Events:  <none>';
  const rows = [
    '  Type\tReason\tAge\tFrom\tMessage',
    '  ----\t------\t----\t----\t-------',
    ...visible.map((e) => `  ${e.type}\t${e.reason}\t${eventAge(e, now)}\t${e.from}\t${e.message}`),
  ];
  return `Events:\n${tabwrite(rows.join('\n'), KUBECTL_DESCRIBE)}`;
}

function stateObject(state: ContainerState, time: (t: number) => string): object {
  switch (state.state) {
    case 'running':
      return { running: { startedAt: time(state.startedAt) } };
    case 'waiting':
      return { waiting: { reason: state.reason, ...(state.message ? { message: state.message } : {}) } };
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          reason: state.reason,
          ...(state.message ? { message: state.message } : {}),
          startedAt: time(state.startedAt),
          finishedAt: time(state.finishedAt),
        },
      };
  }
}

function containerStatusObject(c: PodStatus['containers'][number], time: (t: number) => string): object {
  return {
    name: c.name,
    image: c.image,
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.started,
    state: stateObject(c.state, time),
    ...(c.lastState ? { lastState: stateObject(c.lastState, time) } : {}),
  };
}

/** The controller that owns the pod, as ownerReferences names it. */
function ownerReferences(cluster: Cluster, record: PodRecord): { ownerReferences?: object[] } {
  const owner = record.spec.owner;
  const set = owner && cluster.workloads.replicaSet(owner.kind, record.spec.namespace, owner.name);
  if (owner === undefined || set === undefined) return {};
  const apiVersion = owner.kind === 'ReplicaSet' ? 'apps/v1' : 'v1';
  return {
    ownerReferences: [
      { apiVersion, kind: owner.kind, name: owner.name, uid: set.uid, controller: true, blockOwnerDeletion: true },
    ],
  };
}

/** The Pod object as `kubectl get pod -o json|yaml` shows it (the fields podnet models). */
export function podObject(cluster: Cluster, record: PodRecord, moment: Moment): object {
  const { spec } = record;
  const status = cluster.statusAt(record, moment.now);
  const ip = podIp(record);
  const node = record.nodeName === undefined ? undefined : cluster.nodeRecord(record.nodeName);
  const time = (t: number): string => rfc3339(moment.epochMs + t * 1000);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: record.uid,
      creationTimestamp: time(record.createdAt),
      ...(status.deletionTimestamp !== undefined ? { deletionTimestamp: time(status.deletionTimestamp) } : {}),
      ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
      ...ownerReferences(cluster, record),
      annotations: {
        ...spec.annotations,
        ...(ip !== undefined ? { 'cni.projectcalico.org/podIP': `${ip}/32` } : {}),
        ...(record.placementWhy !== undefined ? { 'podnet.dev/scheduled': record.placementWhy } : {}),
        ...(record.allocation
          ? { 'podnet.dev/ipam': record.allocation.why, 'podnet.dev/interface': record.vethName }
          : {}),
      },
    },
    spec: {
      containers: spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.ports.length > 0 ? { ports: c.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol })) } : {}),
      })),
      ...(record.nodeName !== undefined ? { nodeName: record.nodeName } : {}),
      restartPolicy: spec.restartPolicy,
    },
    status: {
      phase: status.phase,
      conditions: status.conditions,
      ...(node ? { hostIP: formatIpv4(node.node.ip) } : {}),
      ...(ip !== undefined ? { podIP: ip, podIPs: [{ ip }] } : {}),
      ...(status.startTime !== undefined ? { startTime: time(status.startTime) } : {}),
      ...(status.initContainers === undefined
        ? {}
        : { initContainerStatuses: status.initContainers.map((c) => containerStatusObject(c, time)) }),
      containerStatuses: status.containers.map((c) => containerStatusObject(c, time)),
    },
  };
}
